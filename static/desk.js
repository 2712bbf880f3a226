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
    var inField = e.target.matches && e.target.matches("input[type=search], input[type=number], textarea");
    if (inField) { return; }
    if (e.key === "1" || e.key === "2") {
      e.preventDefault();
      document.getElementById(e.key === "1" ? "desk-today" : "desk-tomorrow").checked = true;
      document.getElementById("desk-confirm").focus();
    }
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
