// Settings page: the State/Province field only matters for the US and
// Canada, so with JavaScript it is shown only for them. Without
// JavaScript it is always shown, labelled "US and Canada only".
(function () {
  "use strict";
  function sync() {
    var country = document.getElementById("billing-country");
    var field = document.getElementById("billing-state-field");
    if (!country || !field) return;
    var on = country.value === "US" || country.value === "CA";
    field.hidden = !on;
    if (!on) {
      var input = document.getElementById("billing-state");
      if (input) input.value = "";
    }
  }
  document.addEventListener("change", function (e) {
    if (e.target && e.target.id === "billing-country") sync();
  });
  document.addEventListener("DOMContentLoaded", sync);
  document.addEventListener("htmx:afterSwap", sync);
})();
