// Behaviour every page shares, bound from data-* attributes (no inline handlers, so the
// Content-Security-Policy can forbid inline script).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) { event.preventDefault(); window.print(); }
  });
  // A print page (?print=1: names masked for people who chose so) prints once loaded.
  if (document.body && document.body.hasAttribute("data-print-on-load")) {
    window.addEventListener("load", function () { window.print(); });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);
})();
