// Shared by the window console and the floor control screen (on top of common.js): sign-in,
// refusals worded for staff, time formatting.
(function () {
  'use strict';

  var H = window.hallq;
  var config = H.config;
  var T = H.T;
  var $ = H.$;
  var el = H.el;
  var api = H.api;
  var toast = H.toast;

  // Known codes get the page's own wording, with the detail that matters.
  function describe(error) {
    var text = H.describe(error);
    if (error.signed_in_by) text += '（' + error.signed_in_by + '）';
    if (error.window && error.error === 'signed_in_elsewhere') text = text.replace('{window}', error.window);
    if (error.error === 'rate_limited' && error.retry_after_seconds && T.err_login_wait) {
      text = T.err_login_wait.replace('{seconds}', error.retry_after_seconds);
    }
    return text;
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
