// ihub UI behaviour: live run progress over SSE, confirmations, copy buttons, small form helpers.
(function () {
  "use strict";

  function statusLabel(status) {
    var tpl = document.getElementById("status-labels");
    var node = tpl && tpl.content.querySelector('[data-status="' + status + '"]');
    return node ? node.textContent : status;
  }

  function badge(status) {
    var span = document.createElement("span");
    span.className = "badge badge-" + status;
    span.dataset.status = status;
    span.textContent = statusLabel(status);
    return span;
  }

  function progressCell(processed, total) {
    var wrap = document.createElement("div");
    var bar = document.createElement("div");
    bar.className = "progress";
    var inner = document.createElement("div");
    var pct = total ? Math.round((1000 * processed) / total) / 10 : null;
    inner.className = "bar" + (pct === null ? " indeterminate" : "");
    inner.style.width = (pct === null ? 100 : pct) + "%";
    bar.appendChild(inner);
    var label = document.createElement("span");
    label.className = "progress-label";
    label.textContent = processed + (total ? " / " + total + " (" + pct + "%)" : "");
    wrap.appendChild(bar);
    wrap.appendChild(label);
    return wrap;
  }

  function formatTime(iso) {
    if (!iso) return "—";
    return iso.replace("T", " ").replace(/\.\d+/, "").replace(/(\+00:00|Z)$/, "") + " UTC";
  }

  function renderStep(tbody, step) {
    var row = tbody.querySelector('tr[data-step="' + CSS.escape(step.name) + '"]');
    if (!row) {
      row = document.createElement("tr");
      row.dataset.step = step.name;
      ["name", "status", "progress", "inserted", "updated", "unchanged", "errors", "current_item"].forEach(function (f) {
        var td = document.createElement("td");
        td.dataset.field = f;
        row.appendChild(td);
      });
      row.querySelector('[data-field="name"]').textContent = step.name;
      tbody.appendChild(row);
    }
    row.querySelector('[data-field="status"]').replaceChildren(badge(step.status));
    row.querySelector('[data-field="progress"]').replaceChildren(progressCell(step.processed, step.total));
    ["inserted", "updated", "unchanged", "errors"].forEach(function (f) {
      row.querySelector('[data-field="' + f + '"]').textContent = step[f];
    });
    row.querySelector('[data-field="current_item"]').textContent = step.current_item || "";
  }

  function watchRun(root) {
    if (!window.EventSource) return;
    var initiallyActive = ["queued", "running"].indexOf(root.dataset.status) >= 0;
    if (!initiallyActive) return;
    var source = new EventSource(root.dataset.events);
    function apply(event) {
      var run = JSON.parse(event.data);
      root.dataset.status = run.status;
      var status = document.getElementById("run-status");
      status.replaceChildren(badge(run.status));
      document.querySelectorAll(".topbar h1 .badge").forEach(function (b) { b.replaceWith(badge(run.status)); });
      document.getElementById("run-started").textContent = formatTime(run.started_at);
      document.getElementById("run-finished").textContent = formatTime(run.finished_at);
      document.getElementById("run-attempt").textContent = run.attempt;
      var error = document.getElementById("run-error");
      error.hidden = !run.error;
      error.textContent = run.error || "";
      document.getElementById("run-cancel-requested").hidden = !run.cancel_requested;
      var tbody = document.querySelector("#steps tbody");
      run.steps.forEach(function (step) { renderStep(tbody, step); });
      document.querySelectorAll("[data-total]").forEach(function (el) {
        el.textContent = run.totals[el.dataset.total];
      });
      return run;
    }
    source.addEventListener("progress", apply);
    source.addEventListener("final", function (event) {
      apply(event);
      source.close();
      // Reload once so the error list, log entries and buttons match the finished run.
      setTimeout(function () { window.location.reload(); }, 600);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var run = document.getElementById("run");
    if (run) watchRun(run);

    document.addEventListener("submit", function (event) {
      var message = event.target.dataset && event.target.dataset.confirm;
      if (message && !window.confirm(message)) event.preventDefault();
    });

    document.addEventListener("click", function (event) {
      var selector = event.target.dataset && event.target.dataset.copy;
      if (!selector) return;
      var text = document.querySelector(selector).textContent;
      navigator.clipboard.writeText(text).then(function () { event.target.textContent = "✓"; });
    });

    var kind = document.getElementById("run-kind");
    if (kind) {
      kind.addEventListener("change", function () {
        document.getElementById("run-params").value = kind.selectedOptions[0].dataset.defaults;
      });
    }

    var refresh = document.getElementById("log-refresh");
    if (refresh) refresh.addEventListener("change", function () { refresh.form.submit(); });
  });
})();
