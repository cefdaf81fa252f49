// ravao oversight: draws the charts of the oversight pages with Chart.js from the JSON the page embeds
// (<script type="application/json" id="oversight-chart">). No inline script: the CSP forbids it.
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
  if (data.activity) {
    var a = data.activity;
    draw("chart-activity", bars(a.labels, [
      { label: a.label_registered, data: a.registered, backgroundColor: "#d4ddd8" },
      { label: a.label_week, data: a.week, backgroundColor: light },
      { label: a.label_today, data: a.today, backgroundColor: green }
    ], { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }));
  }
})();
