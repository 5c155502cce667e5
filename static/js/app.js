/* Progressive enhancement for the forum. Every control here is a working HTML form first;
   this script only saves a page load by sending the same action to the JSON API
   (/api/v1/...) with the page's CSRF token. When the API is unreachable or answers in a way
   we do not understand, the form is submitted the ordinary way, so nothing depends on it.
   No dependencies, no build step. */
(function () {
  "use strict";

  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = meta ? meta.getAttribute("content") : "";

  function callApi(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": csrfToken
      },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  }

  /* Submit the form without this script: the server answers with a redirect and a message. */
  function submitNormally(form, submitter) {
    form.setAttribute("data-no-js", "1");
    if (submitter && submitter.name) {
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = submitter.name;
      hidden.value = submitter.value;
      form.appendChild(hidden);
    }
    form.submit();
  }

  /* Problems the user must read (403 own post, 409 closed ...) are shown next to the form;
     anything else (404 no API yet, 5xx, expired session) falls back to the form post. */
  function handleFailure(form, submitter, response) {
    var isProblem = response && /json/.test(response.headers.get("Content-Type") || "");
    if (!isProblem || [400, 403, 409, 422].indexOf(response.status) < 0) {
      submitNormally(form, submitter);
      return;
    }
    response.json().then(function (problem) {
      showError(form, problem.detail || problem.title || "");
    }, function () { submitNormally(form, submitter); });
  }

  function showError(form, text) {
    var box = form.parentNode.querySelector(".js-error");
    if (!box) {
      box = document.createElement("p");
      box.className = "js-error field-error";
      box.setAttribute("role", "alert");
      form.parentNode.insertBefore(box, form.nextSibling);
    }
    box.textContent = text;
  }

  function clearError(form) {
    var box = form.parentNode.querySelector(".js-error");
    if (box) { box.remove(); }
  }

  function announce(text) {
    var region = document.getElementById("live-status");
    if (region) { region.textContent = text; }
  }

  /* --- votes: one form, two buttons; pressing your current vote again withdraws it ---- */
  function setVoteState(form, score, myVote) {
    form.querySelector("[data-score]").textContent = String(score);
    form.querySelectorAll(".vote-btn").forEach(function (button) {
      var dir = parseInt(button.getAttribute("data-dir"), 10);
      var pressed = myVote === dir;
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
      button.value = pressed ? "0" : String(dir);
    });
    var template = form.getAttribute("data-msg-score") || "";
    if (template) { announce(template.replace("{score}", String(score))); }
  }

  function onVote(event, form) {
    var submitter = event.submitter;
    if (!submitter || !window.fetch) { return; }   // very old browser: plain form post
    event.preventDefault();
    form.classList.add("js-busy");
    clearError(form);
    callApi("POST", form.getAttribute("data-vote-api"), { value: parseInt(submitter.value, 10) })
      .then(function (response) {
        if (!response.ok) { return handleFailure(form, submitter, response); }
        return response.json().then(function (data) { setVoteState(form, data.score, data.my_vote); });
      })
      .catch(function () { submitNormally(form, submitter); })
      .finally(function () { form.classList.remove("js-busy"); });
  }

  /* --- accept: one answer at most; accepting another moves the mark -------------------- */
  function setAccepted(form, accepted) {
    form.setAttribute("data-accepted", accepted ? "true" : "false");
    form.action = form.getAttribute(accepted ? "data-url-unaccept" : "data-url-accept");
    var button = form.querySelector(".accept-btn");
    button.setAttribute("aria-pressed", accepted ? "true" : "false");
    button.querySelector("[data-label]").textContent =
      form.getAttribute(accepted ? "data-label-unaccept" : "data-label-accept");
    var article = form.closest("[data-answer]");
    if (article) {
      article.classList.toggle("is-accepted", accepted);
      var mark = article.querySelector("[data-accepted-mark]");
      if (mark) { mark.hidden = !accepted; }
    }
  }

  function onAccept(event, form) {
    if (!window.fetch) { return; }
    event.preventDefault();
    var accept = form.getAttribute("data-accepted") !== "true";
    form.classList.add("js-busy");
    clearError(form);
    callApi(accept ? "POST" : "DELETE", form.getAttribute("data-accept-api"))
      .then(function (response) {
        if (!response.ok) { return handleFailure(form, event.submitter, response); }
        document.querySelectorAll(".accept-form").forEach(function (other) {
          setAccepted(other, other === form ? accept : false);
        });
        announce(form.getAttribute(accept ? "data-msg-accepted" : "data-msg-unaccepted") || "");
      })
      .catch(function () { submitNormally(form, event.submitter); })
      .finally(function () { form.classList.remove("js-busy"); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-no-js")) { return; }
    if (form.matches(".vote-form[data-vote-api]")) { onVote(event, form); }
    else if (form.matches(".accept-form[data-accept-api]")) { onAccept(event, form); }
  });

  /* --- a refused form: bring its messages into view and to the screen reader ------------ */
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  } else {
    var invalid = document.querySelector("[aria-invalid='true']");
    if (invalid) { invalid.focus(); }
  }

  /* --- the user menu (a <details>) closes on Escape and on a click elsewhere --------------- */
  var menu = document.querySelector(".user-menu");
  if (menu) {
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) { menu.open = false; }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  }

  /* --- ask/edit: the team list matters only for team visibility ------------------------- */
  var visibility = document.getElementById("visibility");
  var team = document.getElementById("team");
  if (visibility && team && team.closest(".field")) {
    var teamField = team.closest(".field");
    var sync = function () {
      // Keep it visible while it shows an error, so the message is never hidden.
      teamField.hidden = visibility.value !== "team" && !teamField.classList.contains("field-invalid");
    };
    visibility.addEventListener("change", sync);
    sync();
  }
}());
