// Small progressive enhancements; every page works (minus charts) without them.
"use strict";

function renderCharts(root) {
  if (!window.Plotly) return;
  root.querySelectorAll("[data-chart]").forEach((el) => {
    const figure = JSON.parse(document.getElementById(el.id + "-figure").textContent);
    Plotly.newPlot(el, figure.data, figure.layout, {
      responsive: true,
      displaylogo: false,
      modeBarButtonsToRemove: ["lasso2d", "select2d"],
      toImageButtonOptions: { format: "png", filename: el.dataset.chart, scale: 2 },
    }).then(() => { el.dataset.ready = "1"; });
  });
  root.querySelectorAll("[data-chart-download]").forEach((button) => {
    button.addEventListener("click", () => {
      const el = document.getElementById(button.dataset.target);
      const format = button.dataset.chartDownload;
      Plotly.downloadImage(el, {
        format: format,
        filename: el.dataset.chart,
        width: Math.max(el.clientWidth, 900),
        height: Math.max(el.clientHeight, 460),
        scale: format === "png" ? 2 : 1,
      });
    });
  });
}

function sortTables(root) {
  root.querySelectorAll("table.data").forEach((table) => {
    const headers = Array.from(table.tHead.rows[0].cells);
    headers.forEach((th, index) => {
      const button = th.querySelector("button.sort");
      if (!button) return;
      button.addEventListener("click", () => {
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach((h) => h.hasAttribute("aria-sort") && h.setAttribute("aria-sort", "none"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const numeric = ["number", "int", "percent", "bool"].includes(button.dataset.kind);
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        const key = (row) => row.cells[index] ? row.cells[index].dataset.sort : "";
        rows.sort((a, b) => {
          const x = key(a), y = key(b);
          // Empty cells sort last in both directions.
          if (x === "" || y === "") return (x === "") - (y === "");
          const order = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
          return ascending ? order : -order;
        });
        rows.forEach((row) => body.appendChild(row));
      });
    });
  });
}

function autoSubmit(root) {
  root.querySelectorAll("[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => el.form.submit());
  });
}

function compareSelection() {
  const form = document.getElementById("compare-form");
  if (!form) return;
  const button = document.getElementById("compare-selected");
  const update = () => {
    const n = form.querySelectorAll("input[name=audit]:checked").length;
    form.querySelector(".n-selected").textContent = n;
    button.disabled = n < 2;
  };
  form.addEventListener("change", update);
  update();
}

function choiceFilter() {
  const input = document.querySelector(".choice-filter");
  if (!input) return;
  input.addEventListener("input", () => {
    const needle = input.value.toLowerCase();
    document.querySelectorAll(".choice").forEach((label) => {
      label.hidden = needle !== "" && !label.dataset.name.includes(needle);
    });
  });
}

async function loadFragments() {
  for (const el of document.querySelectorAll("[data-fragment]")) {
    if (!el.querySelector(".loading")) continue;
    try {
      const response = await fetch(el.dataset.fragment);
      if (!response.ok) throw new Error(response.status + " " + response.statusText);
      el.innerHTML = await response.text();
      sortTables(el);
      el.dataset.ready = "1";
    } catch (error) {
      el.innerHTML = '<p class="warning">Could not compute the differences: ' + error.message + "</p>";
    }
  }
}

function pollProgress() {
  const bars = Array.from(document.querySelectorAll("[data-progress-audit]"));
  if (!bars.length) return;
  const query = bars.map((b) => "audit=" + encodeURIComponent(b.dataset.progressAudit)).join("&");
  const tick = async () => {
    try {
      const response = await fetch("/dashboards/progress.json?" + query, { cache: "no-store" });
      const audits = await response.json();
      let finished = false;
      for (const audit of audits) {
        for (const bar of bars.filter((b) => b.dataset.progressAudit === String(audit.audit_id))) {
          const progress = bar.querySelector("progress");
          progress.max = audit.total || 1;
          progress.value = audit.done;
          bar.querySelector(".progress-text").textContent = audit.done + " / " + (audit.total || "?") + " · " + audit.status;
        }
        finished = finished || audit.finished;
      }
      // A finished audit has new scores: show them.
      if (finished) { window.location.reload(); return; }
    } catch (error) { /* the server may be restarting; try again */ }
    window.setTimeout(tick, 2000);
  };
  window.setTimeout(tick, 2000);
}

document.addEventListener("DOMContentLoaded", () => {
  renderCharts(document);
  sortTables(document);
  autoSubmit(document);
  compareSelection();
  choiceFilter();
  loadFragments();
  pollProgress();
});
