// Shared by every interactive page: the page's config block, DOM helpers, messages and the
// JSON API (errors come back as the API's {error, message, …} object, with `status`).
(function () {
  'use strict';

  var node = document.getElementById('hallq-config');
  var config = node ? JSON.parse(node.textContent) : {};

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
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
      throw { error: 'network', message: (config.texts || {}).err_network };
    });
  }

  // The page's wording for an API error code, else the server's message.
  function describe(error) {
    var T = config.texts || {};
    return T['err_' + error.error] || error.message || T.err_unknown || error.error;
  }

  // Copies fresh queue figures (GET /halls/{hall}/services) onto the page's service cards.
  function mergeFigures(services, fresh) {
    fresh.forEach(function (f) {
      services.forEach(function (s) {
        if (s.code === f.code) {
          s.waiting = f.waiting;
          s.estimated_wait_minutes = f.estimated_wait_minutes;
          s.open_windows = f.open_windows;
        }
      });
    });
  }

  window.hallq = { config: config, T: config.texts || {}, $: $, el: el, toast: toast, api: api, describe: describe, mergeFigures: mergeFigures };
})();
