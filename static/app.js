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
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "toasts") {
      e.detail.target.querySelectorAll(".toast").forEach(dismissLater);
    }
  });
})();
