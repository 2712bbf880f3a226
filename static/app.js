// luckygas page behaviour: CSRF header for htmx, toasts, confirmations.
(function () {
  "use strict";
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-CSRF-Token"] = csrf();
  });
  if (window.htmx) {
    // Validation answers (422) carry a re-rendered fragment: swap it too.
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true },
      { code: "[45]..", swap: false, error: true },
    ];
  }
  function dismissLater(el) {
    setTimeout(function () { el.classList.add("toast-hide"); }, 6000);
    setTimeout(function () { el.remove(); }, 6600);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".toast").forEach(dismissLater);
    document.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
      });
    });
    // A button that asks first (bulk cancel).
    document.querySelectorAll("button[data-confirm]").forEach(function (b) {
      b.addEventListener("click", function (e) {
        if (!window.confirm(b.getAttribute("data-confirm"))) { e.preventDefault(); }
      });
    });
  });
  // Behaviour the pages declare with data attributes (the Content Security
  // Policy allows no inline script or handlers):
  //   data-autosubmit        a filter that submits its form when changed
  //   data-print             a button that prints the page
  //   data-keep-query="/x"   a link that carries the page's query string
  //   data-check-all="name"  a checkbox that ticks every box of that name
  //   data-href="/x"         a table row that opens a page
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
    if (el.matches && el.matches("[data-check-all]")) {
      var name = el.getAttribute("data-check-all");
      document.querySelectorAll('input[name="' + name + '"]').forEach(function (c) { c.checked = el.checked; });
    }
  });
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!t.closest) { return; }
    if (t.closest("[data-print]")) { window.print(); return; }
    var keep = t.closest("[data-keep-query]");
    if (keep) { keep.href = keep.getAttribute("data-keep-query") + location.search; return; }
    var row = t.closest("[data-href]");
    if (row && !t.closest("a, button, input, select, label")) { location.href = row.getAttribute("data-href"); }
  });
  // Long work (an import): a progress bar once it has taken a second,
  // with the upload share while the file is sent, then "working".
  function progressOf(form) {
    var sel = form && form.getAttribute && form.getAttribute("data-progress");
    return sel ? document.querySelector(sel) : null;
  }
  function startProgress(form) {
    var box = progressOf(form);
    if (!box) { return; }
    box.dataset.pending = setTimeout(function () {
      box.hidden = false;
      var label = box.querySelector("[data-working]");
      if (label && !label.textContent) { label.textContent = label.dataset.working; }
    }, 1000);
  }
  function stopProgress(form) {
    var box = progressOf(form);
    if (!box) { return; }
    clearTimeout(Number(box.dataset.pending));
    box.hidden = true;
  }
  document.addEventListener("htmx:beforeRequest", function (e) { startProgress(e.detail.elt); });
  document.addEventListener("htmx:afterRequest", function (e) { stopProgress(e.detail.elt); });
  document.addEventListener("htmx:xhr:progress", function (e) {
    var box = progressOf(e.detail.elt);
    if (!box || !e.detail.total) { return; }
    var pct = Math.round((e.detail.loaded / e.detail.total) * 100);
    box.querySelector(".bar-fill").style.width = pct + "%";
    var label = box.querySelector("span");
    if (label) {
      label.textContent = pct < 100 && label.dataset.upload ? label.dataset.upload + " " + pct + "%" : label.dataset.working;
    }
    box.classList.toggle("working", pct >= 100);
  });
  // Plain forms (the import itself) show it while the next page loads.
  document.addEventListener("submit", function (e) {
    if (!e.target.hasAttribute("hx-post")) { startProgress(e.target); }
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "toasts") {
      e.detail.target.querySelectorAll(".toast").forEach(dismissLater);
    }
  });
  // The page's live events: opens /ws, hands each event to onEvent (and
  // onOpen each time it connects), reconnects with backoff, and marks
  // body[data-live] "1" while connected.
  window.luckygasLive = function (onEvent, onOpen) {
    if (!window.WebSocket) { return; }
    function connect(delay) {
      var proto = window.location.protocol === "https:" ? "wss:" : "ws:";
      var ws = new WebSocket(proto + "//" + window.location.host + "/ws");
      ws.onopen = function () {
        delay = 1000;
        document.body.dataset.live = "1";
        if (onOpen) { onOpen(); }
      };
      ws.onmessage = function (e) {
        var msg;
        try { msg = JSON.parse(e.data); } catch (err) { return; }
        onEvent(msg);
      };
      ws.onclose = function () {
        document.body.dataset.live = "0";
        setTimeout(function () { connect(Math.min(delay * 2, 30000)); }, delay);
      };
    }
    connect(1000);
  };
})();
