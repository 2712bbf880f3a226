// Phone desk keys: Enter in the search picks the first match; on a customer
// card, 1 = today and 2 = tomorrow (focus moves to Confirm), Enter confirms.
(function () {
  "use strict";
  var q = document.getElementById("desk-q");
  function card() { return document.getElementById("desk-order"); }
  q.addEventListener("keydown", function (e) {
    if (e.key === "Enter") {
      e.preventDefault();
      var first = document.querySelector("#desk-matches .match");
      if (first) { first.click(); }
    } else if (e.key === "ArrowDown") {
      var m = document.querySelector("#desk-matches .match");
      if (m) { e.preventDefault(); m.focus(); }
    }
  });
  document.addEventListener("keydown", function (e) {
    var form = card();
    if (!form || e.ctrlKey || e.altKey || e.metaKey) { return; }
    // Keys typed into a field (a note saying 2樓) are text, not shortcuts.
    var inField = e.target.matches && e.target.matches("input:not([type=radio]), textarea, select");
    if (inField) { return; }
    if (e.key === "1" || e.key === "2") {
      e.preventDefault();
      document.getElementById(e.key === "1" ? "desk-today" : "desk-tomorrow").checked = true;
      document.getElementById("desk-confirm").focus();
    }
  });
  // A prefilled quantity is replaced by what is typed, not appended to
  // (typing 1 into a box showing 1 must not make 11).
  document.addEventListener("focusin", function (e) {
    if (e.target.matches && e.target.matches(".qty input")) { e.target.select(); }
  });
  // The total at the customer's prices, before confirming.
  document.addEventListener("input", function (e) {
    if (!e.target.matches || !e.target.matches(".qty input")) { return; }
    var sum = 0;
    document.querySelectorAll(".qty input").forEach(function (i) {
      var n = parseInt(i.value, 10);
      if (n > 0) { sum += Math.min(n, 200) * Number(i.getAttribute("data-price") || 0); }
    });
    var out = document.getElementById("desk-total");
    if (out) { out.textContent = "NT$" + sum.toLocaleString("en-US"); }
  });
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target.id !== "desk-card") { return; }
    if (document.getElementById("desk-placed")) {
      // Ready for the next caller.
      q.value = "";
      document.getElementById("desk-matches").innerHTML = "";
      q.focus();
    } else if (card()) {
      var first = document.getElementById("desk-customer");
      first.setAttribute("tabindex", "-1");
      first.focus();
    }
  });
})();
