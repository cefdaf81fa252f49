/* The contact graph (F0 → F1 → F2) with cytoscape, loaded from a graph.json: a case's, or the outbreak's.
   The server gives each node its position (one row band per generation, a cluster's cases side by side in
   a compound node), so a graph of thousands of nodes is drawn without a layout run; a node carries the
   page it opens (a case, a contact's row). No inline script: the Content-Security-Policy forbids it. */
(function () {
  "use strict";
  var box = document.getElementById("contact-graph");
  if (!box || typeof window.cytoscape !== "function") return;
  var colours = { f0: "#c21b1b", f1: "#d4a000", f2: "#1f6fb2" };
  var tiers = { high: "#c21b1b", medium: "#d4a000", low: "#9aa5b1" };
  fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (data) {
      var large = data.nodes.length > 300;
      var preset = data.nodes.some(function (n) { return n.position; });
      var elements = data.nodes.map(function (n) {
        var el = { data: n };
        if (n.position) { el.position = n.position; }
        return el;
      }).concat(data.edges.map(function (e) { return { data: e }; }));
      var graph = window.cytoscape({
        container: box,
        elements: elements,
        wheelSensitivity: 0.3,
        minZoom: 0.05,
        maxZoom: 2.5,
        // Thousands of nodes: draw a bitmap while panning and hide edges meanwhile.
        textureOnViewport: large,
        hideEdgesOnViewport: large,
        style: [
          { selector: "node", style: { label: "data(label)", "background-color": function (n) { return colours[n.data("kind")] || "#7b8580"; }, color: "#222", "font-size": 11, "text-valign": "bottom", "text-margin-y": 3, width: 22, height: 22, "min-zoomed-font-size": 8 } },
          { selector: "node[kind = 'f0']", style: { width: 30, height: 30, "font-weight": "bold" } },
          { selector: "node[kind = 'cluster']", style: { shape: "round-rectangle", "background-color": "#fdf1d8", "background-opacity": 0.7, "border-width": 2, "border-color": "#b5461b", label: "data(label)", "text-valign": "top", "text-halign": "center", "font-size": 12, "font-weight": "bold", color: "#7a2e10", padding: 8 } },
          { selector: "edge", style: { width: function (e) { return e.data("confirmed") ? 3 : 1; }, "line-color": function (e) { return tiers[e.data("tier")] || "#9aa5b1"; }, "target-arrow-shape": large ? "none" : "triangle", "target-arrow-color": function (e) { return tiers[e.data("tier")] || "#9aa5b1"; }, "curve-style": large ? "straight" : "bezier", label: large ? "" : "data(label)", "font-size": 9, color: "#555" } }
        ],
        layout: preset ? { name: "preset", fit: true, padding: 30 } : { name: "breadthfirst", directed: true, padding: 12, spacingFactor: 1.1 }
      });
      graph.on("tap", "node", function (event) {
        var href = event.target.data("href");
        if (href) { window.location.assign(href); }
      });
      var note = document.getElementById("graph-note");
      if (note && data.truncated) { note.textContent = "· " + (box.getAttribute("data-truncated") || ""); }
      // A small graph is not blown up to fill the box.
      if (graph.zoom() > 1.4) { graph.zoom(1.4); graph.center(); }
      box.dataset.ready = String(graph.nodes().filter(function (n) { return n.data("kind") !== "cluster"; }).length);
    })
    .catch(function () { box.textContent = box.getAttribute("data-error") || "—"; });
})();
