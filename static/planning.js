// The planning board: the route map, drag-and-drop of stops, and live
// progress of an optimization over the event socket (/ws), with polling as
// a fallback while a run is going.
(function () {
  "use strict";
  var board = JSON.parse(document.getElementById("board-data").textContent || "{}");
  var TAOYUAN = [24.99, 121.30];

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // ----- Map -----
  function numberIcon(n, color, status) {
    // A delivered stop shows a tick; a failed one a cross.
    var done = { delivered: "✓", failed: "✕" }[status];
    return window.L.divIcon({
      className: "stop-pin" + (done ? " stop-pin-" + status : ""),
      html: '<span style="background:' + color + '">' + (done || n) + "</span>",
      iconSize: [24, 24],
      iconAnchor: [12, 12],
    });
  }

  function drawMap() {
    var el = document.getElementById("plan-map");
    if (!el || !window.L) { return; }
    var map = window.L.map(el, { scrollWheelZoom: false }).setView(board.depot || TAOYUAN, 11);
    if (el.dataset.tiles) {
      window.L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    }
    var bounds = [];
    if (board.depot) {
      window.L.marker(board.depot, {
        icon: window.L.divIcon({ className: "depot-pin", html: "<span>倉</span>", iconSize: [26, 26], iconAnchor: [13, 13] }),
        title: board.depot_name,
      }).addTo(map);
      bounds.push(board.depot);
    }
    (board.routes || []).forEach(function (r) {
      var line = board.depot ? [board.depot] : [];
      r.stops.forEach(function (s) {
        if (s.lat == null || s.lon == null) { return; }
        var p = [s.lat, s.lon];
        line.push(p);
        bounds.push(p);
        window.L.marker(p, { icon: numberIcon(s.sequence, r.color, s.order_status), title: s.customer_name })
          .bindPopup("<b>" + esc(s.arrival) + " " + esc(s.customer_name) + "</b><br>" + esc(s.address) +
            "<br>" + esc(s.cylinders) + "<br>" + esc(r.number || "#" + r.seq) + " · " + esc(r.plate))
          .addTo(map);
      });
      if (board.depot) { line.push(board.depot); }
      if (line.length > 1) {
        window.L.polyline(line, { color: r.color, weight: 3, opacity: 0.8 }).addTo(map);
      }
    });
    (board.waiting || []).concat(board.unassigned || []).forEach(function (w) {
      if (w.lat == null || w.lon == null) { return; }
      bounds.push([w.lat, w.lon]);
      window.L.circleMarker([w.lat, w.lon], { radius: 6, color: "#6b7280", fillColor: "#9ca3af", fillOpacity: 0.9, weight: 2 })
        .bindPopup("<b>" + esc(w.customer_name) + "</b><br>" + esc(w.address) + "<br>" + esc(w.cylinders) + "<br>" + esc(w.reason))
        .addTo(map);
    });
    el.dataset.routes = String((board.routes || []).length);
    if (bounds.length > 1) { map.fitBounds(bounds, { padding: [20, 20] }); }
  }

  // The board without a one-off message in the address.
  function reload() {
    window.location.href = "/planning?date=" + board.date;
  }

  // ----- Moving stops -----
  function post(url, fields) {
    var body = new URLSearchParams();
    body.set("csrf_token", csrf());
    Object.keys(fields).forEach(function (k) { body.set(k, fields[k]); });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf() },
    }).then(function (res) {
      // Success redirects back to the board with its message.
      if (res.ok) { window.location.href = res.url; return; }
      return res.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var msg = doc.getElementById("plan-error");
        window.alert(msg ? msg.textContent.trim() : res.status + " " + res.statusText);
        reload();
      });
    });
  }

  function setupDrag() {
    var dragged = null, origin = null, dropped = false;
    document.querySelectorAll("li.stop[draggable]").forEach(function (li) {
      li.addEventListener("dragstart", function (e) {
        dragged = li;
        dropped = false;
        origin = { list: li.parentNode, next: li.nextElementSibling };
        li.classList.add("dragging");
        e.dataTransfer.effectAllowed = "move";
        e.dataTransfer.setData("text/plain", li.dataset.orderId);
      });
      li.addEventListener("dragend", function () {
        li.classList.remove("dragging");
        // Dropped outside a list: put it back where it was.
        if (!dropped && origin) { origin.list.insertBefore(li, origin.next); }
        dragged = null;
        origin = null;
      });
    });
    document.querySelectorAll("ol.stops").forEach(function (ol) {
      ol.addEventListener("dragover", function (e) {
        if (!dragged) { return; }
        e.preventDefault();
        var after = null;
        ol.querySelectorAll("li.stop:not(.dragging)").forEach(function (li) {
          var box = li.getBoundingClientRect();
          if (after === null && e.clientY < box.top + box.height / 2) { after = li; }
        });
        if (after) { ol.insertBefore(dragged, after); } else { ol.appendChild(dragged); }
      });
      ol.addEventListener("drop", function (e) {
        if (!dragged) { return; }
        e.preventDefault();
        dropped = true;
        // Nothing moved: nothing to save (and nothing to lock).
        if (origin && ol === origin.list && dragged.nextElementSibling === origin.next) { return; }
        var items = Array.prototype.slice.call(ol.querySelectorAll("li.stop"));
        var position = items.indexOf(dragged) + 1;
        var order = dragged.dataset.orderId;
        post("/planning/" + board.date + "/move", {
          order_id: order,
          route_id: ol.dataset.routeId,
          position: String(position),
          version: String(board.version),
        });
      });
    });
  }

  // ----- Live progress -----
  var progress = document.getElementById("progress");
  var running = progress && !progress.classList.contains("hidden");

  function showRun(run) {
    if (!progress || !run) { return; }
    var pct = Math.round((run.fraction || 0) * 100);
    progress.classList.remove("hidden");
    document.getElementById("progress-bar").style.width = pct + "%";
    var text = pct + "%";
    if (run.best_km != null) { text += " · " + progress.dataset.best + " " + run.best_km + " km"; }
    text += " · " + progress.dataset.by + " " + run.started_by;
    document.getElementById("progress-text").textContent = text;
    var btn = document.getElementById("optimize");
    if (btn) { btn.disabled = run.state === "running"; }
  }

  // Drivers' progress and the office's order changes redraw the board.
  var redraw = null;
  function reloadSoon() {
    clearTimeout(redraw);
    redraw = setTimeout(function () {
      // Not while a stop is being dragged: try again after it.
      if (document.querySelector("li.stop.dragging")) { reloadSoon(); return; }
      reload();
    }, 1500);
  }

  function onEvent(msg) {
    if (msg && msg.type === "resync") { checkRun(); return; }
    if (msg && msg.data && ((msg.type === "route.progress" && msg.data.date === board.date) ||
        (msg.type === "order.updated" && msg.data.requested_date === board.date))) {
      reloadSoon();
      return;
    }
    if (!msg || !msg.data || msg.data.date !== board.date) { return; }
    if (msg.type === "plan.progress") {
      if (!running) { running = true; setTimeout(poll, 2000); }
      showRun(msg.data);
    } else if (msg.type === "plan.finished") {
      showRun(msg.data);
      reload();
    } else if (msg.type === "plan.changed" || msg.type === "plan.published") {
      var note = document.getElementById("stale-note");
      if (note) { note.classList.remove("hidden"); }
    }
  }


  // After a gap (reconnect, resync): a run that finished meanwhile reloads
  // the board; one that started shows its progress.
  function checkRun() {
    fetch("/api/v1/planning/" + board.date + "/run", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (run) {
        if (!run) { return; }
        if (run.state === "running") {
          showRun(run);
          if (!running) { running = true; setTimeout(poll, 2000); }
        } else if (running) {
          reload();
        }
      })
      .catch(function () { /* the socket will try again */ });
  }

  // While a run is going, poll too: the socket may be blocked by a proxy.
  function poll() {
    if (!running) { return; }
    fetch("/api/v1/planning/" + board.date + "/run", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (run) {
        if (!run) { return; }
        if (run.state === "running") { showRun(run); setTimeout(poll, 2000); }
        else { reload(); }
      })
      .catch(function () { setTimeout(poll, 4000); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawMap();
    setupDrag();
    // Anything missed while away is asked for once on each (re)connect.
    if (window.luckygasLive) { window.luckygasLive(onEvent, checkRun); }
    if (running) { setTimeout(poll, 2000); }
  });
})();
