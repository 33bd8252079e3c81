// Settings page enhancements; the page works without them.
(function () {
  "use strict";

  // The state field only matters for countries whose addresses have one
  // (the select's data-state-countries), so with JavaScript it is shown only
  // for them. Without JavaScript it is always shown, labelled "where your
  // country uses one".
  function sync() {
    var country = document.getElementById("billing-country");
    var field = document.getElementById("billing-state-field");
    if (!country || !field) return;
    var list = (country.getAttribute("data-state-countries") || "US CA").split(" ");
    var on = list.indexOf(country.value) >= 0;
    field.hidden = !on;
    if (!on) {
      var input = document.getElementById("billing-state");
      if (input) input.value = "";
    }
  }
  // The postal code's hint shows the chosen country's form (the option's
  // data-postal), in the page's words (the hint's data-template).
  function syncPostal() {
    var country = document.getElementById("billing-country");
    var hint = document.getElementById("billing-postal_code-hint");
    if (!country || !hint) return;
    var opt = country.options[country.selectedIndex];
    var ex = opt && opt.getAttribute("data-postal");
    var tpl = hint.getAttribute("data-template") || "";
    if (ex && tpl) {
      hint.textContent = tpl.replace("{example}", ex);
      hint.hidden = false;
    } else {
      hint.textContent = "";
      hint.hidden = true;
    }
  }
  // "(optional)" after the city, state and postal code labels follows what
  // the chosen country requires (the option's data-needs); with no
  // country chosen none is marked.
  function syncOptional() {
    var country = document.getElementById("billing-country");
    if (!country) return;
    var opt = country.options[country.selectedIndex];
    var needs = opt && opt.value ? opt.getAttribute("data-needs") : null;
    document.querySelectorAll("#billing-form [data-optional]").forEach(function (el) {
      var part = el.getAttribute("data-optional");
      if (part === "always") return;
      el.hidden = needs === null || needs.indexOf(part) >= 0;
    });
  }
  document.addEventListener("change", function (e) {
    if (e.target && e.target.id === "billing-country") {
      sync();
      syncPostal();
      syncOptional();
    }
  });

  // Linked accounts: without JavaScript each disconnect form sits in a
  // <details> disclosure (open it, then confirm). With it the disclosure
  // becomes a single Disconnect button whose form asks in portal.js's
  // confirmation dialog (focus moves in and stays there, Escape closes it,
  // focus returns to the button).
  function enhanceDisconnect() {
    document.querySelectorAll("details.linked-disconnect, details.confirm-disclosure").forEach(function (d) {
      var summary = d.querySelector("summary");
      var form = d.querySelector("form");
      var button = form && form.querySelector('button[type="submit"]');
      var question = form && form.querySelector("[data-confirm-text]");
      if (!summary || !button || !question) return;
      form.setAttribute("data-confirm", question.textContent.replace(/\s+/g, " ").trim());
      form.setAttribute("data-confirm-title", question.getAttribute("data-confirm-title") || "Disconnect account?");
      form.setAttribute("data-confirm-verb", button.textContent.replace(/\s+/g, " ").trim());
      question.remove();
      button.className = summary.className;
      button.textContent = summary.textContent;
      if (summary.hasAttribute("aria-label")) button.setAttribute("aria-label", summary.getAttribute("aria-label"));
      button.setAttribute("aria-haspopup", "dialog");
      button.setAttribute("data-testid", summary.getAttribute("data-testid"));
      form.classList.add("linked-disconnect");
      d.replaceWith(form);
    });
  }

  // After the panel is swapped (a disconnect), the button that had focus is
  // gone: give focus to the outcome, so keyboard and screen-reader users
  // land on what happened instead of the top of the page.
  function focusLinkedNotice() {
    var a = document.activeElement;
    if (a && a !== document.body && document.body.contains(a)) return;
    var panel = document.getElementById("linked-accounts");
    if (!panel) return;
    var target = panel.querySelector("[data-testid=linked-accounts-notice]") || panel.querySelector("h2");
    if (!target) return;
    target.setAttribute("tabindex", "-1");
    target.focus();
  }

  function init() {
    sync();
    syncPostal();
    syncOptional();
    enhanceDisconnect();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  document.addEventListener("htmx:afterSwap", function (e) {
    init();
    if (e.detail && e.detail.target && e.detail.target.id === "linked-accounts") focusLinkedNotice();
  });
})();
