// The driver app's service worker: the app shell and the day's route are
// kept in the cache, so the app opens and shows the route with no signal.
// Actions are queued by the page in IndexedDB, not here.
"use strict";
// The server names the cache after a hash of the app's files.
var CACHE = "lg-driver-VERSION";
var SHELL = [
  "/driver",
  "/driver/manifest.webmanifest",
  "/static/driver.js",
  "/static/driver.css",
  "/static/logo.svg",
  "/static/vendor/leaflet-1.9.4/leaflet.js",
  "/static/vendor/leaflet-1.9.4/leaflet.css",
  "/static/vendor/leaflet-1.9.4/images/marker-icon.png",
  "/static/vendor/leaflet-1.9.4/images/marker-shadow.png",
];

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function keep(req, res) {
  if (res && res.ok && !res.redirected) {
    var copy = res.clone();
    caches.open(CACHE).then(function (c) { c.put(req, copy); });
  }
  return res;
}

// Network first (fresh when there is signal), the cache when there is not.
function networkFirst(req, cacheKey) {
  return fetch(req).then(function (res) { return keep(cacheKey || req, res); }).catch(function () {
    return caches.match(cacheKey || req).then(function (hit) {
      return hit || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
    });
  });
}

self.addEventListener("fetch", function (e) {
  var req = e.request;
  if (req.method !== "GET") { return; }
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) { return; }
  if (req.mode === "navigate" && url.pathname === "/driver") {
    e.respondWith(networkFirst(req, "/driver"));
  } else if (url.pathname === "/api/v1/driver/today") {
    e.respondWith(networkFirst(req));
  } else if (SHELL.indexOf(url.pathname) >= 0) {
    // Scripts, styles and images: from the cache, no network. A new
    // release has another cache name (below), so it installs afresh.
    var path = url.pathname;
    e.respondWith(caches.match(path).then(function (hit) {
      return hit || fetch(req).then(function (res) { return keep(path, res); });
    }));
  }
});

// Background Sync, where the browser has it: wake the open app to send.
self.addEventListener("sync", function (e) {
  if (e.tag !== "driver-queue") { return; }
  e.waitUntil(self.clients.matchAll({ type: "window" }).then(function (list) {
    list.forEach(function (c) { c.postMessage({ type: "flush" }); });
  }));
});
