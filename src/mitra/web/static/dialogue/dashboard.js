// Filter the dashboard's commitments by status (no inline script: the CSP forbids it).
(function () {
  "use strict";
  var select = document.getElementById("status-filter");
  if (!select) { return; }
  select.addEventListener("change", function () {
    var rows = document.querySelectorAll("#commitments tbody tr");
    for (var i = 0; i < rows.length; i++) {
      var show = !select.value || rows[i].getAttribute("data-status") === select.value;
      rows[i].hidden = !show;
    }
  });
}());
