// The dispatch page: refresh the board when a driver reports anything.
(function () {
  "use strict";
  var board = document.getElementById("dispatch-board");
  if (!board || !window.WebSocket) { return; }
  var timer = null;
  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(function () { if (window.htmx) { window.htmx.trigger(board, "refresh"); } }, 300);
  }
  function connect(delay) {
    var proto = window.location.protocol === "https:" ? "wss:" : "ws:";
    var ws = new WebSocket(proto + "//" + window.location.host + "/ws");
    ws.onopen = function () { delay = 1000; document.body.dataset.live = "1"; };
    ws.onmessage = function (e) {
      try {
        var m = JSON.parse(e.data);
        if (m.type === "route.progress" || m.type === "order.updated" || m.type === "route.published" || m.type === "resync") { refresh(); }
      } catch (err) { /* not for us */ }
    };
    ws.onclose = function () {
      document.body.dataset.live = "0";
      setTimeout(function () { connect(Math.min(delay * 2, 30000)); }, delay);
    };
  }
  connect(1000);
})();
