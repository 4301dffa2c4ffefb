// Volunteer tablet (志愿者服务): every queue live with its trend and alert, windows' calls for
// help (take, done), the cash-window advice, and four helpers for the person in front of you:
// take a ticket, check a booking in, record a diversion, look a number up. Reads the board
// (GET /halls/{hall}/board) again on every hall event; sounds once for a new alert or call.
(function () {
  'use strict';

  var S = window.hallqStaff;
  var T = S.T;
  var $ = S.$;
  var el = S.el;
  var hall = S.config.hall;
  var en = S.config.lang === 'en';
  var enc = encodeURIComponent;
  var TARGETS = ['online', 'wechat_alipay', 'self_service', 'bank', 'other'];

  var me = null;
  var board = null;
  var offset = 0;
  var sounds = 0;
  var divertService = null;

  function serverNow() { return Date.now() + offset; }
  function fill(text, values) {
    return Object.keys(values).reduce(function (t, k) { return t.split('{' + k + '}').join(values[k]); }, text || '');
  }
  function serviceLabel(s) { return s.service + ' ' + (en ? s.name_en : s.name); }

  function chime() {
    sounds += 1;
    var audio = $('chime');
    try { audio.currentTime = 0; audio.play().catch(function () {}); } catch (e) { /* no sound */ }
  }

  var reload = S.reloader(function () {
    return S.api('GET', '/halls/' + enc(hall) + '/board').then(function (b) {
      offset = Date.parse(b.server_time) - Date.now();
      board = b;
      render();
    });
  }, 200);
  var load = reload.now;
  var scheduleLoad = reload.soon;

  function button(text, cls, onclick) {
    var b = el('button', cls || 'act', text);
    b.type = 'button';
    b.onclick = onclick;
    return b;
  }

  function renderAdvice() {
    var box = $('advice');
    box.innerHTML = '';
    var advised = board.services.filter(function (s) { return s.advise_cash_windows; });
    box.hidden = advised.length === 0;
    advised.forEach(function (s) {
      var line = el('div', 'advice-line');
      line.appendChild(el('strong', '', T.v_advice));
      var windows = s.closed_cash_windows.map(function (n) { return fill(T.v_window_n, { n: n }); }).join('、');
      line.appendChild(el('span', '', ' ' + fill(T.v_advice_detail, {
        service: serviceLabel(s), waiting: s.waiting, longest: s.longest_wait_minutes,
        estimate: s.estimated_wait_minutes, windows: windows
      })));
      if (me && (me.role === 'manager' || me.role === 'admin')) {
        var link = el('a', 'small-btn primary', T.v_advice_open);
        link.href = '/floor/' + enc(hall);
        line.appendChild(link);
      }
      box.appendChild(line);
    });
  }

  function renderHelp() {
    var list = $('help-list');
    list.innerHTML = '';
    var active = board.help.filter(function (h) { return h.status === 'open' || h.status === 'taken'; });
    $('help-none').hidden = active.length > 0;
    active.forEach(function (h) {
      // Overdue by the clock now, not only as of the last read of the board.
      var overdue = h.status === 'open' && S.minutesSince(h.created_at, serverNow()) >= board.help_unanswered_minutes;
      var li = el('li', 'help-card help-' + h.status + (overdue ? ' overdue' : ''));
      li.dataset.help = h.id;
      var head = el('div', 'help-head');
      head.appendChild(el('strong', 'help-window', fill(T.v_help_window, { window: h.window_name })));
      var age = S.minutesSince(h.created_at, serverNow());
      head.appendChild(el('span', 'help-age', age < 1 ? T.v_just_now : fill(T.v_help_ago, { minutes: S.minutes(age) })));
      li.appendChild(head);
      if (h.reason) li.appendChild(el('div', 'help-reason', h.reason));
      if (overdue) li.appendChild(el('div', 'help-overdue', T.v_help_overdue));
      var foot = el('div', 'help-foot');
      if (h.status === 'open') {
        foot.appendChild(button(T.v_help_take, 'act primary help-take', function () { helpAction(h, 'take'); }));
      } else {
        foot.appendChild(el('span', 'help-taker', fill(T.v_help_taken_by, { name: h.taken_by || '' })));
        if (me && (h.taken_by === me.display_name || me.role === 'manager' || me.role === 'admin')) {
          foot.appendChild(button(T.v_help_done, 'act help-done', function () { helpAction(h, 'done'); }));
        }
      }
      li.appendChild(foot);
      list.appendChild(li);
    });
  }

  function helpAction(h, action) {
    S.api('POST', '/help-requests/' + h.id + '/' + action).then(function () { load(); })
      .catch(function (err) {
        S.toast(err.taken_by ? fill(T.v_help_taken_by, { name: err.taken_by }) : S.describe(err));
        load();
      });
  }

  function renderBoard() {
    var grid = $('board');
    grid.innerHTML = '';
    board.services.forEach(function (s) {
      var card = el('div', 'v-card' + (s.alert ? ' alert' : '') + (s.waiting && s.longest_wait_minutes > s.target_wait_minutes ? ' over' : ''));
      card.dataset.service = s.service;
      var head = el('div', 'v-card-head');
      head.appendChild(el('span', 'prefix', s.service));
      head.appendChild(el('span', 'v-card-name', en ? s.name_en : s.name));
      if (s.alert) head.appendChild(el('span', 'tag alert-tag', T.v_alert));
      card.appendChild(head);
      var figures = el('div', 'v-card-figures');
      var waiting = el('div', 'v-waiting');
      waiting.appendChild(el('span', 'v-big', String(s.waiting)));
      waiting.appendChild(el('span', 'v-unit', T.v_people || ''));
      figures.appendChild(waiting);
      figures.appendChild(el('div', 'v-trend trend-' + s.trend, T['v_trend_' + s.trend]));
      card.appendChild(figures);
      var facts = el('dl', 'v-facts');
      var fact = function (label, value, cls) {
        facts.appendChild(el('dt', '', label));
        facts.appendChild(el('dd', cls || '', value));
      };
      fact(T.longest_wait, s.waiting ? S.minutes(s.longest_wait_minutes) + ' / ' + S.minutes(s.target_wait_minutes) : '—',
        s.waiting && s.longest_wait_minutes > s.target_wait_minutes ? 'over' : '');
      fact(T.estimated_wait, s.waiting ? S.minutes(s.estimated_wait_minutes) : '—');
      fact(T.open_windows, s.open_windows ? fill(T.v_open_windows_n, { n: s.open_windows }) : T.v_no_windows, s.open_windows ? '' : 'over');
      card.appendChild(facts);
      grid.appendChild(card);
    });
    $('diversion-counts').textContent = board.diversions.map(function (d) {
      return T['v_target_' + d.target] + ' ' + d.count;
    }).join(' · ');
    $('open-check-in').hidden = !board.appointments;
  }

  function render() {
    renderAdvice();
    renderHelp();
    renderBoard();
  }

  // Dialogs.
  function openDialog(id) {
    Array.prototype.forEach.call(document.querySelectorAll('#' + id + ' .error-line'), function (e) { e.textContent = ''; });
    $(id).showModal();
  }

  function serviceButtons(box, onpick) {
    box.innerHTML = '';
    board.services.forEach(function (s) {
      var b = button(serviceLabel(s), 'act v-choice', function () { onpick(s); });
      b.dataset.service = s.service;
      box.appendChild(b);
    });
  }

  function openIssue() {
    $('issue-choose').hidden = false;
    $('issue-result').hidden = true;
    $('issue-green').checked = false;
    serviceButtons($('issue-services'), function (s) {
      var body = { service: s.service, channel: 'volunteer' };
      if ($('issue-green').checked) body.priority = 'green';
      S.api('POST', '/halls/' + enc(hall) + '/tickets', body).then(function (t) {
        $('issue-choose').hidden = true;
        $('issue-result').hidden = false;
        $('issue-number').textContent = t.number;
        $('issue-service').textContent = serviceLabel(s) + (t.priority === 'green' ? ' · ' + T.k_green : '');
        $('issue-qr').src = '/t/' + enc(t.token) + '/qr.svg';
        $('issue-ahead').textContent = fill(T.v_ahead, { n: t.ahead }) + ' · ' + fill(T.v_estimate, { minutes: S.minutes(t.estimated_wait_minutes) });
        var kiosks = $('issue-kiosks');
        kiosks.innerHTML = '';
        $('issue-print').hidden = board.kiosks.length === 0;
        board.kiosks.forEach(function (k) {
          var b = button(k.name, 'act v-choice', function () {
            S.api('POST', '/tickets/' + enc(t.token) + '/print', { kiosk: k.id }).then(function () {
              S.toast(fill(T.v_print_sent, { kiosk: k.name }), 'ok');
            }).catch(function (err) { $('issue-error').textContent = S.describe(err); });
          });
          b.dataset.kiosk = k.id;
          kiosks.appendChild(b);
        });
      }).catch(function (err) { $('issue-error').textContent = S.describe(err); });
    });
    openDialog('issue-dialog');
  }

  function checkIn(code) {
    return S.api('POST', '/appointments/' + enc(code) + '/check-in', {}).then(showCheckedIn, function (err) {
      if (err.error === 'already_checked_in' && err.ticket) return showCheckedIn(err.ticket);
      var text = S.describe(err);
      if (err.check_in_from) text += ' (' + S.time(err.check_in_from, board.timezone) + ')';
      $('check-in-error').textContent = text;
    });
  }

  function showCheckedIn(ticket) {
    $('check-in-list').innerHTML = '';
    $('check-in-pick').hidden = true;
    $('check-in-result').hidden = false;
    $('check-in-number').textContent = ticket.number;
  }

  function submitCheckIn(e) {
    e.preventDefault();
    $('check-in-error').textContent = '';
    $('check-in-result').hidden = true;
    var text = $('check-in-text').value.replace(/[\s-]/g, '').toUpperCase();
    if (!/^1\d{10}$/.test(text)) { checkIn(text); return; }
    S.api('GET', '/halls/' + enc(hall) + '/appointments?phone=' + enc(text)).then(function (list) {
      var open = list.filter(function (b) { return b.status === 'booked' || b.status === 'checked_in'; });
      var box = $('check-in-list');
      box.innerHTML = '';
      if (!open.length) { $('check-in-error').textContent = T.v_no_booking; return; }
      $('check-in-pick').hidden = false;
      open.forEach(function (b) {
        var label = b.start + '–' + b.end + ' ' + b.service + ' ' + (en ? b.service_name_en : b.service_name) + ' · ' + b.name_masked;
        var choice = button(label, 'act v-choice', function () { checkIn(b.code); });
        choice.dataset.code = b.code;
        box.appendChild(choice);
      });
    }).catch(function (err) { $('check-in-error').textContent = S.describe(err); });
  }

  function openCheckIn() {
    $('check-in-text').value = '';
    $('check-in-list').innerHTML = '';
    $('check-in-pick').hidden = true;
    $('check-in-result').hidden = true;
    openDialog('check-in-dialog');
    $('check-in-text').focus();
  }

  function openDivert() {
    divertService = null;
    $('divert-step2').hidden = true;
    $('divert-note').value = '';
    serviceButtons($('divert-services'), function (s) {
      divertService = s;
      Array.prototype.forEach.call($('divert-services').children, function (b) {
        b.classList.toggle('primary', b.dataset.service === s.service);
      });
      $('divert-step2').hidden = false;
    });
    var targets = $('divert-targets');
    targets.innerHTML = '';
    TARGETS.forEach(function (target) {
      var b = button(T['v_target_' + target], 'act v-choice', function () {
        var body = { service: divertService.service, channel: 'volunteer', target: target };
        var note = $('divert-note').value.trim();
        if (note) body.note = note;
        S.api('POST', '/halls/' + enc(hall) + '/diversions', body).then(function () {
          $('divert-dialog').close();
          S.toast(T.v_divert_saved, 'ok');
          load();
        }).catch(function (err) { $('divert-error').textContent = S.describe(err); });
      });
      b.dataset.target = target;
      targets.appendChild(b);
    });
    openDialog('divert-dialog');
  }

  function submitLookup(e) {
    e.preventDefault();
    $('lookup-error').textContent = '';
    $('lookup-result').hidden = true;
    var number = $('lookup-number').value.trim().toUpperCase();
    S.api('GET', '/halls/' + enc(hall) + '/tickets/lookup?number=' + enc(number)).then(function (r) {
      var t = r.ticket;
      $('lookup-result').hidden = false;
      $('lookup-title').textContent = t.number + ' · ' + t.service + ' ' + (en ? t.service_name_en : t.service_name);
      var status = T['t_status_' + t.status] || t.status;
      if (t.status === 'waiting' || t.status === 'transferred') {
        status += ' · ' + fill(T.v_ahead, { n: t.ahead }) + ' · ' + fill(T.v_estimate, { minutes: S.minutes(t.estimated_wait_minutes) });
      }
      $('lookup-status').textContent = T.v_status_now + '：' + status;
      var names = function (list) { return list.map(function (n) { return fill(T.v_window_n, { n: n }); }).join('、'); };
      $('lookup-where').textContent = t.window_number && (t.status === 'called' || t.status === 'serving')
        ? fill(T.v_go_to, { windows: names([t.window_number]) })
        : r.windows.length ? fill(T.v_served_at, { windows: names(r.windows) }) : T.v_no_window_now;
    }).catch(function (err) { $('lookup-error').textContent = S.describe(err); });
  }

  function onEvent(e, fresh) {
    scheduleLoad();
    if (!fresh) return;
    if (e.type === 'queue_alert_raised') {
      chime();
      S.toast(fill(T.v_alert_raised, { service: e.alert.service, waiting: e.alert.waiting }));
    } else if (e.type === 'help_requested') {
      chime();
      S.toast(fill(T.v_help_window, { window: fill(T.v_window_n, { n: e.help.window }) }));
    }
  }

  function init() {
    $('sign-out').onclick = S.logout;
    $('open-issue').onclick = openIssue;
    $('open-check-in').onclick = openCheckIn;
    $('open-divert').onclick = openDivert;
    $('open-lookup').onclick = function () {
      $('lookup-number').value = '';
      $('lookup-result').hidden = true;
      openDialog('lookup-dialog');
      $('lookup-number').focus();
    };
    $('check-in-form').onsubmit = submitCheckIn;
    $('lookup-form').onsubmit = submitLookup;
    Array.prototype.forEach.call(document.querySelectorAll('[data-close]'), function (b) {
      b.onclick = function () { $(b.dataset.close).close(); };
    });
    S.signIn().then(function (who) {
      me = who;
      $('who').textContent = who.display_name;
      $('sign-out').hidden = false;
      $('floor-link').hidden = !(who.role === 'manager' || who.role === 'admin');
      $('tablet').hidden = false;
      load();
      var stream = new window.HallStream(hall, {
        onSnapshot: scheduleLoad,
        onEvent: onEvent,
        onConnection: function (connected) {
          $('connection').hidden = connected;
          document.body.classList.toggle('offline', !connected);
        }
      });
      stream.start();
      // Waits and ages grow by themselves: redraw the minutes, and read the board now and then.
      setInterval(function () { if (board) render(); }, 10000);
      setInterval(load, 30000);
    }).catch(function (err) { S.toast(S.describe(err)); });
  }

  window.hallqVolunteer = { get board() { return board; }, get sounds() { return sounds; } };
  init();
})();
