// The orders list follows the day as it changes: when an order is created
// or changes (the desk, a driver, another office screen), the summary and
// the list are fetched again and swapped in, unless orders are ticked for
// a bulk action (then a note says the list has changed).
(function () {
  "use strict";
  var summary = document.getElementById("day-summary");
  var form = document.getElementById("bulk-form");
  if (!summary || !form || !window.luckygasLive || !window.DOMParser) { return; }
  var timer = null;
  function ticked() { return !!form.querySelector('input[name="ids"]:checked'); }
  function refresh() {
    if (ticked()) {
      var note = document.getElementById("orders-changed");
      if (note) { note.hidden = false; }
      return;
    }
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html || ticked()) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var newSummary = doc.getElementById("day-summary");
        var newList = doc.querySelector("#bulk-form section.card");
        var oldList = form.querySelector("section.card");
        if (newSummary) { summary.innerHTML = newSummary.innerHTML; }
        if (newList && oldList) { oldList.innerHTML = newList.innerHTML; }
        document.body.dataset.ordersRefreshed = String(Number(document.body.dataset.ordersRefreshed || 0) + 1);
      })
      .catch(function () { /* next event or reload */ });
  }
  function soon() { clearTimeout(timer); timer = setTimeout(refresh, 400); }
  window.luckygasLive(function (m) {
    if (m.type === "order.created" || m.type === "order.updated" || m.type === "orders.changed" || m.type === "resync") { soon(); }
  });
})();
