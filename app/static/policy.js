// Live income limits on the policy screen: ask the server (the same engine) as the
// Beheerder types, so the table always shows what saving would mean.
(function () {
  "use strict";
  var form = document.getElementById("beleid");
  if (!form || !window.fetch) { return; }
  var timer = null;
  function refresh() {
    var data = new FormData(form);
    data.delete("csrf_token");
    var query = new URLSearchParams(data).toString();
    fetch(form.dataset.grenzenUrl + "?" + query, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) {
        if (!answer) { return; }
        Object.keys(answer.grenzen).forEach(function (kind) {
          var cell = document.querySelector('#grenzen tr[data-huishouden="' + kind + '"] .grens');
          if (cell) { cell.textContent = answer.grenzen[kind]; }
        });
      });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  form.addEventListener("change", refresh);
}());
