/* While a question is written (the ask page): knowledge-base articles that may answer it,
   above similar questions; and the title a search page handed over (/questions/ask?title=...).
   Progressive enhancement: the page works without it.

   Attaches to the input with id "title" when present, and reads the textarea with id "body"
   too (its words help find duplicates: GET /api/v1/search/suggest?q=<title>&body=<body>).
   The lists go into the element with id "similar" (created after the title field when the
   page has none); its data-suggest-url names the endpoint (default /api/v1/search/suggest);
   its data-heading, else the "similarHeading" string of base.html's <body data-i18n>, titles
   the questions, "similarArticlesHeading" the articles. Results are text, never HTML from the
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
  var bodyField = document.getElementById("body");
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
  var articlesHeading = text("similarArticlesHeading", "Knowledge base articles that may answer it:");
  var BODY_CHARS = 1000;  // the start of a body says what it is about
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

  function group(title, items, cls) {
    var section = document.createElement("div");
    section.className = "similar-group " + cls;
    var h = document.createElement("h2");
    h.textContent = title;
    var list = document.createElement("ul");
    items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.url;
      a.textContent = item.title;
      a.target = "_blank";
      a.rel = "noopener";
      li.appendChild(a);
      if (item.type !== "article" && (item.is_accepted || item.answer_count)) {
        var note = document.createElement("span");
        note.className = "muted";
        note.textContent = item.is_accepted ? " ✓" : " (" + item.answer_count + ")";
        li.appendChild(note);
      }
      list.appendChild(li);
    });
    section.appendChild(h);
    section.appendChild(list);
    return section;
  }

  function render(items) {
    box.textContent = "";
    var articles = items.filter(function (i) { return i.type === "article"; });
    var questions = items.filter(function (i) { return i.type !== "article"; });
    if (articles.length) { box.appendChild(group(articlesHeading, articles, "similar-articles")); }
    if (questions.length) { box.appendChild(group(heading, questions, "similar-questions")); }
    box.hidden = !items.length;
  }

  function lookup() {
    var q = input.value.trim();
    var body = bodyField ? bodyField.value.slice(0, BODY_CHARS) : "";
    var key = q + "\n" + body;
    if (key === last) { return; }
    last = key;
    if (q.length < 2 && body.trim().length < 20) { render([]); return; }
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    // The title as typed (its last word may be half done); the body's words as context.
    var query = "?q=" + encodeURIComponent(input.value.slice(0, 200)) + (body ? "&body=" + encodeURIComponent(body) : "");
    fetch(url + query, {
      credentials: "same-origin", headers: {"Accept": "application/json"},
      signal: controller ? controller.signal : undefined
    }).then(function (r) { return r.ok ? r.json() : {items: []}; })
      .then(function (data) { if (key === last) { render(data.items || []); } })
      .catch(function () { /* offline or aborted: keep the form usable */ });
  }

  function later(delay) {
    clearTimeout(timer);
    timer = setTimeout(lookup, delay);
  }
  input.addEventListener("input", function () { later(150); });
  if (bodyField) { bodyField.addEventListener("input", function () { later(400); }); }
  if (input.value) { lookup(); }
}());
