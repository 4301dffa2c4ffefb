// Phone page (手机取号): services with queue figures and online alternatives, remote issuing
// (one active ticket per service per phone), and this phone's tickets of today.
(function () {
  'use strict';

  var H = window.hallq;
  var config = H.config;
  var T = H.T;
  var $ = H.$;
  var el = H.el;
  var toast = H.toast;
  var busy = false;

  function render() {
    var banner = $('status-banner');
    if (!config.remoteIssue) {
      banner.hidden = false;
      banner.textContent = T.m_remote_off;
    } else if (!config.status.open) {
      banner.hidden = false;
      banner.textContent = T.k_closed;
    }
    $('phone-field').hidden = !config.requirePhone || !config.remoteIssue;
    var list = $('services');
    list.innerHTML = '';
    config.services.forEach(function (s) {
      var li = el('li', 'phone-service');
      li.dataset.service = s.code;
      var head = el('div', 'ps-head');
      head.appendChild(el('span', 'prefix', s.code));
      head.appendChild(el('span', 'ps-name', s.name));
      li.appendChild(head);
      if (s.hint) li.appendChild(el('div', 'ps-hint', s.hint));
      var wait = s.waiting === 0 ? T.k_no_wait : T.k_about + ' ' + s.estimated_wait_minutes + ' ' + T.minutes;
      li.appendChild(el('div', 'ps-figures', T.k_waiting + ' ' + s.waiting + (T.k_people ? ' ' + T.k_people : '') + ' · ' + wait));
      if (s.online) {
        var details = el('details', 'ps-online');
        details.appendChild(el('summary', null, T.m_online_how));
        details.appendChild(el('p', null, s.online));
        li.appendChild(details);
      }
      var b = el('button', 'big-btn primary ps-take', T.m_take);
      b.type = 'button';
      // A faded button always says why.
      var reason = !config.remoteIssue ? T.m_remote_off_short
        : !config.status.open ? T.m_closed_now
        : s.open_windows === 0 ? T.m_no_window : null;
      b.disabled = reason !== null;
      b.onclick = function () { take(s); };
      li.appendChild(b);
      if (reason) li.appendChild(el('div', 'ps-reason', reason));
      list.appendChild(li);
    });
  }

  function take(service) {
    if (busy) return;
    busy = true;
    var body = { service: service.code, channel: 'mobile' };
    if (config.requirePhone) body.phone = $('phone-number').value;
    H.api('POST', '/halls/' + encodeURIComponent(config.hall) + '/tickets', body).then(function (ticket) {
      location.href = '/t/' + ticket.token;
    }).catch(function (err) {
      // Asking again for a service this phone already has a ticket for leads to that ticket.
      if (err.error === 'already_has_ticket' && err.token) { location.href = '/t/' + err.token; return; }
      toast(H.describe(err));
    }).then(function () { busy = false; });
  }

  function loadMine() {
    H.api('GET', '/halls/' + encodeURIComponent(config.hall) + '/my-tickets')
      .then(function (list) {
        var active = list.filter(function (t) { return ['waiting', 'transferred', 'called', 'serving', 'done'].indexOf(t.status) >= 0; });
        $('mine').hidden = active.length === 0;
        var box = $('my-tickets');
        box.innerHTML = '';
        active.forEach(function (t) {
          var li = el('li', 'my-ticket');
          var a = el('a', null, t.number + ' · ' + (T['t_status_' + t.status] || t.status) + ' · ' + T.m_open_track);
          a.href = '/t/' + t.token;
          li.appendChild(a);
          box.appendChild(li);
        });
      }).catch(function () { /* not essential */ });
  }

  // Fresh queue figures (the page may have been shown from the back-forward cache).
  function refreshFigures() {
    H.api('GET', '/halls/' + encodeURIComponent(config.hall) + '/services').then(function (list) {
      H.mergeFigures(config.services, list);
      render();
    }).catch(function () { /* keep the figures shown */ });
  }

  // Whenever the page is shown again (Back after taking a ticket, a phone unlocked), it shows
  // this phone's tickets and the current figures.
  window.addEventListener('pageshow', function (e) {
    if (e.persisted) { refreshFigures(); loadMine(); }
  });
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden) { refreshFigures(); loadMine(); }
  });

  render();
  loadMine();
})();
