/* Live updates for logged-in pages (docs/live.md). Loaded after static/vendor/socket.io.min.js,
   which `make install` copies from the pinned npm package; without it this file is not loaded and
   every page works as before, on reload.

   - The bell: its unread count follows the socket's "unread" events.
   - New notifications: the socket's "notification" event is a doorbell; the items themselves come
     from GET /api/v1/notifications?after=<last id seen>, the same call that catches up after every
     (re)connect, so nothing is lost, nothing shows twice, and the text is in this page's language.
     Instant ones pop up as toasts in #toasts, a polite live region that screen readers announce.
   - A question page joins its question's room ("watch"); on each "question" event (ids only) it
     fetches the page again through its own request and updates the parts that changed, keeping
     whatever the reader is typing. */
(function () {
  "use strict";

  if (typeof window.io !== "function" || !window.fetch || !window.DOMParser) { return; }
  var bell = document.querySelector("[data-live-bell]");
  if (!bell) { return; }   // not logged in

  var i18n = {};
  try { i18n = JSON.parse(document.body.getAttribute("data-i18n") || "{}"); } catch (e) { i18n = {}; }
  function t(key, num) {
    var text = i18n[key] || "";
    return num === undefined ? text : text.replace("{num}", String(num));
  }

  var lastId = parseInt(bell.getAttribute("data-last-id") || "0", 10) || 0;
  var seen = {};
  var toasts = document.getElementById("toasts");
  var status = document.getElementById("live-status");

  function announce(text) { if (status && text) { status.textContent = text; } }

  /* --- the bell ----------------------------------------------------------------------------- */
  function setUnread(count) {
    if (typeof count !== "number" || count < 0) { return; }
    bell.setAttribute("data-unread", String(count));
    var badge = bell.querySelector(".notif-count");
    var label = bell.querySelector("[data-unread-label]");
    if (badge) {
      badge.textContent = count ? (count < 100 ? String(count) : "99+") : "";
      badge.hidden = !count;
    }
    if (label) { label.textContent = count ? t("unread", count) : ""; }
    var line = document.querySelector("[data-live-unread-text]");
    if (line) { line.textContent = t("unreadCount", count); }
  }

  /* --- toasts ------------------------------------------------------------------------------- */
  function toast(text, url) {
    if (!toasts) { return; }
    var box = document.createElement("div");
    box.className = "toast";
    var body = document.createElement(url ? "a" : "p");
    body.className = "toast-text";
    body.textContent = text;
    if (url) { body.href = url; }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", t("close"));
    close.textContent = "×";
    close.addEventListener("click", function () { box.remove(); });
    box.appendChild(body);
    box.appendChild(close);
    toasts.appendChild(box);
    while (toasts.children.length > 4) { toasts.removeChild(toasts.firstChild); }
    var timer = setTimeout(function () { box.remove(); }, 9000);
    box.addEventListener("mouseenter", function () { clearTimeout(timer); });
    box.addEventListener("focusin", function () { clearTimeout(timer); });
  }

  /* The inbox page shows new items at the top of its list. */
  function prependToInbox(item) {
    var list = document.querySelector("[data-live-list]");
    if (!list || list.querySelector('[data-note-id="' + item.id + '"]')) { return; }
    var li = document.createElement("li");
    li.className = "note is-unread is-live";
    li.setAttribute("data-note-id", String(item.id));
    var badge = document.createElement("span");
    badge.className = "badge badge-new";
    badge.textContent = t("newBadge");
    var p = document.createElement("p");
    p.className = "note-text";
    var target = p;
    if (item.url) { target = document.createElement("a"); target.href = item.url; p.appendChild(target); }
    target.textContent = item.text || "";
    li.appendChild(badge);
    li.appendChild(p);
    list.insertBefore(li, list.firstChild);
    list.hidden = false;
    var empty = document.querySelector("[data-live-empty]");
    if (empty) { empty.remove(); }
  }

  function arrived(items) {
    var fresh = items.filter(function (item) {
      return !item.read && !item.resolved && item.delivery === "instant";
    });
    fresh.slice(0, 3).forEach(function (item) { toast(item.text || "", item.url); });
    if (fresh.length > 3) { toast(t("moreNotes", fresh.length - 3), "/notifications"); }
    items.forEach(prependToInbox);
  }

  /* --- catch-up: everything after the last id seen, oldest first, each item once ------------ */
  var fetching = false, again = false;
  function catchUp() {
    if (fetching) { again = true; return; }
    fetching = true;
    var got = [];
    function page() {
      return fetch("/api/v1/notifications?limit=100&after=" + lastId, {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      }).then(function (data) {
        (data.items || []).forEach(function (item) {
          if (item.id > lastId) { lastId = item.id; }
          if (!seen[item.id]) { seen[item.id] = true; got.push(item); }
        });
        setUnread(data.unread);
        if (data.has_more) { return page(); }
      });
    }
    page().then(function () {
      bell.setAttribute("data-last-id", String(lastId));
      if (got.length) { arrived(got); }
    }).catch(function () { /* offline: the next connect catches up */ })
      .finally(function () {
        fetching = false;
        if (again) { again = false; catchUp(); }
      });
  }

  /* --- the live question page --------------------------------------------------------------- */
  var questionEl = document.querySelector("[data-live-question]");
  var questionId = questionEl ? parseInt(questionEl.getAttribute("data-live-question"), 10) : null;
  var refreshTimer = null, pendingAnswer = false;

  function focusedIn(el) { return el && document.activeElement && el.contains(document.activeElement); }
  function typedIn(el) {
    if (!el) { return false; }
    return Array.prototype.some.call(el.querySelectorAll("textarea, input[type=text], input:not([type])"),
      function (field) { return field.value && field.value.trim() !== ""; });
  }
  function swap(oldEl, newEl) {
    if (!oldEl || !newEl || focusedIn(oldEl) || typedIn(oldEl)) { return; }
    if (oldEl.innerHTML !== newEl.innerHTML || oldEl.className !== newEl.className) {
      oldEl.replaceWith(document.importNode(newEl, true));
    }
  }

  function syncPost(oldPost, newPost) {
    ["vote-box", "prose", "post-owner", "accepted-mark", "tags", "banner-deleted"].forEach(function (cls) {
      swap(oldPost.querySelector(":scope > ." + cls + ", :scope > .post-main > ." + cls +
        ", :scope > .post-main > .post-footer > ." + cls), newPost.querySelector(":scope > ." + cls +
        ", :scope > .post-main > ." + cls + ", :scope > .post-main > .post-footer > ." + cls));
    });
    oldPost.className = newPost.className;
    var oldList = oldPost.querySelector(".comment-list"), newList = newPost.querySelector(".comment-list");
    if (oldList && newList) { swap(oldList, newList); }
    else if (newList) {
      var section = oldPost.querySelector(".comments");
      if (section) { section.insertBefore(document.importNode(newList, true), section.firstChild); }
      else {
        var main = oldPost.querySelector(".post-main"), newSection = newPost.querySelector(".comments");
        if (main && newSection) { main.appendChild(document.importNode(newSection, true)); }
      }
    } else if (oldList) { oldList.remove(); }
  }

  function syncAnswers(doc) {
    var oldSection = document.querySelector("section.answers"), newSection = doc.querySelector("section.answers");
    if (!oldSection || !newSection) { return; }
    swap(oldSection.querySelector("#answers-title"), newSection.querySelector("#answers-title"));
    var newOnes = newSection.querySelectorAll("article[data-answer]");
    var keep = {};
    var previous = null;
    Array.prototype.forEach.call(newOnes, function (fresh) {
      keep[fresh.id] = true;
      var current = document.getElementById(fresh.id);
      if (current) { syncPost(current, fresh); previous = current; return; }
      var added = document.importNode(fresh, true);
      added.classList.add("is-new");
      if (previous) { previous.after(added); }
      else {
        var heading = oldSection.querySelector("#answers-title");
        if (heading) { heading.after(added); } else { oldSection.appendChild(added); }
      }
      previous = added;
    });
    Array.prototype.forEach.call(oldSection.querySelectorAll("article[data-answer]"), function (old) {
      if (!keep[old.id]) { old.remove(); }
    });
    var empty = oldSection.querySelector(":scope > .empty");
    if (empty && newOnes.length) { empty.remove(); }
  }

  function syncBanners(doc) {
    var meta = document.querySelector("[data-live='meta']");
    if (!meta) { return; }
    document.querySelectorAll("[data-live-banner]").forEach(function (b) { b.remove(); });
    var anchor = meta;
    doc.querySelectorAll("[data-live-banner]").forEach(function (b) {
      var copy = document.importNode(b, true);
      anchor.after(copy);
      anchor = copy;
    });
  }

  function gone() {
    if (document.querySelector(".live-gone")) { return; }
    var note = document.createElement("p");
    note.className = "banner live-gone";
    note.setAttribute("role", "alert");
    note.textContent = t("liveGone");
    var main = document.getElementById("main");
    if (main) { main.insertBefore(note, main.firstChild); }
  }

  function refreshQuestion() {
    fetch(window.location.pathname, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.status === 404 || response.status === 403) { gone(); return null; }
        if (!response.ok) { return null; }
        return response.text();
      }).then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var newQuestion = doc.querySelector("[data-live-question]");
        if (!newQuestion) { return; }
        swap(document.querySelector("[data-live='title']"), doc.querySelector("[data-live='title']"));
        swap(document.querySelector("[data-live='meta']"), doc.querySelector("[data-live='meta']"));
        syncBanners(doc);
        syncPost(questionEl, newQuestion);
        syncAnswers(doc);
        swap(document.getElementById("routing"), doc.getElementById("routing"));
        swap(document.getElementById("your-answer"), doc.getElementById("your-answer"));
        announce(pendingAnswer ? t("liveAnswer") : t("liveChanged"));
        pendingAnswer = false;
      }).catch(function () { /* offline: the reconnect refreshes */ });
  }

  function scheduleRefresh() {
    if (refreshTimer) { return; }
    // Coalesce bursts (an acceptance sends two events), and spread many readers' fetches.
    refreshTimer = setTimeout(function () { refreshTimer = null; refreshQuestion(); },
      150 + Math.floor(Math.random() * 250));
  }

  /* --- the socket ------------------------------------------------------------------------------ */
  var socket = window.io({ withCredentials: true });
  var everConnected = false, lost = false;

  socket.on("connect", function () {
    catchUp();
    if (questionId) { socket.emit("watch", { question: questionId }); }
    if (everConnected && questionId) { scheduleRefresh(); }   // events may have been missed
    if (lost) { announce(t("liveBack")); lost = false; }
    everConnected = true;
    document.documentElement.classList.remove("live-offline");
  });
  socket.on("disconnect", function () {
    lost = true;
    document.documentElement.classList.add("live-offline");
  });
  socket.on("notification", function (item) {
    if (!item || typeof item.id !== "number" || item.id > lastId) { catchUp(); }
  });
  socket.on("unread", function (data) { if (data) { setUnread(data.unread); } });
  socket.on("question", function (data) {
    if (!data || data.question_id !== questionId) { return; }
    if (data.event === "answer") { pendingAnswer = true; }
    scheduleRefresh();
  });

  // The browser knows before the transport does that the network is back: reconnect at once.
  window.addEventListener("online", function () {
    if (!socket.connected) { socket.connect(); }
    else { catchUp(); if (questionId) { scheduleRefresh(); } }
  });
  window.addEventListener("offline", function () { announce(t("liveOffline")); });
}());
