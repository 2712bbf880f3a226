// The driver app. Shows the day's route from the last copy kept on the
// phone (IndexedDB) and refreshes it when there is signal. Every action is
// written to a queue on the phone first, with a key made here, and sent
// when the network allows (on the online event, on opening, every 20 s,
// and on Background Sync); the server applies each key once.
(function () {
  "use strict";
  var W = JSON.parse(document.getElementById("driver-words").textContent);
  var CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var TILES = (document.querySelector('meta[name="tile-url"]') || {}).content || "";
  var SIZES = ["50", "20", "16", "10", "4"];
  var main = document.getElementById("d-main");
  var syncEl = document.getElementById("sync-state");
  var db = null;
  var day = null;
  var pending = 0;
  var problems = {};
  var lastSync = null;
  var flushing = false;
  var sentAny = false;
  // Cash of deliveries still queued (not yet in the server's figures).
  var pendingCash = [];
  var map = null;

  // ---- storage ----------------------------------------------------------
  function openDb() {
    return new Promise(function (ok, fail) {
      var r = indexedDB.open("luckygas-driver", 1);
      r.onupgradeneeded = function () {
        r.result.createObjectStore("kv");
        r.result.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
      };
      r.onsuccess = function () { ok(r.result); };
      r.onerror = function () { fail(r.error); };
    });
  }
  function tx(store, mode, fn) {
    return new Promise(function (ok, fail) {
      var t = db.transaction(store, mode);
      var req = fn(t.objectStore(store));
      t.oncomplete = function () { ok(req ? req.result : undefined); };
      t.onerror = function () { fail(t.error); };
      t.onabort = function () { fail(t.error); };
    });
  }
  function kvGet(k) { return tx("kv", "readonly", function (s) { return s.get(k); }); }
  function kvPut(k, v) { return tx("kv", "readwrite", function (s) { s.put(v, k); return null; }); }
  function queueAll() { return tx("queue", "readonly", function (s) { return s.getAll(); }); }
  function queueAdd(item) { return tx("queue", "readwrite", function (s) { s.add(item); return null; }); }
  function queueDel(seq) { return tx("queue", "readwrite", function (s) { s.delete(seq); return null; }); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }

  // ---- small helpers ------------------------------------------------------
  function h(tag, attrs, kids) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { el.textContent = attrs[k]; }
      else if (k.slice(0, 2) === "on") { el.addEventListener(k.slice(2), attrs[k]); }
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) { el.setAttribute(k, attrs[k]); }
    });
    (kids || []).forEach(function (c) { if (c) { el.appendChild(typeof c === "string" ? document.createTextNode(c) : c); } });
    return el;
  }
  function counts(list) {
    return (list || []).map(function (c) { return c.size + "kg×" + c.count; }).join("　") || "—";
  }
  function money(n) { return "NT$" + Number(n || 0).toLocaleString("en-US"); }
  function stamp() {
    var s = { device_at: new Date().toISOString() };
    if (lastPos) { s.lat = lastPos.lat; s.lon = lastPos.lon; s.accuracy = lastPos.accuracy; }
    return s;
  }
  function routeOf(id) { return (day && day.routes || []).filter(function (r) { return r.id === id; })[0]; }
  function stopOf(orderId) {
    var found = null;
    (day && day.routes || []).forEach(function (r) {
      r.stops.forEach(function (s) { if (s.order_id === orderId) { found = { route: r, stop: s }; } });
    });
    return found;
  }

  // ---- the queue ------------------------------------------------------------
  function refreshPending() {
    return queueAll().then(function (items) {
      pending = items.length;
      pendingCash = items.filter(function (i) { return i.action.kind === "deliver" && i.action.cash; })
        .map(function (i) { return { route_id: i.action.route_id, cash: i.action.cash }; });
      showSync();
    });
  }
  function showSync() {
    var parts = [];
    parts.push(navigator.onLine ? W.online : W.offline);
    if (pending > 0) { parts.push(W.pending_sync.replace("{n}", pending)); }
    parts.push(W.last_sync + " " + (lastSync ? new Date(lastSync).toLocaleTimeString("zh-TW", { hour: "2-digit", minute: "2-digit" }) : W.never));
    syncEl.textContent = parts.join(" · ");
    syncEl.dataset.pending = String(pending);
    syncEl.className = "sync" + (navigator.onLine ? "" : " sync-off") + (pending ? " sync-wait" : "");
  }
  function enqueue(action, blobs) {
    var item = { key: newKey(), action: action, blobs: blobs || [], at: Date.now() };
    return queueAdd(item).then(refreshPending).then(function () {
      if (navigator.serviceWorker && navigator.serviceWorker.ready) {
        navigator.serviceWorker.ready.then(function (reg) {
          if (reg.sync) { reg.sync.register("driver-queue").catch(function () {}); }
        });
      }
      flush();
      return item;
    });
  }
  function post(url, body, type) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": type || "application/json", "X-CSRF-Token": CSRF },
      body: body,
    });
  }
  // Sends what is queued, oldest first, in batches of up to 50 (a batch's
  // photos and signatures go up first); stops at the first network failure.
  var BATCH = 50;
  function flush() {
    if (flushing || !db || !navigator.onLine) { return Promise.resolve(); }
    flushing = true;
    return queueAll().then(function (items) {
      var batches = [];
      for (var i = 0; i < items.length; i += BATCH) { batches.push(items.slice(i, i + BATCH)); }
      var chain = Promise.resolve(true);
      batches.forEach(function (batch) {
        chain = chain.then(function (goOn) { return goOn ? sendBatch(batch) : false; });
      });
      return chain;
    }).catch(function () { return false; }).then(function () {
      flushing = false;
      return refreshPending();
    }).then(function () {
      // Sent something: take the server's view, unless a form is open.
      if (sentAny && onList()) {
        sentAny = false;
        // Checked again when the day arrives: the driver may have opened
        // a stop meanwhile, and its form must not be replaced.
        return load().then(function () { if (onList()) { render(); } });
      }
    });
  }
  function upload(b) {
    if (b.sent) { return Promise.resolve(); }
    return post("/api/v1/driver/attachments?key=" + encodeURIComponent(b.key) + "&kind=" + b.kind, b.blob, b.blob.type || "application/octet-stream")
      .then(function (res) {
        // Refused for good (not an image, too big): the delivery says so.
        if (res.ok || res.status === 422 || res.status === 413) { b.sent = true; return; }
        throw new Error("upload " + res.status);
      });
  }
  function remember(item, r) {
    var msg = (r.body && r.body.error && r.body.error.message) || W.sync_problem;
    if (r.status >= 400 && item.action.order_id) {
      problems[item.action.order_id] = msg;
    } else if (r.status >= 400 && item.action.kind !== "position") {
      problems["route-" + (item.action.route_id || "")] = msg;
    } else if (item.action.kind === "start" && r.body && r.body.warning) {
      problems["route-" + item.action.route_id] = r.body.warning;
    } else {
      return;
    }
    kvPut("problems", problems);
  }
  function sendBatch(batch) {
    var uploads = Promise.resolve();
    batch.forEach(function (item) {
      item.blobs.forEach(function (b) { uploads = uploads.then(function () { return upload(b); }); });
    });
    return uploads.then(function () {
      var actions = batch.map(function (item) {
        var one = { key: item.key };
        Object.keys(item.action).forEach(function (k) { one[k] = item.action[k]; });
        return one;
      });
      return post("/api/v1/driver/sync", JSON.stringify({ actions: actions }));
    }).then(function (res) {
      if (res.status === 401 || res.status === 403) { syncEl.textContent = W.reload; return false; }
      if (!res.ok) { return false; }
      return res.json().then(function (out) {
        lastSync = Date.now();
        kvPut("lastSync", lastSync);
        var done = Promise.resolve();
        out.results.forEach(function (r, i) {
          remember(batch[i], r);
          done = done.then(function () { return queueDel(batch[i].seq); });
        });
        sentAny = true;
        return done.then(function () { return true; });
      });
    }).catch(function () { return false; });
  }

  function onList() { return location.hash === "" || location.hash === "#"; }

  // ---- the day ----------------------------------------------------------------
  // Offline, the copy on the phone (with what is queued applied) is the
  // truth; the service worker's copy of the day is only for a first start.
  function load() {
    if (!navigator.onLine && day) { return Promise.resolve(); }
    return fetch("/api/v1/driver/today", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) {
        if (!res.ok) { throw new Error("status " + res.status); }
        return res.json();
      })
      .then(function (d) {
        return queueAll().then(function (items) {
          // What is still queued has not reached the server: keep it shown.
          items.forEach(function (i) { applyLocal(d, i.action); });
          day = d;
          return kvPut("day", d);
        });
      })
      .catch(function () { /* keep the copy on the phone */ });
  }
  function applyLocal(d, a) {
    (d.routes || []).forEach(function (r) {
      if (a.route_id !== r.id) { return; }
      if (a.kind === "start") { r.status = "in_progress"; r.status_label = W.started; }
      if (a.kind === "end") { r.status = "done"; r.status_label = W.ended; }
      r.stops.forEach(function (s) {
        if (s.order_id !== a.order_id) { return; }
        if (a.kind === "arrive") { s.arrived = true; }
        if (a.kind === "deliver") { s.status = "delivered"; s.status_label = W.delivered; }
        if (a.kind === "fail") { s.status = "failed"; s.status_label = W.failed; s.failure = W[a.reason] || a.reason; }
      });
    });
  }
  function act(action, blobs) {
    applyLocal(day, action);
    return kvPut("day", day).then(function () { return enqueue(action, blobs); }).then(render);
  }

  // ---- location -----------------------------------------------------------------
  var lastPos = null;
  var watching = false;
  var lastSent = 0;
  function watchPosition() {
    if (watching || !navigator.geolocation) { return; }
    watching = true;
    navigator.geolocation.watchPosition(function (p) {
      lastPos = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy };
      var underWay = (day && day.routes || []).some(function (r) { return r.status === "in_progress"; });
      if (underWay && Date.now() - lastSent > 30000) {
        lastSent = Date.now();
        trimPositions().then(function () {
          enqueue({ kind: "position", device_at: new Date().toISOString(), lat: lastPos.lat, lon: lastPos.lon, accuracy: lastPos.accuracy });
        });
      }
    }, function () {}, { enableHighAccuracy: true, maximumAge: 15000 });
  }
  // Offline, only the latest 20 positions are kept.
  function trimPositions() {
    return queueAll().then(function (items) {
      var pos = items.filter(function (i) { return i.action.kind === "position"; });
      var drop = pos.slice(0, Math.max(0, pos.length - 19));
      return Promise.all(drop.map(function (i) { return queueDel(i.seq); }));
    });
  }

  // ---- views ----------------------------------------------------------------------
  function render() {
    if (map) { map.remove(); map = null; }
    main.innerHTML = "";
    if (!day) { main.appendChild(h("p", { class: "d-empty", text: W.offline })); return; }
    var m = /^#(stop|start|end|map)\/(\d+)$/.exec(location.hash);
    if (m && m[1] === "stop") { return stopView(Number(m[2])); }
    if (m && m[1] === "start") { return startView(Number(m[2])); }
    if (m && m[1] === "end") { return endView(Number(m[2])); }
    if (m && m[1] === "map") { return mapView(Number(m[2])); }
    listView();
  }
  function problemNote(key) {
    return problems[key] ? h("p", { class: "d-problem", role: "alert", text: problems[key] }) : null;
  }
  function listView() {
    document.getElementById("d-title").textContent = day.driver;
    main.appendChild(h("h1", { class: "d-h1", text: W.today + " " + day.date }));
    if (!day.routes.length) { main.appendChild(h("p", { class: "d-empty", text: W.no_routes })); }
    day.routes.forEach(function (r) {
      var done = r.stops.filter(function (s) { return s.status === "delivered" || s.status === "failed"; }).length;
      var head = h("section", { class: "d-route d-route-" + r.status, id: "route-" + r.id }, [
        h("div", { class: "d-route-head" }, [
          h("b", { text: (r.number || "") + " · " + r.vehicle }),
          h("span", { class: "d-pill d-pill-" + r.status, text: r.status_label }),
        ]),
        h("p", { class: "d-muted", text: r.start + "–" + r.end + " · " + r.distance_km + " km · " + done + "/" + r.stops.length }),
        h("p", { class: "d-muted", text: W.needs + " " + counts(r.needs) }),
        problemNote("route-" + r.id),
        h("div", { class: "d-row" }, [
          r.status === "published" ? h("a", { class: "d-btn d-btn-go", href: "#start/" + r.id, id: "start-" + r.id, text: W.start }) : null,
          h("a", { class: "d-btn", href: "#map/" + r.id, text: W.map }),
          r.status === "in_progress" ? h("a", { class: "d-btn", href: "#end/" + r.id, id: "end-" + r.id, text: W.end }) : null,
        ]),
      ]);
      main.appendChild(head);
      var list = h("ol", { class: "d-stops" });
      r.stops.forEach(function (s) {
        list.appendChild(h("li", { class: "d-stop d-stop-" + s.status + (problems[s.order_id] ? " d-stop-problem" : "") }, [
          h("a", { href: "#stop/" + s.order_id, class: "d-stop-link", "data-order": s.order_id }, [
            h("span", { class: "d-seq", text: String(s.sequence) }),
            h("span", { class: "d-stop-main" }, [
              h("b", { text: s.customer }),
              h("span", { class: "d-muted", text: s.planned + (s.window ? " · " + s.window : "") }),
              h("span", { class: "d-muted", text: s.address }),
              h("span", { text: counts(s.cylinders) + (s.cash_to_collect ? " · " + money(s.cash_to_collect) : "") }),
            ]),
            h("span", { class: "d-pill d-pill-" + s.status, text: s.status_label }),
          ]),
        ]));
      });
      main.appendChild(list);
      if (r.hand_in && r.status === "done") { main.appendChild(handInView(r.hand_in)); }
    });
  }
  function navLink(s) {
    if (s.lat === null || s.lat === undefined) {
      return "https://www.google.com/maps/search/?api=1&query=" + encodeURIComponent(s.address);
    }
    if (/Android/i.test(navigator.userAgent)) { return "geo:" + s.lat + "," + s.lon + "?q=" + s.lat + "," + s.lon; }
    return "https://www.google.com/maps/dir/?api=1&destination=" + s.lat + "," + s.lon + "&travelmode=driving";
  }
  function stepper(name, value) {
    var input = h("input", { type: "number", inputmode: "numeric", min: "0", max: "999", value: String(value || 0), name: name, class: "d-num", id: name.replace(".", "-") });
    var minus = h("button", { type: "button", class: "d-step", "aria-label": "−", text: "−", onclick: function () { input.value = Math.max(0, Number(input.value || 0) - 1); } });
    var plus = h("button", { type: "button", class: "d-step", "aria-label": "+", text: "+", onclick: function () { input.value = Number(input.value || 0) + 1; } });
    return h("span", { class: "d-stepper" }, [minus, input, plus]);
  }
  function countsOf(form, prefix) {
    var out = {};
    SIZES.forEach(function (sz) {
      var el = form.querySelector('[name="' + prefix + "." + sz + '"]');
      if (el && Number(el.value) > 0) { out[sz] = Math.floor(Number(el.value)); }
    });
    return out;
  }
  function sizeGrid(prefix, shown, values) {
    return h("div", { class: "d-sizes" }, shown.map(function (sz) {
      return h("label", { class: "d-size" }, [h("span", { text: sz + W.kg }), stepper(prefix + "." + sz, values[sz] || 0)]);
    }));
  }
  function stopView(orderId) {
    var f = stopOf(orderId);
    if (!f) { location.hash = ""; return; }
    var s = f.stop, r = f.route;
    main.appendChild(h("a", { class: "d-back", href: "#", text: "‹ " + W.back }));
    main.appendChild(h("h1", { class: "d-h1", text: s.sequence + ". " + s.customer }));
    main.appendChild(problemNote(s.order_id) || h("span"));
    main.appendChild(h("dl", { class: "d-facts" }, [
      h("dt", { text: W.planned }), h("dd", { text: s.planned + (s.window ? "（" + W.window + " " + s.window + "）" : "") }),
      h("dt", { text: "📍" }), h("dd", { text: s.address + (s.floor ? " · " + s.floor + W.floor : "") }),
      s.access_note ? h("dt", { text: "🚪" }) : null, s.access_note ? h("dd", { text: s.access_note }) : null,
      h("dt", { text: W.deliver }), h("dd", { class: "d-big", text: counts(s.cylinders) }),
      h("dt", { text: W.empties }), h("dd", { text: counts(s.empties_expected) }),
      h("dt", { text: W.to_collect }), h("dd", { class: "d-big", text: s.cash_to_collect ? money(s.cash_to_collect) : s.payment_label }),
      s.notes ? h("dt", { text: W.note }) : null, s.notes ? h("dd", { text: s.notes }) : null,
    ]));
    main.appendChild(h("div", { class: "d-row" }, [
      s.phones.length ? h("a", { class: "d-btn", href: "tel:" + s.phones[0], text: "📞 " + W.call }) : null,
      h("a", { class: "d-btn", href: navLink(s), target: "_blank", rel: "noopener", id: "navigate", text: "🧭 " + W.navigate }),
    ]));
    var open = s.status === "planned" || s.status === "out_for_delivery";
    if (r.status !== "in_progress" || !open) {
      main.appendChild(h("p", { class: "d-pill d-pill-" + s.status + " d-state", text: s.status_label + (s.failure ? " · " + s.failure : "") }));
      return;
    }
    if (!s.arrived) {
      main.appendChild(h("button", { class: "d-btn d-btn-wide", id: "arrive", text: W.arrive, onclick: function () {
        var a = stamp(); a.kind = "arrive"; a.route_id = r.id; a.order_id = s.order_id; act(a);
      } }));
    }
    // Delivered
    var shown = SIZES.filter(function (sz) { return s.cylinders.some(function (c) { return c.size === sz; }); });
    if (!shown.length) { shown = ["20"]; }
    var want = {}; s.cylinders.forEach(function (c) { want[c.size] = c.count; });
    var empt = {}; s.empties_expected.forEach(function (c) { empt[c.size] = c.count; });
    var photo = { blob: null };
    var sig = signaturePad();
    var photoInput = h("input", { type: "file", accept: "image/*", capture: "environment", id: "photo", class: "d-file", onchange: function (e) {
      var file = e.target.files && e.target.files[0];
      if (file) { downscale(file).then(function (b) { photo.blob = b; photoInput.dataset.ready = "1"; }); }
    } });
    var cash = h("input", { type: "number", inputmode: "numeric", min: "0", id: "cash", name: "cash", class: "d-num d-cash", value: String(s.cash_to_collect || 0) });
    var method = h("select", { id: "payment_method", name: "payment_method", class: "d-select" }, ["cash", "transfer", "monthly", "cheque"].map(function (m) {
      return h("option", { value: m, selected: m === s.payment_method ? "selected" : null, text: W[m + "_m"] });
    }));
    var note = h("input", { type: "text", id: "note", name: "note", maxlength: "500", class: "d-text" });
    var err = h("p", { class: "d-problem", role: "alert", hidden: "hidden" });
    var form = h("form", { class: "d-card", id: "deliver-form" }, [
      h("h2", { text: W.delivered }),
      sizeGrid("delivered", shown, want),
      h("h3", { text: W.empties }),
      sizeGrid("empties", shown, empt),
      h("label", { class: "d-field" }, [h("span", { text: W.cash }), cash]),
      h("label", { class: "d-field" }, [h("span", { text: W.payment }), method]),
      h("label", { class: "d-field" }, [h("span", { text: W.photo }), photoInput]),
      h("div", { class: "d-field" }, [h("span", { text: W.signature + (s.signature_required ? "（" + W.signature_required + "）" : "") }), sig.el]),
      h("label", { class: "d-field" }, [h("span", { text: W.note }), note]),
      err,
      h("button", { type: "submit", class: "d-btn d-btn-go d-btn-wide", id: "deliver", text: "✓ " + W.deliver }),
    ]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var needSig = s.signature_required || method.value === "monthly";
      if (needSig && !sig.drawn()) { err.textContent = W.signature_required; err.hidden = false; return; }
      var a = stamp();
      a.kind = "deliver"; a.route_id = r.id; a.order_id = s.order_id;
      a.delivered = countsOf(form, "delivered"); a.empties = countsOf(form, "empties");
      a.cash = Math.max(0, Math.floor(Number(cash.value || 0))); a.payment_method = method.value; a.note = note.value;
      var blobs = [];
      var done = Promise.resolve();
      if (photo.blob) { a.photo_key = newKey(); blobs.push({ key: a.photo_key, kind: "photo", blob: photo.blob }); }
      if (sig.drawn()) {
        done = sig.blob().then(function (b) { a.signature_key = newKey(); blobs.push({ key: a.signature_key, kind: "signature", blob: b }); });
      }
      done.then(function () { location.hash = ""; return act(a, blobs); });
    });
    main.appendChild(form);
    // Failed
    var reason = h("select", { id: "reason", class: "d-select" }, ["not_home", "wrong_address", "refused", "safety", "other"].map(function (c) {
      return h("option", { value: c, text: W[c] });
    }));
    var fnote = h("input", { type: "text", id: "fail-note", maxlength: "500", class: "d-text" });
    var ferr = h("p", { class: "d-problem", role: "alert", hidden: "hidden" });
    var failForm = h("form", { class: "d-card d-card-fail", id: "fail-form" }, [
      h("h2", { text: W.fail }),
      h("label", { class: "d-field" }, [h("span", { text: W.reason }), reason]),
      h("label", { class: "d-field" }, [h("span", { text: W.note }), fnote]),
      ferr,
      h("button", { type: "submit", class: "d-btn d-btn-bad d-btn-wide", id: "fail", text: "✕ " + W.fail }),
    ]);
    failForm.addEventListener("submit", function (e) {
      e.preventDefault();
      if (reason.value === "other" && !fnote.value.trim()) { ferr.textContent = W.note; ferr.hidden = false; return; }
      var a = stamp(); a.kind = "fail"; a.route_id = r.id; a.order_id = s.order_id; a.reason = reason.value; a.note = fnote.value;
      location.hash = "";
      act(a);
    });
    main.appendChild(failForm);
  }
  function startView(routeId) {
    var r = routeOf(routeId);
    if (!r) { location.hash = ""; return; }
    var need = {}; r.needs.forEach(function (c) { need[c.size] = c.count; });
    var shown = SIZES.filter(function (sz) { return need[sz]; });
    if (!shown.length) { shown = ["20"]; }
    var warn = h("p", { class: "d-problem", role: "alert", hidden: "hidden", id: "load-warning" });
    var form = h("form", { class: "d-card", id: "start-form" }, [
      h("h2", { text: W.loaded }),
      h("p", { class: "d-muted", text: W.needs + " " + counts(r.needs) }),
      sizeGrid("loaded", shown, need),
      warn,
      h("button", { type: "submit", class: "d-btn d-btn-go d-btn-wide", id: "start-confirm", text: W.start }),
    ]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var loaded = countsOf(form, "loaded");
      var short = shown.filter(function (sz) { return (loaded[sz] || 0) < need[sz]; });
      if (short.length && warn.hidden) {
        warn.textContent = W.load_short + " " + short.map(function (sz) { return sz + "kg " + (need[sz] - (loaded[sz] || 0)); }).join("、");
        warn.hidden = false;
        return;
      }
      var a = stamp(); a.kind = "start"; a.route_id = r.id; a.loaded = loaded;
      location.hash = "";
      act(a);
      watchPosition();
    });
    main.appendChild(h("a", { class: "d-back", href: "#", text: "‹ " + W.back }));
    main.appendChild(form);
  }
  function endView(routeId) {
    var r = routeOf(routeId);
    if (!r) { location.hash = ""; return; }
    // Prefilled with what the records say should come back; the driver
    // corrects it to what is really there.
    var back = {};
    r.needs.forEach(function (c) { back[c.size] = 0; });
    var cash = 0;
    if (r.hand_in) {
      cash = r.hand_in.cash_received;
      r.hand_in.sizes.forEach(function (z) { back[z.size] = z.expected_back; });
    }
    pendingCash.forEach(function (c) { if (c.route_id === r.id) { cash += c.cash; } });
    var shown = SIZES.filter(function (sz) { return sz in back; });
    var cashInput = h("input", { type: "number", inputmode: "numeric", min: "0", id: "cash_handed_in", class: "d-num d-cash", value: String(cash) });
    var form = h("form", { class: "d-card", id: "end-form" }, [
      h("h2", { text: W.handin }),
      h("h3", { text: W.returned }),
      sizeGrid("returned", shown, back),
      h("label", { class: "d-field" }, [h("span", { text: W.cash_handed_in }), cashInput]),
      h("p", { class: "d-muted", text: W.confirm_end }),
      h("button", { type: "submit", class: "d-btn d-btn-go d-btn-wide", id: "end-confirm", text: W.end }),
    ]);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var a = stamp(); a.kind = "end"; a.route_id = r.id; a.returned = countsOf(form, "returned");
      a.cash_handed_in = Math.max(0, Math.floor(Number(cashInput.value || 0)));
      location.hash = "";
      act(a).then(function () { setTimeout(function () { load().then(render); }, 500); });
    });
    main.appendChild(h("a", { class: "d-back", href: "#", text: "‹ " + W.back }));
    main.appendChild(form);
  }
  function handInView(hi) {
    return h("section", { class: "d-card", id: "handin" }, [
      h("h2", { text: W.handin }),
      h("dl", { class: "d-facts" }, [
        h("dt", { text: W.done_stops }), h("dd", { text: hi.delivered + " / " + hi.failed }),
        h("dt", { text: W.cash_expected }), h("dd", { text: money(hi.cash_expected) }),
        h("dt", { text: W.cash_received }), h("dd", { text: money(hi.cash_received) }),
        h("dt", { text: W.cash_handed_in }), h("dd", { text: hi.cash_handed_in === null ? "—" : money(hi.cash_handed_in) }),
      ]),
      h("p", { class: "d-muted", text: hi.sizes.map(function (s) { return s.size + "kg " + W.full_back + " " + s.expected_back + " / " + W.returned + " " + (s.returned === null ? "—" : s.returned) + " · " + W.empties + " " + s.empties; }).join("；") }),
    ]);
  }
  function mapView(routeId) {
    var r = routeOf(routeId);
    if (!r) { location.hash = ""; return; }
    main.appendChild(h("a", { class: "d-back", href: "#", text: "‹ " + W.back }));
    var box = h("div", { id: "d-map", class: "d-map" });
    main.appendChild(box);
    if (!window.L) { box.textContent = W.offline; return; }
    map = L.map(box, { zoomControl: true });
    if (TILES && navigator.onLine) { L.tileLayer(TILES, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map); }
    var pts = [];
    if (day.depot) { pts.push(day.depot); }
    r.stops.forEach(function (s) {
      if (s.lat === null || s.lat === undefined) { return; }
      pts.push([s.lat, s.lon]);
      L.circleMarker([s.lat, s.lon], { radius: 11, color: "#fff", weight: 2, fillOpacity: 1, fillColor: s.status === "delivered" ? "#15803d" : s.status === "failed" ? "#b91c1c" : "#1d4ed8" })
        .addTo(map).bindTooltip(String(s.sequence), { permanent: true, direction: "center", className: "d-map-label" })
        .on("click", function () { location.hash = "#stop/" + s.order_id; });
    });
    if (pts.length) { L.polyline(pts, { color: "#1d4ed8", weight: 3, opacity: 0.6 }).addTo(map); map.fitBounds(pts, { padding: [24, 24] }); }
    else { map.setView([24.99, 121.3], 11); }
  }

  // ---- photo and signature ---------------------------------------------------------
  function downscale(file) {
    return new Promise(function (ok) {
      var img = new Image();
      var url = URL.createObjectURL(file);
      img.onload = function () {
        var scale = Math.min(1, 1280 / Math.max(img.width, img.height));
        var c = document.createElement("canvas");
        c.width = Math.round(img.width * scale); c.height = Math.round(img.height * scale);
        c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
        URL.revokeObjectURL(url);
        c.toBlob(function (b) { ok(b); }, "image/jpeg", 0.72);
      };
      img.onerror = function () { URL.revokeObjectURL(url); ok(file); };
      img.src = url;
    });
  }
  function signaturePad() {
    var c = h("canvas", { class: "d-sign", id: "signature", width: "600", height: "220", "aria-label": W.sign_here });
    var ctx = c.getContext("2d");
    var drawing = false, any = false;
    ctx.lineWidth = 4; ctx.lineCap = "round"; ctx.strokeStyle = "#111827";
    function pos(e) {
      var b = c.getBoundingClientRect();
      return [(e.clientX - b.left) * c.width / b.width, (e.clientY - b.top) * c.height / b.height];
    }
    c.addEventListener("pointerdown", function (e) { drawing = true; var p = pos(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]); try { c.setPointerCapture(e.pointerId); } catch (err) { /* synthetic pointer */ } });
    c.addEventListener("pointermove", function (e) { if (!drawing) { return; } var p = pos(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); any = true; c.dataset.drawn = "1"; });
    c.addEventListener("pointerup", function () { drawing = false; });
    var clear = h("button", { type: "button", class: "d-btn d-btn-sm", text: W.clear, onclick: function () { ctx.clearRect(0, 0, c.width, c.height); any = false; delete c.dataset.drawn; } });
    return {
      el: h("div", { class: "d-sign-box" }, [c, clear]),
      drawn: function () { return any; },
      blob: function () { return new Promise(function (ok) { c.toBlob(ok, "image/png"); }); },
    };
  }

  // ---- start -------------------------------------------------------------------------
  window.addEventListener("hashchange", render);
  window.addEventListener("online", function () {
    showSync();
    flush().then(load).then(function () { if (onList()) { render(); } });
  });
  window.addEventListener("offline", showSync);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { flush(); } });
  if (navigator.serviceWorker) {
    navigator.serviceWorker.register("/driver/sw.js", { scope: "/driver" }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (e) { if (e.data && e.data.type === "flush") { flush(); } });
  }
  openDb().then(function (d) {
    db = d;
    return Promise.all([kvGet("day"), kvGet("problems"), kvGet("lastSync")]);
  }).then(function (v) {
    day = v[0] || null; problems = v[1] || {}; lastSync = v[2] || null;
    render();
    return refreshPending();
  }).then(function () {
    return flush();
  }).then(load).then(function () {
    if (onList()) { render(); }
    document.body.dataset.ready = "1";
    if ((day && day.routes || []).some(function (r) { return r.status === "in_progress"; })) { watchPosition(); }
  });
  setInterval(function () { flush(); }, 20000);
})();
