// Polls the submission's status.json every 2 s while evaluations are queued or running, updates the rows,
// and reloads the page once everything finished so the results table appears. No dependencies.
(function () {
  "use strict";
  var table = document.getElementById("evaluations");
  if (!table || table.dataset.active !== "1") { return; }
  var url = table.dataset.statusUrl;
  function update(state) {
    state.evaluations.forEach(function (e) {
      var row = table.querySelector('tr[data-evaluation="' + e.id + '"]');
      if (!row) { return; }
      row.className = "status-" + e.status;
      row.querySelector(".status").textContent = e.status;
      row.querySelector("progress").value = e.progress_percent;
      row.querySelector(".phase").textContent = e.progress_phase;
      row.querySelector(".worker").textContent = e.worker_host;
      row.querySelector(".error").textContent = e.error;
      if (e.result) { row.querySelector(".score").textContent = e.result.main_score.toFixed(4); }
    });
    return state.finished;
  }
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (update(state)) { window.location.reload(); } else { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
