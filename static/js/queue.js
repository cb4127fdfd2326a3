// Small enhancements for the case queue; the page works without them.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll('input[name="cases"]').forEach(function (box) { box.checked = all.checked; });
    });
  }
  // Filters apply as soon as a choice changes.
  var filters = document.getElementById("queue-filters");
  if (filters) {
    filters.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", function () { filters.submit(); });
    });
  }
})();
