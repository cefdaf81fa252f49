// ravao oversight: draws the charts of the oversight pages with Chart.js from the JSON the page embeds
// (<script type="application/json" id="oversight-chart">). No inline script: the CSP forbids it.
// It also makes the by-unit table sortable and filterable (plain JS on the server-rendered rows: without
// JavaScript the table is simply the full list, by name).
(function () {
  "use strict";
  // "Hạ Bằng" and "ha bang" match, and "Hà" sorts before "Hoàn" (diacritics ignored first, then compared).
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }
  var collator = window.Intl && Intl.Collator ? new Intl.Collator("vi", { sensitivity: "base", numeric: true }) : null;
  function compareText(a, b) { return collator ? collator.compare(a, b) : (fold(a) < fold(b) ? -1 : fold(a) > fold(b) ? 1 : 0); }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var body = table.tBodies[0];
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, index) {
      var button = th.querySelector("button.sort");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var text = button.getAttribute("data-sort-type") === "text";
        // Numbers start with the largest, names with A; a second click reverses.
        var current = th.getAttribute("aria-sort");
        var ascending = current ? current !== "ascending" : text;
        var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return r.cells.length > 1; });
        rows.sort(function (ra, rb) {
          var a = ra.cells[index].getAttribute("data-sort") || "", b = rb.cells[index].getAttribute("data-sort") || "";
          var order = text ? compareText(a, b) : (parseFloat(a) - parseFloat(b)) || compareText(ra.cells[0].getAttribute("data-sort") || "", rb.cells[0].getAttribute("data-sort") || "");
          return ascending ? order : -order;
        });
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("input[data-filter-table]"), function (input) {
    var id = input.getAttribute("data-filter-table");
    var table = document.getElementById(id);
    var count = document.querySelector('[data-filter-count="' + id + '"]');
    if (!table) { return; }
    input.addEventListener("input", function () {
      var wanted = fold(input.value.trim());
      var shown = 0, total = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        if (row.cells.length < 2) { return; }
        total += 1;
        var match = !wanted || fold(row.cells[0].getAttribute("data-sort") || "").indexOf(wanted) !== -1;
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      if (count) { count.textContent = wanted ? shown + " / " + total : ""; }
    });
  });
})();

(function () {
  "use strict";
  var source = document.getElementById("oversight-chart");
  if (!source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var green = "#0b5d3b", light = "#9fd3b5", blue = "#1d4f91", amber = "#d4a000", grey = "#7b8580";
  Chart.defaults.font.family = 'system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif';
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false; // phones: draw once, no battery spent on tweens

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) { new Chart(canvas, config); }
  }
  function bars(labels, datasets, extra) {
    var options = { responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { display: datasets.length > 1 } } };
    if (extra) { for (var k in extra) { options[k] = extra[k]; } }
    return { type: "bar", data: { labels: labels, datasets: datasets }, options: options };
  }

  if (data.days && data.days.values) {
    draw("chart-days", bars(data.days.labels, [{ label: data.days.label, data: data.days.values, backgroundColor: green }]));
    draw("chart-venue-days", bars(data.days.labels, [{ label: data.days.label, data: data.days.values, backgroundColor: green }]));
  }
  if (data.hours && data.hours.values) {
    draw("chart-hours", bars(data.hours.labels, [{ label: data.hours.label, data: data.hours.values, backgroundColor: blue }]));
  }
  if (data.hours && data.hours.today) {
    draw("chart-venue-hours", bars(data.hours.labels, [
      { label: data.hours.label_today, data: data.hours.today, backgroundColor: green },
      { type: "line", label: data.hours.label_average, data: data.hours.average, borderColor: amber, backgroundColor: amber, pointRadius: 0 }
    ]));
  }
  if (data.methods) {
    draw("chart-methods", { type: "doughnut",
      data: { labels: data.methods.labels, datasets: [{ data: data.methods.values, backgroundColor: [green, blue, amber, grey] }] },
      options: { responsive: true, plugins: { legend: { position: "bottom" } } } });
  }
  function activity(id, a) {
    // Horizontal bars, every label drawn (autoSkip off): the server sends at most 2 × CHART_UNITS bars.
    draw(id, bars(a.labels, [
      { label: a.label_registered, data: a.registered, backgroundColor: "#d4ddd8" },
      { label: a.label_week, data: a.week, backgroundColor: light },
      { label: a.label_today, data: a.today, backgroundColor: green }
    ], { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { ticks: { autoSkip: false } } } }));
  }
  if (data.activity) { activity("chart-activity", data.activity); }
  if (data.activity_low) { activity("chart-activity-low", data.activity_low); }
})();
