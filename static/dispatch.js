// The dispatch page: refresh the board when a driver reports anything.
(function () {
  "use strict";
  var board = document.getElementById("dispatch-board");
  if (!board) { return; }

  // The map: each truck's last position, the stops coloured by state.
  var COLORS = { delivered: "#15803d", failed: "#b91c1c", cancelled: "#b91c1c", out_for_delivery: "#f59e0b" };
  var mapEl = document.getElementById("dispatch-map");
  var map = null, layer = null, fitted = false;
  function draw() {
    var data = document.getElementById("dispatch-data");
    if (!mapEl || !data || !window.L) { return; }
    var routes = JSON.parse(data.textContent || "[]");
    if (!map) {
      map = L.map(mapEl, { scrollWheelZoom: false }).setView([24.99, 121.3], 11);
      if (mapEl.dataset.tiles) { L.tileLayer(mapEl.dataset.tiles, { maxZoom: 19, attribution: mapEl.dataset.attribution || "" }).addTo(map); }
    }
    if (layer) { layer.remove(); }
    layer = L.layerGroup().addTo(map);
    var pts = [];
    routes.forEach(function (r) {
      r.stops.forEach(function (s) {
        pts.push(s.at);
        L.circleMarker(s.at, { radius: 6, weight: s.late || s.far ? 3 : 1, color: s.late || s.far ? "#92400e" : "#fff",
          fillColor: COLORS[s.status] || "#2563eb", fillOpacity: 0.9 })
          .bindTooltip(r.label + " · " + s.seq + " " + s.name).addTo(layer);
      });
      if (r.trail && r.trail.length > 1) {
        L.polyline(r.trail, { color: "#f59e0b", weight: 3, opacity: 0.8, dashArray: "4 6" }).addTo(layer);
      }
      if (r.position) {
        pts.push(r.position);
        L.marker(r.position, { title: r.label }).bindTooltip(r.label + " · " + r.age + " min", { permanent: true, direction: "top" }).addTo(layer);
      }
    });
    if (pts.length && !fitted) { map.fitBounds(pts, { padding: [20, 20] }); fitted = true; }
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
  if (!window.luckygasLive) { return; }
  var timer = null;
  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(function () { if (window.htmx) { window.htmx.trigger(board, "refresh"); } }, 300);
  }
  window.luckygasLive(function (m) {
    if (m.type === "route.progress" || m.type === "order.updated" || m.type === "route.published" || m.type === "resync") { refresh(); }
  });
})();
