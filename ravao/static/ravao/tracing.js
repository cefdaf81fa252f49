/* The contact graph (F0 → F1 → F2) with cytoscape, loaded from the case's graph.json. No inline script:
   the Content-Security-Policy forbids it. */
(function () {
  "use strict";
  var box = document.getElementById("contact-graph");
  if (!box || typeof window.cytoscape !== "function") return;
  var colours = { f0: "#c21b1b", f1: "#d4a000", f2: "#1f6fb2" };
  var tiers = { high: "#c21b1b", medium: "#d4a000", low: "#9aa5b1" };
  fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (data) {
      var elements = data.nodes.map(function (n) { return { data: n }; })
        .concat(data.edges.map(function (e) { return { data: e }; }));
      var graph = window.cytoscape({
        container: box,
        elements: elements,
        wheelSensitivity: 0.3,
        style: [
          { selector: "node", style: { label: "data(label)", "background-color": function (n) { return colours[n.data("kind")] || "#7b8580"; }, color: "#222", "font-size": 11, "text-valign": "bottom", "text-margin-y": 3, width: 22, height: 22 } },
          { selector: "node[kind = 'f0']", style: { width: 34, height: 34, "font-weight": "bold" } },
          { selector: "edge", style: { width: function (e) { return e.data("confirmed") ? 4 : 1.5; }, "line-color": function (e) { return tiers[e.data("tier")] || "#9aa5b1"; }, "target-arrow-shape": "triangle", "target-arrow-color": function (e) { return tiers[e.data("tier")] || "#9aa5b1"; }, "curve-style": "bezier", label: "data(label)", "font-size": 9, color: "#555" } }
        ],
        layout: { name: "breadthfirst", directed: true, roots: data.nodes.length ? [data.nodes[0].id] : undefined, padding: 12, spacingFactor: 1.1 }
      });
      box.dataset.ready = String(graph.nodes().length);
    })
    .catch(function () { box.textContent = box.getAttribute("data-error") || "—"; });
})();
