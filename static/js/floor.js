// Hall floor control (大厅现场管理): every window and queue live; open, close, pause and resume
// windows, edit their services, sign someone out; the window log says who did what.
(function () {
  'use strict';

  var S = window.hallqStaff;
  var T = S.T;
  var $ = S.$;
  var el = S.el;
  var hall = S.config.hall;
  var en = S.config.lang === 'en';

  var view = null;
  var offset = 0;
  var pauseTarget = null;
  var editTarget = null;

  function serverNow() { return Date.now() + offset; }

  var board = null;

  // At most one reload per 150 ms, however fast events come.
  var reload = S.reloader(function () {
    var path = '/halls/' + encodeURIComponent(hall);
    return Promise.all([S.api('GET', path + '/floor'), S.api('GET', path + '/board')]).then(function (both) {
      var v = both[0];
      offset = Date.parse(v.server_time) - Date.now();
      view = v;
      board = both[1];
      render();
    });
  }, 150);
  var load = reload.now;
  var scheduleLoad = reload.soon;

  function serviceName(code) {
    var s = view.services.filter(function (x) { return x.code === code; })[0];
    return s ? (en ? s.name_en : s.name) : code;
  }

  function since(iso) {
    return S.minutes(S.minutesSince(iso, serverNow()));
  }

  // The name may already say 社保收现 (９号窗口（社保收现）): then the tag would repeat it.
  function needsCashTag(w) {
    return w.kind === 'si_cash' && w.name.indexOf(T.si_cash) < 0 && w.name.indexOf('社保收现') < 0;
  }

  function act(w, action, body) {
    return S.api('POST', '/windows/' + w.id + '/' + action, body)
      .then(function () { S.toast(T.done_ok, 'ok'); load(); })
      .catch(function (err) { S.toast(S.describe(err)); });
  }

  function button(text, cls, onclick, data) {
    var b = el('button', cls || 'small-btn', text);
    b.type = 'button';
    b.onclick = onclick;
    if (data) b.dataset.op = data;
    return b;
  }

  // The floor watch: 建议开启社保收现窗口 with the figures and a button per closed cash window,
  // and calls for help nobody has answered.
  function renderWatch() {
    var advice = $('advice');
    advice.innerHTML = '';
    var advised = board.services.filter(function (s) { return s.advise_cash_windows; });
    advice.hidden = advised.length === 0;
    advised.forEach(function (s) {
      var line = el('div', 'advice-line');
      line.dataset.service = s.service;
      line.appendChild(el('strong', '', T.v_advice));
      var names = s.closed_cash_windows.map(function (n) { return T.v_window_n.replace('{n}', n); }).join('、');
      line.appendChild(el('span', '', ' ' + T.v_advice_detail.replace('{service}', s.service + ' ' + (en ? s.name_en : s.name))
        .replace('{waiting}', s.waiting).replace('{longest}', s.longest_wait_minutes)
        .replace('{estimate}', s.estimated_wait_minutes).replace('{windows}', names)));
      s.closed_cash_windows.forEach(function (n) {
        var w = view.windows.filter(function (x) { return x.number === n; })[0];
        if (w) line.appendChild(button(T.act_open_plain + ' ' + w.name, 'small-btn primary', function () { act(w, 'open'); }, 'open-cash'));
      });
      advice.appendChild(line);
    });
    var help = $('floor-help');
    help.innerHTML = '';
    var overdue = board.help.filter(function (h) {
      return h.status === 'open' && S.minutesSince(h.created_at, serverNow()) >= board.help_unanswered_minutes;
    });
    help.hidden = overdue.length === 0;
    overdue.forEach(function (h) {
      var line = el('div', 'warning help-warning', T.f_help_unanswered.replace('{window}', h.window_name)
        .replace('{minutes}', S.minutes(S.minutesSince(h.created_at, serverNow()))) + (h.reason ? '（' + h.reason + '）' : ''));
      line.dataset.help = h.id;
      help.appendChild(line);
    });
  }

  function render() {
    if (board) renderWatch();
    var warnings = $('warnings');
    warnings.innerHTML = '';
    view.queues.filter(function (q) { return q.over_target || q.estimate_over_target; }).forEach(function (q) {
      var service = q.service + ' ' + (en ? q.name_en : q.name);
      var text = q.over_target
        ? T.over_target_warning.replace('{longest}', q.longest_wait_minutes)
        : T.estimate_over_target_warning.replace('{estimate}', q.estimated_wait_minutes);
      var warning = el('div', 'warning', text.replace('{service}', service).replace('{target}', q.target_wait_minutes));
      warning.dataset.service = q.service;
      warnings.appendChild(warning);
    });

    var qbody = $('floor-queues');
    qbody.innerHTML = '';
    view.queues.forEach(function (q) {
      var tr = el('tr', q.over_target || q.estimate_over_target ? 'over' : '');
      tr.dataset.service = q.service;
      var name = el('td');
      name.appendChild(el('span', 'prefix', q.service));
      name.appendChild(document.createTextNode(' ' + (en ? q.name_en : q.name)));
      tr.appendChild(name);
      tr.appendChild(el('td', 'num waiting', String(q.waiting)));
      tr.appendChild(el('td', 'num', q.waiting ? q.longest_wait_minutes + ' ' + T.min : '—'));
      tr.appendChild(el('td', 'num', q.waiting ? q.estimated_wait_minutes + ' ' + T.min : '—'));
      tr.appendChild(el('td', 'num', q.target_wait_minutes + ' ' + T.min));
      var open = view.windows.filter(function (w) { return w.state === 'open' && w.services.indexOf(q.service) >= 0; }).length;
      tr.appendChild(el('td', 'num', String(open)));
      qbody.appendChild(tr);
    });

    var grid = $('floor-windows');
    grid.innerHTML = '';
    view.windows.forEach(function (w) {
      var card = el('div', 'floor-card state-' + w.state + (w.kind === 'si_cash' ? ' si-cash' : ''));
      card.dataset.window = w.number;
      var head = el('div', 'floor-card-head');
      head.appendChild(el('span', 'floor-name', w.name));
      if (needsCashTag(w)) head.appendChild(el('span', 'tag si', T.si_cash));
      head.appendChild(el('span', 'floor-state', T['state_' + w.state] + ' · ' + since(w.state_since)));
      card.appendChild(head);
      if (w.state === 'paused' && w.pause_reason) card.appendChild(el('div', 'floor-reason', T.pause_reason + '：' + w.pause_reason));
      card.appendChild(el('div', 'floor-staff', w.signed_in ? w.signed_in.display_name + ' · ' + T.signed_in_since + ' ' + since(w.signed_in.since) : T.nobody_signed_in));
      var t = w.current_ticket;
      card.appendChild(el('div', 'floor-ticket', t ? t.number + ' · ' + (t.status === 'serving' ? T.status_serving : T.status_called) : '—'));
      card.appendChild(el('div', 'floor-services', w.services.map(function (c) { return c + ' ' + serviceName(c); }).join(' › ')));
      var ops = el('div', 'floor-ops');
      if (w.state === 'closed') ops.appendChild(button(T.act_open_plain, 'small-btn primary', function () { act(w, 'open'); }, 'open'));
      if (w.state === 'open') ops.appendChild(button(T.act_pause_plain, null, function () { openPause(w); }, 'pause'));
      if (w.state === 'paused') ops.appendChild(button(T.act_resume_plain, null, function () { act(w, 'resume'); }, 'resume'));
      if (w.state !== 'closed') ops.appendChild(button(T.act_close_plain, null, function () { act(w, 'close'); }, 'close'));
      ops.appendChild(button(T.edit_services, null, function () { openServices(w); }, 'services'));
      if (w.signed_in) ops.appendChild(button(T.force_sign_out, 'small-btn warn', function () {
        if (confirm(T.force_sign_out_confirm.replace('{name}', w.signed_in.display_name))) act(w, 'sign-out');
      }, 'sign-out'));
      card.appendChild(ops);
      grid.appendChild(card);
    });

    var log = $('floor-log');
    log.innerHTML = '';
    view.log.forEach(function (entry) {
      var li = el('li');
      li.appendChild(el('span', 'log-time', S.time(entry.at, view.timezone, true)));
      var what = (T['log_' + entry.kind] || entry.kind).replace('{window}', entry.window);
      if (entry.pause_reason && entry.kind === 'window_paused') what += '（' + entry.pause_reason + '）';
      li.appendChild(el('span', 'log-what', what));
      li.appendChild(el('span', 'log-by', entry.by ? T.by + ' ' + entry.by : ''));
      log.appendChild(li);
    });
  }

  function openPause(w) {
    pauseTarget = w;
    var box = $('pause-reasons');
    box.innerHTML = '';
    view.pause_reasons.forEach(function (r) {
      box.appendChild(button(r, 'reason-btn', function () { $('pause-dialog').close(); act(w, 'pause', { reason: r }); }));
    });
    $('pause-other').value = '';
    $('pause-dialog').showModal();
  }

  function openServices(w) {
    editTarget = w;
    $('services-title').textContent = w.name + ' · ' + T.edit_services;
    var list = $('services-list');
    list.innerHTML = '';
    var ordered = w.services.concat(view.services.map(function (s) { return s.code; }).filter(function (c) { return w.services.indexOf(c) < 0; }));
    ordered.forEach(function (code) {
      var li = el('li', 'service-edit-row');
      li.dataset.code = code;
      var box = el('input');
      box.type = 'checkbox';
      box.checked = w.services.indexOf(code) >= 0;
      var label = el('label');
      label.appendChild(box);
      label.appendChild(document.createTextNode(' ' + code + ' ' + serviceName(code)));
      li.appendChild(label);
      li.appendChild(button('↑', 'small-btn', function () { if (li.previousElementSibling) list.insertBefore(li, li.previousElementSibling); }));
      li.appendChild(button('↓', 'small-btn', function () { if (li.nextElementSibling) list.insertBefore(li.nextElementSibling, li); }));
      list.appendChild(li);
    });
    $('services-dialog').showModal();
  }

  function saveServices(e) {
    e.preventDefault();
    var codes = Array.prototype.filter.call($('services-list').children, function (li) {
      return li.querySelector('input').checked;
    }).map(function (li) { return li.dataset.code; });
    $('services-dialog').close();
    S.api('PUT', '/windows/' + editTarget.id + '/services', { services: codes })
      .then(function () { S.toast(T.done_ok, 'ok'); load(); })
      .catch(function (err) { S.toast(S.describe(err)); });
  }

  function loadKiosks() {
    S.api('GET', '/halls/' + encodeURIComponent(hall) + '/kiosks').then(function (list) {
      var box = $('kiosk-list');
      box.innerHTML = '';
      list.forEach(function (k) {
        var li = el('li', 'kiosk-row' + (k.revoked_at ? ' revoked' : ''));
        li.appendChild(el('span', 'kiosk-name', k.name));
        li.appendChild(el('span', 'muted', k.revoked_at ? T.kiosk_revoked
          : k.last_seen_at ? T.kiosk_seen + ' ' + S.dateTime(k.last_seen_at, view ? view.timezone : S.config.timezone) : T.kiosk_never_seen));
        if (!k.revoked_at) li.appendChild(button(T.kiosk_revoke, 'small-btn warn', function () {
          S.api('DELETE', '/halls/' + encodeURIComponent(hall) + '/kiosks/' + k.id).then(loadKiosks)
            .catch(function (err) { S.toast(S.describe(err)); });
        }));
        box.appendChild(li);
      });
    }).catch(function () { /* the floor itself reports access problems */ });
  }

  // Today's bookings (预约): who is due when, who has checked in and with which number.
  function loadBookings() {
    S.api('GET', '/halls/' + encodeURIComponent(hall) + '/appointments').then(function (list) {
      var body = $('floor-bookings');
      body.innerHTML = '';
      list.forEach(function (b) {
        var tr = el('tr', 'booking-' + b.status);
        tr.dataset.code = b.code;
        tr.appendChild(el('td', '', b.start + '–' + b.end));
        tr.appendChild(el('td', '', b.service + ' ' + (en ? b.service_name_en : b.service_name)));
        tr.appendChild(el('td', '', b.name_masked + ' ' + b.phone_masked));
        tr.appendChild(el('td', '', T['b_status_' + b.status] || b.status));
        tr.appendChild(el('td', '', b.ticket_number || ''));
        body.appendChild(tr);
      });
      $('floor-bookings-none').hidden = list.length > 0;
    }).catch(function () { /* the floor itself reports access problems */ });
  }

  function registerKiosk(e) {
    e.preventDefault();
    S.api('POST', '/halls/' + encodeURIComponent(hall) + '/kiosks', { name: $('kiosk-name').value })
      .then(function (k) {
        $('kiosk-name').value = '';
        var setup = $('kiosk-setup');
        setup.hidden = false;
        setup.textContent = T.kiosk_setup_once + ' ' + location.origin + k.setup_url;
        loadKiosks();
      }).catch(function (err) { S.toast(S.describe(err)); });
  }

  function init() {
    $('kiosk-form').onsubmit = registerKiosk;
    $('services-form').onsubmit = saveServices;
    $('services-cancel').onclick = function () { $('services-dialog').close(); };
    $('pause-form').onsubmit = function (e) {
      e.preventDefault();
      var reason = $('pause-other').value.trim();
      $('pause-dialog').close();
      act(pauseTarget, 'pause', reason ? { reason: reason } : {});
    };
    $('pause-cancel').onclick = function () { $('pause-dialog').close(); };
    $('sign-out').onclick = S.logout;
    S.signIn().then(function (me) {
      $('who').textContent = me.display_name;
      $('sign-out').hidden = false;
      $('floor').hidden = false;
      load();
      loadKiosks();
      loadBookings();
      var stream = new window.HallStream(hall, {
        onSnapshot: scheduleLoad,
        onEvent: function (e) {
          scheduleLoad();
          if (e.type === 'appointments_changed' || (e.ticket && e.ticket.priority === 'appointment')) loadBookings();
        },
        onConnection: function (connected) {
          $('connection').hidden = connected;
          document.body.classList.toggle('offline', !connected);
        }
      });
      stream.start();
      // Waits grow by themselves; refresh the minutes now and then without hammering.
      setInterval(function () { if (view) render(); }, 15000);
      setInterval(load, 60000);
    }).catch(function (err) { S.toast(S.describe(err)); });
  }

  window.hallqFloor = { get view() { return view; } };
  init();
})();
