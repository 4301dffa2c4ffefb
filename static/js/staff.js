// Shared by the window console and the floor control screen: the JSON API, sign-in, messages
// in the page's language, and small DOM helpers.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('hallq-config').textContent);
  var T = config.texts;

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  // A refused action shows the server's reason; known codes get the page's own wording.
  function describe(error) {
    var key = 'err_' + error.error;
    var text = T[key] || error.message || T.err_unknown;
    if (error.signed_in_by) text += '（' + error.signed_in_by + '）';
    if (error.window && error.error === 'signed_in_elsewhere') text = text.replace('{window}', error.window);
    return text;
  }

  function api(method, path, body) {
    var options = { method: method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      options.headers['content-type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    return fetch('/api/v1' + path, options).then(function (res) {
      if (res.status === 204) return null;
      return res.json().catch(function () { return {}; }).then(function (json) {
        if (!res.ok) {
          json.status = res.status;
          if (!json.error) json.error = 'http_' + res.status;
          throw json;
        }
        return json;
      });
    }, function () {
      throw { error: 'network', message: T.err_network };
    });
  }

  var toastTimer = null;
  function toast(text, kind) {
    var box = $('toast');
    if (!box) return;
    box.textContent = text;
    box.className = 'toast ' + (kind || 'error');
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, kind === 'ok' ? 2500 : 6000);
  }

  function minutesSince(iso, now) {
    return Math.max(0, Math.floor((now - Date.parse(iso)) / 60000));
  }

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m + ':' + (s < 10 ? '0' : '') + s;
  }

  // Shows the sign-in form and resolves with /auth/me once signed in.
  function signIn() {
    return api('GET', '/auth/me').catch(function (err) {
      if (err.status !== 401) throw err;
      return new Promise(function (resolve) {
        var form = $('login');
        form.hidden = false;
        $('login-user').focus();
        form.onsubmit = function (e) {
          e.preventDefault();
          $('login-error').textContent = '';
          api('POST', '/auth/login', { username: $('login-user').value.trim(), password: $('login-pass').value })
            .then(function () { return api('GET', '/auth/me'); })
            .then(function (me) { form.hidden = true; resolve(me); })
            .catch(function (e2) { $('login-error').textContent = describe(e2); });
        };
      });
    });
  }

  function logout() {
    return api('POST', '/auth/logout').then(function () { location.reload(); });
  }

  function inInput(event) {
    var t = event.target;
    return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
  }

  window.hallqStaff = {
    config: config, T: T, $: $, el: el, api: api, toast: toast, describe: describe,
    minutesSince: minutesSince, clock: clock, signIn: signIn, logout: logout, inInput: inInput
  };
})();
