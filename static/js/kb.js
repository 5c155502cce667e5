/* Knowledge base: small conveniences on top of pages that work without script.

   * The promote form shows only the fields of the chosen way (new article / existing one).
   * The article form shows the team field only for a team audience. */
(function () {
  "use strict";

  function toggleModes() {
    var radios = document.querySelectorAll('input[name="mode"]');
    if (!radios.length) { return; }
    function apply() {
      var chosen = document.querySelector('input[name="mode"]:checked');
      var mode = chosen ? chosen.value : "new";
      document.querySelectorAll(".kb-mode").forEach(function (box) {
        box.hidden = !box.classList.contains("kb-mode-" + mode);
      });
    }
    radios.forEach(function (r) { r.addEventListener("change", apply); });
    apply();
  }

  function toggleTeam() {
    var audience = document.getElementById("audience");
    var team = document.getElementById("team");
    if (!audience || !team) { return; }
    var box = team.closest(".field");
    function apply() { box.hidden = audience.value !== "team"; }
    audience.addEventListener("change", apply);
    apply();
  }

  toggleModes();
  toggleTeam();
}());
