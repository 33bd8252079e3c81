// Portal's own behaviour, loaded with the page's CSP nonce. Everything here
// is an enhancement: every page works without JavaScript.
(function () {
  "use strict";

  // htmx: swap 422 (forms re-rendered with inline errors) and the other
  // 4xx/5xx fragments the server sends; send the CSRF token on every request.
  document.addEventListener("htmx:configRequest", function (e) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && !e.detail.headers["X-CSRF-Token"]) {
      e.detail.headers["X-CSRF-Token"] = meta.content;
    }
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    var s = e.detail.xhr.status;
    if (s === 422 || s === 409 || s === 429 || s === 503) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });

  // A request that never got an answer (offline, server down) changes
  // nothing on the page, so say so: a dismissible alert in #flash, worded
  // by the page (data-network-error); the form keeps what was typed.
  function networkError() {
    var flash = document.getElementById("flash");
    if (!flash) return;
    var p = document.createElement("p");
    p.className = "flash flash-error flash-dismissible";
    p.setAttribute("role", "alert");
    p.setAttribute("data-testid", "network-error");
    var text = document.createElement("span");
    text.textContent = flash.getAttribute("data-network-error") || "The portal could not be reached. Please try again.";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn btn-ghost";
    close.setAttribute("data-testid", "network-error-dismiss");
    close.textContent = flash.getAttribute("data-dismiss") || "Dismiss";
    close.addEventListener("click", function () { p.remove(); });
    p.appendChild(text);
    p.appendChild(close);
    flash.replaceChildren(p);
  }
  document.addEventListener("htmx:sendError", networkError);
  document.addEventListener("htmx:responseError", function (e) {
    // An error answer with a body is shown by its own swap (the error
    // card); one without a body would otherwise say nothing.
    var x = e.detail.xhr;
    if (!x || x.status === 0 || !x.responseText) networkError();
  });

  // A swap that replaces the focused element (a sort header, a pager link:
  // the table is swapped whole) would drop keyboard focus to <body>. Focus
  // its counterpart in the new content instead (same data-testid), else the
  // swapped region itself, so the next Tab continues from where the user was.
  var refocus = null;
  document.addEventListener("htmx:beforeSwap", function (e) {
    var a = document.activeElement, t = e.detail.target;
    refocus = null;
    if (!a || a === document.body || !t || !t.contains(a)) return;
    var holder = a.closest("[data-testid]");
    refocus = { id: t.id, testid: holder && t.contains(holder) ? holder.getAttribute("data-testid") : "", self: holder === a };
  });
  document.addEventListener("htmx:afterSettle", function () {
    var r = refocus;
    refocus = null;
    if (!r || (document.activeElement && document.activeElement !== document.body)) return;
    var el = r.testid ? document.querySelector('[data-testid="' + r.testid + '"]') : null;
    if (el && !r.self) el = el.querySelector("a[href], button, input, select, textarea, summary");
    if (!el && r.id) {
      el = document.getElementById(r.id);
      if (el && !el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
    }
    if (el) el.focus({ preventScroll: true });
  });

  // Disable submit buttons while a request is pending (no double submits).
  function setPending(form, on) {
    if (!form || !form.querySelectorAll) return;
    form.querySelectorAll('button[type="submit"], button:not([type])').forEach(function (b) {
      if (on) {
        if (!b.disabled) { b.disabled = true; b.dataset.portalPending = "1"; }
        b.setAttribute("aria-busy", "true");
      } else if (b.dataset.portalPending) {
        b.disabled = false; delete b.dataset.portalPending; b.removeAttribute("aria-busy");
      }
    });
  }
  document.addEventListener("htmx:beforeRequest", function (e) {
    setPending(e.detail.elt.closest ? e.detail.elt.closest("form") || e.detail.elt : e.detail.elt, true);
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    setPending(e.detail.elt.closest ? e.detail.elt.closest("form") || e.detail.elt : e.detail.elt, false);
  });
  // Plain (non-htmx) forms: disable after the browser commits to submitting.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (e.defaultPrevented || f.hasAttribute("hx-post")) return;
    setTimeout(function () { setPending(f, true); }, 0);
  });
  // Coming back through the history cache must not leave buttons disabled.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form").forEach(function (f) { setPending(f, false); });
  });

  // Confirmation through <dialog> for [data-confirm] forms, buttons, links.
  var dialog = null, pendingAction = null, returnFocus = null;
  function ensureDialog() {
    if (dialog) return dialog;
    dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-title");
    dialog.setAttribute("aria-describedby", "confirm-text");
    dialog.innerHTML = '<h2 id="confirm-title"></h2><p id="confirm-text"></p><div class="actions">' +
      '<button type="button" class="btn btn-ghost" data-act="cancel">Cancel</button>' +
      '<button type="button" class="btn btn-danger" data-act="ok" data-testid="confirm-ok">Confirm</button></div>';
    document.body.appendChild(dialog);
    // The pending action is dropped at once on Cancel and on Escape (the
    // cancel event), never in the close event: that one fires later, and
    // by then the dialog may already be open again for a new action, which
    // it would silently drop.
    dialog.addEventListener("click", function (e) {
      var act = e.target.getAttribute && e.target.getAttribute("data-act");
      if (act === "cancel") { pendingAction = null; dialog.close(); }
      if (act === "ok") { var run = pendingAction; pendingAction = null; dialog.close(); if (run) run(); }
    });
    dialog.addEventListener("cancel", function () { pendingAction = null; });
    dialog.addEventListener("close", function () {
      if (!dialog.open && returnFocus && returnFocus.focus) returnFocus.focus();
    });
    // Keep Tab inside the dialog (showModal makes the rest inert; this
    // also wraps around in browsers that let focus reach the chrome).
    dialog.addEventListener("keydown", function (e) {
      if (e.key !== "Tab") return;
      var f = dialog.querySelectorAll("button");
      var first = f[0], last = f[f.length - 1];
      if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
      else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
    });
    return dialog;
  }
  // The dialog names what happens: a title (data-confirm-title) and the
  // confirming button's verb (data-confirm-verb, "Delete card"), never a
  // bare "Confirm".
  function confirmThen(el, trigger, action) {
    var message = el.getAttribute("data-confirm");
    if (typeof HTMLDialogElement === "undefined") { if (window.confirm(message)) action(); return; }
    var d = ensureDialog();
    d.querySelector("#confirm-title").textContent = el.getAttribute("data-confirm-title") || "Are you sure?";
    d.querySelector("#confirm-text").textContent = message;
    d.querySelector('[data-act="ok"]').textContent = el.getAttribute("data-confirm-verb") || "Confirm";
    pendingAction = action;
    returnFocus = trigger;
    d.showModal();
    d.querySelector('[data-act="cancel"]').focus();
  }
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f.hasAttribute("data-confirm") || f.dataset.confirmed === "1") { delete f.dataset.confirmed; return; }
    // data-confirm-if="field:value" asks only for that choice (the role
    // form asks before handing ownership over, not for other roles).
    var cond = f.getAttribute("data-confirm-if");
    if (cond) {
      var i = cond.indexOf(":"), fld = f.elements[cond.slice(0, i)];
      if (!fld || fld.value !== cond.slice(i + 1)) return;
    }
    e.preventDefault();
    e.stopImmediatePropagation();
    var submitter = e.submitter || f.querySelector('button[type="submit"], button:not([type])');
    confirmThen(f, submitter, function () {
      f.dataset.confirmed = "1";
      var yes = document.createElement("input");
      yes.type = "hidden"; yes.name = "confirm"; yes.value = "yes";
      if (!f.querySelector('input[name="confirm"]')) f.appendChild(yes);
      if (f.requestSubmit) f.requestSubmit(submitter || undefined); else f.submit();
    });
  }, true);
  document.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest("a[data-confirm], button[data-confirm]");
    if (!el || el.dataset.confirmed === "1") { if (el) delete el.dataset.confirmed; return; }
    e.preventDefault();
    e.stopImmediatePropagation();
    confirmThen(el, el, function () { el.dataset.confirmed = "1"; el.click(); });
  }, true);

  // Copy to clipboard: <button data-copy="text"> or data-copy="#selector".
  document.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest("[data-copy]");
    if (!el || !navigator.clipboard) return;
    var v = el.getAttribute("data-copy");
    if (v.charAt(0) === "#") { var src = document.querySelector(v); v = src ? (src.value || src.textContent) : ""; }
    navigator.clipboard.writeText(v).then(function () {
      var label = el.textContent;
      el.textContent = el.getAttribute("data-copied") || "Copied"; // the page says it in its language
      setTimeout(function () { el.textContent = label; }, 1500);
    });
  });

  // Resend cooldown. The server renders the seconds left on every card
  // (data-cooldown) and one ticker counts down whichever button is in the
  // document now: a card that htmx swapped in (after a wrong code) keeps
  // counting, and a replaced card leaves no timer behind (issue 16.1).
  // Each button's deadline is fixed when it is first seen (now + the
  // rendered seconds, which the server rounds up), so the button is never
  // enabled before the server would accept the resend, however the ticks
  // fall against the moment the card arrived.
  function tickCooldowns() {
    var now = Date.now();
    document.querySelectorAll("button[data-cooldown]").forEach(function (b) {
      var until = parseInt(b.getAttribute("data-cooldown-until"), 10);
      if (!until) {
        until = now + (parseInt(b.getAttribute("data-cooldown"), 10) || 0) * 1000;
        b.setAttribute("data-cooldown-until", String(until));
      }
      var left = Math.ceil((until - now) / 1000);
      if (left <= 0) {
        b.removeAttribute("data-cooldown");
        b.removeAttribute("data-cooldown-until");
        b.disabled = false;
        b.textContent = b.getAttribute("data-ready") || b.textContent;
        return;
      }
      b.setAttribute("data-cooldown", String(left));
      var n = b.querySelector(".cooldown-left");
      if (n) n.textContent = String(left);
    });
  }
  tickCooldowns();
  setInterval(tickCooldowns, 250);


  // Move focus to a flash message so screen readers and keyboards find it.
  // Errors always take focus; a success notice does not steal it from a
  // field the page autofocuses (the code input after a resend).
  function focusFlash(root) {
    var scope = root || document;
    var msg = scope.querySelector("#flash [role=alert], .card [role=alert]") ||
      (document.querySelector("[autofocus]") ? null : scope.querySelector("#flash .flash"));
    if (msg) { msg.setAttribute("tabindex", "-1"); msg.focus({ preventScroll: false }); }
  }
  // Time zone (docs/design.md "Languages and time zones"): until the
  // server knows the browser's zone (<html data-tz-url> is set), every
  // <time datetime> was printed in UTC. Re-render them in the browser's zone
  // in the page's language, and post the zone once into the session (with
  // the CSRF token) so the next pages come from the server in it. Intl's
  // first use costs tens of milliseconds, so it runs in a worker
  // (<html data-tz-worker>, static/js/tz.js), never on the page's main
  // thread (docs/design.md "Assets").
  var tzURL = document.documentElement.getAttribute("data-tz-url");
  var tzWorkerURL = document.documentElement.getAttribute("data-tz-worker");
  var worker = null, asked = 0, pending = {}, zonePosted = false;
  function tzWorker() {
    if (worker || !tzURL || !tzWorkerURL || !window.Worker) return worker;
    try { worker = new Worker(tzWorkerURL); } catch (e) { worker = null; return null; }
    worker.onmessage = function (e) {
      var els = pending[e.data.id];
      delete pending[e.data.id];
      if (!els) return;
      // Only the texts that change are written: a write, even of the same
      // text, makes the browser lay the page out again, and in the zone
      // the server printed (UTC for a first visit from a UTC browser) none
      // changes.
      els.forEach(function (el, i) {
        var t = e.data.texts[i];
        if (t !== null && t !== el.textContent) el.textContent = t;
      });
      postZone(e.data.zone);
    };
    return worker;
  }
  function localTimes(root) {
    var w = tzWorker();
    if (!w) return;
    var els = [];
    (root || document).querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d.getTime()) || el.getAttribute("datetime").length < 11) return; // a date alone has no zone
      els.push(el);
    });
    var id = ++asked;
    pending[id] = els;
    w.postMessage({ id: id, lang: document.documentElement.lang || "en",
      times: els.map(function (el) { return { datetime: el.getAttribute("datetime"), format: el.getAttribute("data-format") || "" }; }) });
  }
  function postZone(zone) {
    if (zonePosted || !tzURL || !zone || !window.fetch) return;
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (!meta) return;
    zonePosted = true;
    // While the answer is on its way its cookie may still replace the
    // browser's: data-zone-posting says so (tests wait for it to go).
    var root = document.documentElement;
    root.setAttribute("data-zone-posting", "");
    fetch(tzURL, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": meta.content },
      body: "tz=" + encodeURIComponent(zone)
    }).catch(function () { /* the next page tries again */ })
      .then(function () { root.removeAttribute("data-zone-posting"); });
  }
  // The overview's "Downloads and payments" (issue 16.12): a link to the
  // share's page, made a disclosure button here. The first open adds a row
  // below the share's row and loads the activity into it (htmx); later
  // clicks show or hide that row. Focus stays on the button.
  function activityToggles(root) {
    (root || document).querySelectorAll("a[data-activity]:not([role])").forEach(function (a) {
      a.setAttribute("role", "button");
      a.setAttribute("aria-expanded", "false");
    });
  }
  function toggleActivity(a) {
    var tbody = a.closest("tbody"), main = a.closest("tr");
    if (!tbody || !main || !window.htmx) return false;
    var row = tbody.querySelector("tr.activity-row");
    if (!row) {
      row = document.createElement("tr");
      row.className = "activity-row";
      row.id = "activity-" + (tbody.getAttribute("data-id") || Math.random().toString(36).slice(2));
      var td = document.createElement("td");
      td.colSpan = main.cells.length;
      var body = document.createElement("div");
      body.className = "activity-body";
      td.appendChild(body);
      row.appendChild(td);
      tbody.appendChild(row);
      a.setAttribute("aria-controls", row.id);
      window.htmx.ajax("GET", a.getAttribute("data-activity"), { source: a, target: body, swap: "innerHTML" });
    } else {
      row.hidden = !row.hidden;
    }
    a.setAttribute("aria-expanded", row.hidden ? "false" : "true");
    return true;
  }
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-activity]");
    if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (toggleActivity(a)) e.preventDefault();
  });
  document.addEventListener("keydown", function (e) {
    var a = e.target;
    if (e.key !== " " || !a.matches || !a.matches("a[data-activity][role=button]")) return;
    e.preventDefault();
    toggleActivity(a);
  });
  document.addEventListener("DOMContentLoaded", function () { activityToggles(); });
  document.addEventListener("htmx:afterSwap", function () { activityToggles(); });

  document.addEventListener("DOMContentLoaded", function () { focusFlash(); localTimes(); });
  document.addEventListener("htmx:afterSwap", function (e) { localTimes(e.detail.target); });
  document.addEventListener("htmx:afterSwap", function (e) { focusFlash(e.detail.target.parentNode || document); });
})();
