// billing.js: the saved-cards page's Stripe Payment Element island, which
// turns card details into a confirmation token in the browser, so card
// numbers never pass through the portal. (Deleting a card asks in
// portal.js's confirmation dialog, like every [data-confirm] form; without
// JavaScript the server asks on a page of its own.)
(function () {
  'use strict';

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  }

  var form = document.getElementById('stripe-card-form');
  if (!form) return;
  var button = form.querySelector('button[type="submit"]');
  var errorLine = document.getElementById('card-error');

  function showError(msg) {
    errorLine.textContent = msg || form.dataset.msgError || 'Something went wrong. Please try again.';
    errorLine.hidden = false;
    button.disabled = false;
  }

  if (typeof window.Stripe !== 'function' || !form.dataset.publishableKey) {
    showError(form.dataset.msgLoad || 'The card form could not load. Check your connection and reload the page.');
    button.disabled = true;
    return;
  }

  var stripe = window.Stripe(form.dataset.publishableKey);
  var elements = stripe.elements({
    locale: document.documentElement.lang || 'auto', // Stripe's own labels in the page's language
    mode: 'setup',
    currency: 'usd',
    paymentMethodCreation: 'manual',
    setupFutureUsage: 'off_session'
  });
  elements.create('payment').mount('#payment-element');
  button.disabled = false;

  // post sends a form to one of the billing page routes and reads the
  // island's JSON answer.
  function post(url, data) {
    return fetch(url, {
      method: 'POST',
      body: new URLSearchParams(data),
      credentials: 'same-origin',
      headers: { 'Accept': 'application/json', 'X-CSRF-Token': csrf() }
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        return { ok: res.ok, body: body };
      });
    });
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    button.disabled = true;
    errorLine.hidden = true;
    var data = new FormData(form);
    elements.submit().then(function (r) {
      if (r.error) throw r.error;
      return stripe.createConfirmationToken({ elements: elements, params: { return_url: form.dataset.returnUrl } });
    }).then(function (r) {
      if (r.error) throw r.error;
      data.set('confirmation_token_id', r.confirmationToken.id);
      return post(form.action, data);
    }).then(function (res) {
      if (!res.ok) throw new Error(res.body.message);
      if (res.body.status !== 'requires_action') return res;
      // 3-D Secure in Stripe's modal; a full-page redirect comes back to
      // the return route, which confirms on the server.
      return stripe.handleNextAction({ clientSecret: res.body.client_secret }).then(function (r) {
        if (r.error) throw r.error;
        var confirm = new FormData();
        confirm.set('setup_intent_id', r.setupIntent.id);
        data.getAll('set_default').forEach(function (v) { confirm.append('set_default', v); });
        var field = form.querySelector('input[type="hidden"]:not([name="set_default"])');
        if (field) confirm.set(field.name, field.value);
        return post(form.dataset.confirmUrl, confirm);
      });
    }).then(function (res) {
      if (!res.ok) throw new Error(res.body.message);
      if (res.body.status === 'succeeded' && res.body.redirect) {
        window.location.assign(res.body.redirect);
        return;
      }
      throw new Error(form.dataset.msgVerify || form.dataset.msgError);
    }).catch(function (err) {
      showError(err && err.message);
    });
  });
})();
