// Passkeys (WebAuthn) on the sign-in and settings pages. Everything here is
// an enhancement: the passkey buttons are rendered hidden and shown only
// when this browser supports WebAuthn, so without JavaScript (or without
// WebAuthn) codes work as before and no dead button is shown.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch) return;

  function dec(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function enc(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) { return { ok: r.ok, status: r.status, body: j }; });
    });
  }
  function creationOptions(o) {
    var p = o.publicKey;
    p.challenge = dec(p.challenge);
    p.user.id = dec(p.user.id);
    (p.excludeCredentials || []).forEach(function (c) { c.id = dec(c.id); });
    return p;
  }
  function requestOptions(o) {
    var p = o.publicKey;
    p.challenge = dec(p.challenge);
    (p.allowCredentials || []).forEach(function (c) { c.id = dec(c.id); });
    return p;
  }
  function credentialJSON(c) {
    var r = c.response;
    var out = { id: c.id, rawId: enc(c.rawId), type: c.type, response: { clientDataJSON: enc(r.clientDataJSON) },
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {} };
    if (c.authenticatorAttachment) out.authenticatorAttachment = c.authenticatorAttachment;
    if (r.attestationObject) {
      out.response.attestationObject = enc(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = enc(r.authenticatorData);
      out.response.signature = enc(r.signature);
      if (r.userHandle) out.response.userHandle = enc(r.userHandle);
    }
    return out;
  }
  // go follows the server's redirect; one that only changes the fragment
  // (the settings page's own section) reloads, to show what changed.
  function go(url) {
    var u = new URL(url, window.location.href);
    if (u.pathname === window.location.pathname && u.search === window.location.search) {
      window.location.hash = u.hash;
      window.location.reload();
      return;
    }
    window.location.assign(u.href);
  }
  function show(el, msg) {
    if (!el) return;
    el.textContent = msg;
    el.hidden = !msg;
  }
  // A cancelled or timed-out browser prompt is not an error worth more
  // than a short note.
  function promptMessage(err, fallback) {
    if (err && (err.name === "NotAllowedError" || err.name === "AbortError")) return fallback;
    return fallback;
  }

  // Sign-in page: the button, and passkey autofill on the email field
  // (conditional mediation) where the browser offers it. The card may be
  // swapped by htmx (a refused email), so this runs again after swaps and
  // binds only what it has not bound yet.
  var conditional = null;
  function initSignIn() {
    var signin = document.querySelector('[data-testid="passkey-sign-in"]');
    if (!signin || signin.dataset.bound) return;
    signin.dataset.bound = "1";
    var box = signin.closest("[data-passkey-signin]") || signin.parentNode;
    var errorEl = document.querySelector('[data-testid="passkey-error"]');
    var beginURL = signin.getAttribute("data-begin"), finishURL = signin.getAttribute("data-finish");
    var cancelledText = signin.getAttribute("data-cancelled") || "";
    // An answer with no detail (an error page, e.g. an expired form) still
    // says something, in the page's language.
    var failedText = signin.getAttribute("data-failed") || "";

    var finish = function (challengeID, cred) {
      return post(finishURL, { challenge_id: challengeID, credential: credentialJSON(cred) }).then(function (res) {
        if (res.ok && res.body.redirect) {
          go(res.body.redirect);
          return;
        }
        show(errorEl, res.body.detail || res.body.message || failedText);
        signin.disabled = false;
      });
    };
    var start = function (mediation) {
      return post(beginURL).then(function (res) {
        if (!res.ok) {
          if (mediation !== "conditional") show(errorEl, res.body.detail || failedText);
          return null;
        }
        var opts = { publicKey: requestOptions(res.body.options) };
        if (mediation === "conditional") {
          conditional = new AbortController();
          opts.mediation = "conditional";
          opts.signal = conditional.signal;
        }
        return navigator.credentials.get(opts).then(function (cred) {
          if (cred) return finish(res.body.challenge_id, cred);
        });
      });
    };
    box.hidden = false;
    signin.hidden = false;
    signin.addEventListener("click", function (e) {
      e.preventDefault();
      show(errorEl, "");
      if (conditional) { conditional.abort(); conditional = null; }
      signin.disabled = true;
      start("required").catch(function (err) {
        show(errorEl, promptMessage(err, cancelledText));
      }).then(function () { signin.disabled = false; });
    });
    if (PublicKeyCredential.isConditionalMediationAvailable && !conditional) {
      PublicKeyCredential.isConditionalMediationAvailable().then(function (ok) {
        if (ok && !conditional && document.querySelector('input[autocomplete~="webauthn"]')) {
          start("conditional").catch(function () { /* dismissed or replaced by the button */ });
        }
      }).catch(function () {});
    }
  }
  initSignIn();
  document.addEventListener("htmx:afterSwap", initSignIn);

  // Settings page: add a passkey.
  var add = document.querySelector('[data-testid="passkey-add"]');
  if (add) {
    var addError = document.querySelector('[data-testid="passkey-add-error"]');
    var addFailed = add.getAttribute("data-failed") || "";
    add.hidden = false;
    var holder = add.closest("[data-passkey-add]");
    if (holder) holder.hidden = false;
    add.addEventListener("click", function (e) {
      if (add.getAttribute("data-reverify") === "true") return; // a plain form post
      e.preventDefault();
      show(addError, "");
      add.disabled = true;
      post(add.getAttribute("data-begin")).then(function (res) {
        if (!res.ok) {
          if (res.body.reverify) { window.location.reload(); return null; }
          show(addError, res.body.detail || addFailed);
          return null;
        }
        return navigator.credentials.create({ publicKey: creationOptions(res.body.options) }).then(function (cred) {
          return post(add.getAttribute("data-finish"), { challenge_id: res.body.challenge_id, credential: credentialJSON(cred) });
        }).then(function (done) {
          if (done.ok && done.body.redirect) { go(done.body.redirect); return; }
          show(addError, done.body.detail || addFailed);
        });
      }).catch(function (err) {
        show(addError, promptMessage(err, add.getAttribute("data-cancelled") || ""));
      }).then(function () { add.disabled = false; });
    });
  }
})();
