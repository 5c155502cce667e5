/* Similar questions while a title is typed (the ask page), and the title a search page
   handed over (/questions/ask?title=...). Progressive enhancement: the page works without it.

   Attaches to the input with id "title" when present. The list goes into the element with id
   "similar" (created after the title field when the page has none); its data-suggest-url
   names the endpoint (default /api/v1/search/suggest); its data-heading, else the "similarHeading"
   string of base.html's <body data-i18n>, titles the list. Results are text, never HTML from the
   server: titles are inserted with textContent. */
(function () {
  "use strict";
  var script = document.currentScript;
  // Translated strings: base.html renders them as JSON into <body data-i18n='...'>.
  var strings = {};
  try {
    strings = JSON.parse((document.body && document.body.getAttribute("data-i18n")) || "{}") || {};
  } catch (e) { strings = {}; }
  function text(key, fallback) { return typeof strings[key] === "string" && strings[key] ? strings[key] : fallback; }
  var input = document.getElementById("title");
  if (!input) { return; }
  var box = document.getElementById("similar");
  if (!box) {
    box = document.createElement("div");
    box.id = "similar";
    var field = input.closest(".field") || input;
    field.parentNode.insertBefore(box, field.nextSibling);
  }
  box.classList.add("similar");
  box.hidden = true;
  box.setAttribute("aria-live", "polite");
  var url = box.getAttribute("data-suggest-url") || "/api/v1/search/suggest";
  var heading = box.getAttribute("data-heading") || text("similarHeading",
    "Similar questions that may already have an answer:");
  // The ask page links only app.css: bring search.css (beside this script) along.
  if (script && !document.querySelector('link[href$="css/search.css"]')) {
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = script.src.replace(/js\/search\.js(\?.*)?$/, "css/search.css");
    document.head.appendChild(css);
  }

  var params = new URLSearchParams(window.location.search);
  if (!input.value && params.get("title")) { input.value = params.get("title").slice(0, 200); }

  var timer = null, last = "", controller = null;

  function render(items) {
    box.textContent = "";
    if (!items.length) { box.hidden = true; return; }
    var h = document.createElement("h2");
    h.textContent = heading;
    var list = document.createElement("ul");
    items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.url;
      a.textContent = item.title;
      a.target = "_blank";
      a.rel = "noopener";
      li.appendChild(a);
      if (item.is_accepted || item.answer_count) {
        var note = document.createElement("span");
        note.className = "muted";
        note.textContent = item.is_accepted ? " ✓" : " (" + item.answer_count + ")";
        li.appendChild(note);
      }
      list.appendChild(li);
    });
    box.appendChild(h);
    box.appendChild(list);
    box.hidden = false;
  }

  function lookup() {
    var q = input.value.trim();
    if (q === last) { return; }
    last = q;
    if (q.length < 2) { render([]); return; }
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    fetch(url + "?q=" + encodeURIComponent(q), {
      credentials: "same-origin", headers: {"Accept": "application/json"},
      signal: controller ? controller.signal : undefined
    }).then(function (r) { return r.ok ? r.json() : {items: []}; })
      .then(function (data) { if (q === last) { render(data.items || []); } })
      .catch(function () { /* offline or aborted: keep the form usable */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookup, 150);
  });
  if (input.value) { lookup(); }
}());
