/* Outbreak pages (issue 11): the epidemic curve (cases stacked by cluster or commune, a line of contacts
   under follow-up) and a cluster's presence per hour, drawn with Chart.js from the JSON the page embeds
   (<script type="application/json">). No inline script: the CSP forbids it. The figures are also in a
   table on the page. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }
  var palette = ["#0b5d3b", "#1d4f91", "#b5461b", "#6b3fa0", "#0f7c8a", "#8a6d00", "#a02a5a", "#4d6b2f", "#5f6864"];
  Chart.defaults.font.family = 'system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif';
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  function read(id) {
    var source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  var epi = read("epi-chart");
  var epiCanvas = document.getElementById("chart-epi");
  if (epi && epiCanvas) {
    var datasets = epi.series.map(function (s, i) {
      return { type: "bar", label: s.label, data: s.values, backgroundColor: palette[i % palette.length], stack: "cases", yAxisID: "y", maxBarThickness: 48 };
    });
    datasets.push({ type: "line", label: epi.followup.label, data: epi.followup.values, borderColor: "#c21b1b",
      backgroundColor: "#c21b1b", pointRadius: 2, borderWidth: 2, yAxisID: "y2", stepped: "middle" });
    new Chart(epiCanvas, {
      data: { labels: epi.labels, datasets: datasets },
      options: {
        responsive: true,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: epi.casesLabel } },
          y2: { position: "right", beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false }, title: { display: true, text: epi.contactsLabel } }
        }
      }
    });
  }

  var presence = read("cluster-chart");
  var presenceCanvas = document.getElementById("chart-presence");
  if (presence && presenceCanvas) {
    new Chart(presenceCanvas, {
      type: "bar",
      data: { labels: presence.labels, datasets: [
        { label: presence.casesLabel, data: presence.cases, backgroundColor: "#c21b1b" },
        { label: presence.contactsLabel, data: presence.contacts, backgroundColor: "#d4a000" }
      ] },
      options: { responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }
})();
