/* Small behaviours shared by every page (no inline scripts: the CSP forbids them). */
(function () {
  "use strict";
  // Forms marked data-autosubmit reload when a choice changes (the series explorer).
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (!form || !form.hasAttribute("data-autosubmit")) return;
    if (event.target.name === "site") {
      var indicator = form.querySelector("[name=indicator]");
      if (indicator) indicator.disabled = true; // a new site: its first indicator
    }
    form.requestSubmit();
  });
  // A refreshed fragment keeps keyboard focus where it was when the element still exists.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    event.detail.forewarnFocus = active && active.id ? active.id : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var id = event.detail.forewarnFocus;
    if (id && document.activeElement === document.body) {
      var again = document.getElementById(id);
      if (again) again.focus();
    }
  });
})();
