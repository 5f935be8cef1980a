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
  // A required text of only spaces is empty: the browser says so (in the reader's language)
  // instead of the server answering with an error page that loses the form.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var fields = form.querySelectorAll(
      "textarea[required], input[type=text][required], input:not([type])[required]"
    );
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value.trim() === "") fields[i].value = "";
    }
    if (!form.checkValidity()) {
      event.preventDefault();
      form.reportValidity();
    }
  }, true);
  // Notification entries of a time line are folded away until asked for; the choice is kept
  // on the page's body, so the time line's own refresh does not undo it.
  function syncDeliveries() {
    var shown = document.body.dataset.deliveries === "shown";
    document.querySelectorAll("[data-toggle-deliveries]").forEach(function (button) {
      button.setAttribute("aria-pressed", shown ? "true" : "false");
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-toggle-deliveries]");
    if (!button) return;
    var shown = document.body.dataset.deliveries === "shown";
    document.body.dataset.deliveries = shown ? "" : "shown";
    syncDeliveries();
  });
  document.addEventListener("htmx:afterSettle", syncDeliveries);
  // A live page must say when it lost the server (a wall display would otherwise look calm);
  // an expired session sends the viewer back to the sign-in page.
  function stale(on) {
    var banner = document.getElementById("stale");
    if (banner) banner.hidden = !on;
  }
  document.addEventListener("htmx:sendError", function () { stale(true); });
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 401) {
      window.location.reload();
      return;
    }
    stale(true);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) stale(false);
  });
  // A refreshed fragment keeps keyboard focus where it was (the same id, or the same link:
  // queue rows have no ids) when that element is still there after the swap.
  var refocus = null;
  function focusKey(element) {
    if (!element || element === document.body) return null;
    if (element.id) return "#" + CSS.escape(element.id);
    var href = element.getAttribute && element.getAttribute("href");
    return href ? 'a[href="' + CSS.escape(href) + '"]' : null;
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    var target = event.detail.target;
    refocus = target && target.contains(active) ? focusKey(active) : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var key = refocus;
    refocus = null;
    if (!key || (document.activeElement && document.activeElement !== document.body)) return;
    var again = document.querySelector(key);
    if (again) again.focus({ preventScroll: true });
  });
})();
