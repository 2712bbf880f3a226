// Leaflet maps from data attributes:
//   <div class="map" data-lat="24.99" data-lon="121.3" data-tiles="URL" data-attribution="…"
//        data-pick data-lat-input="#lat" data-lon-input="#lon"></div>
// With data-pick, a click moves the pin and fills the two inputs. Without
// network the map still shows the pin on a blank background.
(function () {
  "use strict";
  var TAOYUAN = [24.99, 121.30];
  function num(v) { var n = parseFloat(v); return isFinite(n) ? n : null; }
  function setup(el) {
    if (el.dataset.ready || !window.L) { return; }
    el.dataset.ready = "1";
    var lat = num(el.dataset.lat), lon = num(el.dataset.lon);
    var has = lat !== null && lon !== null;
    var map = window.L.map(el, { scrollWheelZoom: false }).setView(has ? [lat, lon] : TAOYUAN, has ? 16 : 11);
    if (el.dataset.tiles) {
      window.L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    }
    var marker = has ? window.L.marker([lat, lon]).addTo(map) : null;
    if (el.hasAttribute("data-pick")) {
      var latIn = document.querySelector(el.dataset.latInput);
      var lonIn = document.querySelector(el.dataset.lonInput);
      map.on("click", function (e) {
        var p = e.latlng;
        if (marker) { marker.setLatLng(p); } else { marker = window.L.marker(p).addTo(map); }
        if (latIn) { latIn.value = p.lat.toFixed(6); }
        if (lonIn) { lonIn.value = p.lng.toFixed(6); }
      });
    }
  }
  function all() { document.querySelectorAll(".map").forEach(setup); }
  document.addEventListener("DOMContentLoaded", all);
  document.addEventListener("htmx:afterSettle", all);
})();
