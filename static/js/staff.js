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

  var en = config.lang === 'en';

  // One way to write a duration everywhere: 6分46秒, 46秒, 1小时05分 (6 min 46 s in English),
  // so it never reads as a clock time.
  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600);
    var m = Math.floor(seconds / 60) % 60;
    var s = seconds % 60;
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    if (en) return h ? h + ' h ' + pad(m) + ' min' : m ? m + ' min ' + s + ' s' : s + ' s';
    return h ? h + '小时' + pad(m) + '分' : m ? m + '分' + pad(s) + '秒' : s + '秒';
  }

  // Whole minutes as a duration: 35分钟, 1小时05分.
  function minutes(total) {
    total = Math.max(0, Math.floor(total));
    if (total < 60) return total + ' ' + T.min;
    return duration(total * 60);
  }

  // A time of day in the hall's timezone, 24-hour: 09:16 (with seconds: 09:16:19).
  function time(iso, timezone, withSeconds) {
    var options = { timeZone: timezone || undefined, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    if (withSeconds) options.second = '2-digit';
    return new Intl.DateTimeFormat(en ? 'en-GB' : 'zh-CN', options).format(new Date(Date.parse(iso)));
  }

  // A date and time in the hall's timezone: 11月26日 09:16 (26 Nov, 09:16).
  function dateTime(iso, timezone) {
    var options = { timeZone: timezone || undefined, month: en ? 'short' : 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    return new Intl.DateTimeFormat(en ? 'en-GB' : 'zh-CN', options).format(new Date(Date.parse(iso)));
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

  // A page's read of the server, one at a time: `reload.now()` reads at once (or once more
  // after the read in flight), `reload.soon()` at most once per `ms` however fast events come.
  function reloader(read, ms) {
    var loading = false;
    var again = false;
    var timer = null;
    function now() {
      if (loading) { again = true; return; }
      loading = true;
      Promise.resolve().then(read).catch(function (err) { toast(describe(err)); }).then(function () {
        loading = false;
        if (again) { again = false; now(); }
      });
    }
    function soon() {
      if (timer) return;
      timer = setTimeout(function () { timer = null; now(); }, ms);
    }
    return { now: now, soon: soon };
  }

  // A local calendar date as YYYY-MM-DD.
  function isoDate(d) { return d.getFullYear() + '-' + ('0' + (d.getMonth() + 1)).slice(-2) + '-' + ('0' + d.getDate()).slice(-2); }
  // Today in the hall's timezone, as a local Date at midnight (for date inputs and ranges).
  function hallToday() {
    var parts = new Intl.DateTimeFormat('en-CA', { timeZone: config.timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date()).split('-');
    return new Date(+parts[0], +parts[1] - 1, +parts[2]);
  }

  window.hallqStaff = {
    config: config, T: T, $: $, el: el, api: api, toast: toast, describe: describe,
    minutesSince: minutesSince, duration: duration, minutes: minutes, time: time, dateTime: dateTime, signIn: signIn, logout: logout, inInput: inInput,
    reloader: reloader, isoDate: isoDate, hallToday: hallToday
  };
})();
