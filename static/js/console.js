// Window console (窗口叫号台): sign in, pick a window, call and serve, live over the websocket.
// The server says which actions make sense now (`actions`); buttons follow it, and it refuses
// the rest with 409 anyway.
(function () {
  'use strict';

  var S = window.hallqStaff;
  var T = S.T;
  var $ = S.$;
  var el = S.el;

  var me = null;
  var windowId = null;
  var view = null;
  var offset = 0;           // server clock minus ours
  var busy = false;
  var loading = false;
  var reloadAgain = false;
  var reloadTimer = null;
  var stream = null;
  var autocall = { timer: null, deadline: 0 };

  function serverNow() { return Date.now() + offset; }

  function priorityLabel(p) {
    if (p === 'green') return T.priority_green;
    if (p === 'appointment') return T.priority_appointment;
    return T.priority_normal;
  }

  function serviceName(code) {
    var found = view && view.transfer_services.filter(function (s) { return s.code === code; })[0];
    if (!found) return code;
    return S.config.lang === 'en' ? found.name_en : found.name;
  }

  // ---------- loading ----------
  function load() {
    if (windowId === null) return Promise.resolve();
    if (loading) { reloadAgain = true; return Promise.resolve(); }
    loading = true;
    return S.api('GET', '/windows/' + windowId + '/console').then(function (v) {
      offset = Date.parse(v.server_time) - Date.now();
      if (me.role === 'staff' && (!v.signed_in || v.signed_in.user_id !== me.id)) {
        // Signed out elsewhere (another tab, or a manager forced it): back to the picker.
        S.toast(T.signed_out_elsewhere);
        leaveConsole();
        return;
      }
      view = v;
      render();
    }).catch(function (err) {
      S.toast(S.describe(err));
    }).then(function () {
      loading = false;
      if (reloadAgain) { reloadAgain = false; load(); }
    });
  }

  // At most one reload per 120 ms however fast events come (a debounce that restarts on every
  // event would never fire during a rush).
  function scheduleLoad() {
    if (reloadTimer) return;
    reloadTimer = setTimeout(function () { reloadTimer = null; load(); }, 120);
  }

  // ---------- rendering ----------
  function render() {
    var w = view.window;
    $('win-title').textContent = w.name + ' · ' + T['state_' + w.state];
    document.body.dataset.windowState = w.state;
    renderCurrent();
    renderActions();
    renderFigures();
    renderNoShows();
    renderQueues();
    renderWaiting();
  }

  function renderCurrent() {
    var box = $('current');
    box.innerHTML = '';
    var t = view.ticket;
    var w = view.window;
    if (!t) {
      box.className = 'current-card idle';
      var idle = w.state === 'closed' ? T.window_closed_hint
        : w.state === 'paused' ? T.window_paused_hint + (w.pause_reason ? '：' + w.pause_reason : '')
        : T.no_current_ticket;
      box.appendChild(el('div', 'current-idle', idle));
      box.dataset.number = '';
      return;
    }
    box.className = 'current-card status-' + t.status;
    box.dataset.number = t.number;
    var head = el('div', 'current-head');
    head.appendChild(el('span', 'current-number', t.number));
    var tags = el('span', 'current-tags');
    tags.appendChild(el('span', 'tag service', t.service + ' ' + serviceName(t.service)));
    if (t.priority !== 'normal') tags.appendChild(el('span', 'tag prio-' + t.priority, priorityLabel(t.priority)));
    tags.appendChild(el('span', 'tag status', t.status === 'serving' ? T.status_serving : T.status_called));
    head.appendChild(tags);
    box.appendChild(head);
    var facts = el('dl', 'current-facts');
    function fact(label, value, id) {
      facts.appendChild(el('dt', null, label));
      var dd = el('dd', null, value);
      if (id) dd.id = id;
      facts.appendChild(dd);
    }
    var waited = (Date.parse(t.called_at) - Date.parse(t.issued_at)) / 1000;
    fact(T.waited_for, S.duration(waited));
    fact(T.served_for, t.started_at ? S.duration((serverNow() - Date.parse(t.started_at)) / 1000) : '—', 'served-for');
    fact(T.recalls, t.recall_count + ' / ' + view.recall_limit);
    if (t.transfer_count > 0) fact(T.transfer_note, t.transfer_note || T.transferred_no_note);
    if (t.phone_masked) fact(T.contact, t.phone_masked);
    box.appendChild(facts);
  }

  function renderActions() {
    var allowed = view.actions;
    Array.prototype.forEach.call(document.querySelectorAll('#actions .act'), function (b) {
      var action = b.dataset.action;
      var ok = allowed.indexOf(action) >= 0;
      b.disabled = busy || !ok;
      // Pause and resume share a key; show the one that applies.
      if (action === 'resume') b.hidden = view.window.state !== 'paused';
      if (action === 'pause') b.hidden = view.window.state === 'paused';
      if (action === 'open') b.hidden = view.window.state !== 'closed';
      if (action === 'call_next') b.hidden = view.window.state === 'closed';
    });
  }

  function renderFigures() {
    var f = view.today;
    var box = $('figures');
    box.innerHTML = '';
    function figure(label, value) {
      var item = el('div', 'figure');
      item.appendChild(el('span', 'figure-value', value));
      item.appendChild(el('span', 'figure-label', label));
      box.appendChild(item);
    }
    figure(T.fig_served, String(f.served));
    figure(T.fig_handling, f.average_handling_seconds === null ? '—' : S.duration(f.average_handling_seconds));
    figure(T.fig_wait, f.average_wait_seconds === null ? '—' : S.duration(f.average_wait_seconds));
    figure(T.fig_no_shows, String(f.no_shows));
  }

  function renderNoShows() {
    var list = $('no-shows');
    list.innerHTML = '';
    if (!view.recent_no_shows.length) { list.appendChild(el('li', 'muted', T.none)); return; }
    view.recent_no_shows.forEach(function (n) {
      var li = el('li', 'no-show-row');
      li.appendChild(el('span', 'num', n.number));
      li.appendChild(el('span', 'muted', T.restorable_until + ' ' + S.time(n.restorable_until, view.timezone)));
      var b = el('button', 'small-btn', T.restore);
      b.type = 'button';
      b.dataset.restore = n.number;
      b.disabled = busy;
      b.onclick = function () { act('restore', { number: n.number }); };
      li.appendChild(b);
      list.appendChild(li);
    });
  }

  function renderQueues() {
    var box = $('queue-counts');
    box.innerHTML = '';
    view.queues.forEach(function (q) {
      var chip = el('div', 'queue-chip' + (q.over_target ? ' over' : ''));
      chip.dataset.service = q.service;
      chip.appendChild(el('span', 'q-code', q.service));
      chip.appendChild(el('span', 'q-name', S.config.lang === 'en' ? q.name_en : q.name));
      chip.appendChild(el('span', 'q-count', String(q.waiting)));
      chip.appendChild(el('span', 'q-longest', q.waiting ? T.longest + ' ' + q.longest_wait_minutes + T.min : ''));
      box.appendChild(chip);
    });
  }

  function renderWaiting() {
    $('waiting-total').textContent = '(' + view.waiting_total + ')';
    var body = $('waiting');
    body.innerHTML = '';
    var canCall = view.actions.indexOf('call_number') >= 0 && !busy;
    if (!view.waiting.length) {
      var empty = el('tr');
      var td = el('td', 'muted', T.nobody_waiting);
      td.colSpan = 5;
      empty.appendChild(td);
      body.appendChild(empty);
    }
    view.waiting.forEach(function (t) {
      var tr = el('tr', t.over_target ? 'over' : '');
      tr.dataset.number = t.number;
      tr.appendChild(el('td', 'num', t.number));
      tr.appendChild(el('td', null, t.service + ' ' + serviceName(t.service) + (t.transferred_here ? ' → ' + T.to_this_window : '')));
      tr.appendChild(el('td', 'prio-' + t.priority, priorityLabel(t.priority)));
      tr.appendChild(el('td', 'wait', S.minutesSince(t.issued_at, serverNow()) + ' ' + T.min));
      var cell = el('td');
      var b = el('button', 'small-btn', T.call_this);
      b.type = 'button';
      b.disabled = !canCall;
      b.onclick = function () { act('call_number', { number: t.number }); };
      cell.appendChild(b);
      tr.appendChild(cell);
      body.appendChild(tr);
    });
  }

  function tick() {
    if (!view) return;
    var t = view.ticket;
    var served = $('served-for');
    if (t && t.started_at && served) served.textContent = S.duration((serverNow() - Date.parse(t.started_at)) / 1000);
    Array.prototype.forEach.call(document.querySelectorAll('#waiting tr[data-number]'), function (tr, i) {
      var entry = view.waiting[i];
      if (entry) tr.querySelector('.wait').textContent = S.minutesSince(entry.issued_at, serverNow()) + ' ' + T.min;
    });
    if (autocall.timer) {
      var left = Math.max(0, Math.ceil((autocall.deadline - Date.now()) / 1000));
      $('autocall-countdown').textContent = T.autocall_in.replace('{n}', left);
    }
  }

  // ---------- actions ----------
  var PATHS = {
    call_next: 'call-next', call_number: 'call', recall: 'recall', start: 'start', finish: 'finish',
    no_show: 'no-show', transfer: 'transfer', pause: 'pause', resume: 'resume', open: 'open', restore: 'restore'
  };

  function act(action, body) {
    if (busy) return Promise.resolve();
    if (action !== 'call_next' || !autocall.firing) cancelAutocall();
    busy = true;
    if (view) render();
    return S.api('POST', '/windows/' + windowId + '/' + PATHS[action], body === undefined ? undefined : body)
      .then(function (res) {
        if (action === 'call_next' && res && res.ticket === null) S.toast(T.nobody_waiting, 'info');
        if (action === 'finish') startAutocall();
      })
      .catch(function (err) { S.toast(S.describe(err)); })
      .then(function () { busy = false; return load(); });
  }

  function press(action) {
    if (action === 'transfer') return openTransfer();
    if (action === 'pause') return openPause();
    return act(action);
  }

  function openTransfer() {
    var services = $('transfer-service');
    services.innerHTML = '';
    view.transfer_services.forEach(function (s) {
      var o = el('option', null, s.code + ' ' + (S.config.lang === 'en' ? s.name_en : s.name));
      o.value = s.code;
      services.appendChild(o);
    });
    var windows = $('transfer-window');
    windows.innerHTML = '';
    view.transfer_windows.forEach(function (w) {
      var o = el('option', null, w.name + ' · ' + T['state_' + w.state]);
      o.value = w.number;
      windows.appendChild(o);
    });
    $('transfer-note').value = '';
    $('transfer-dialog').showModal();
    services.focus();
  }

  function submitTransfer(e) {
    e.preventDefault();
    var target = document.querySelector('input[name="target"]:checked').value;
    var body = { note: $('transfer-note').value };
    if (target === 'service') body.service = $('transfer-service').value;
    else body.window = parseInt($('transfer-window').value, 10);
    $('transfer-dialog').close();
    act('transfer', body);
  }

  function openPause() {
    var box = $('pause-reasons');
    box.innerHTML = '';
    view.pause_reasons.forEach(function (r, i) {
      var b = el('button', 'reason-btn', (i + 1) + '. ' + r);
      b.type = 'button';
      b.dataset.reason = r;
      b.onclick = function () { $('pause-dialog').close(); act('pause', { reason: r }); };
      box.appendChild(b);
    });
    $('pause-other').value = '';
    $('pause-dialog').showModal();
  }

  function submitPause(e) {
    e.preventDefault();
    var reason = $('pause-other').value.trim();
    $('pause-dialog').close();
    act('pause', reason ? { reason: reason } : {});
  }

  // ---------- calling for help ----------
  var helpId = null;
  var helpDoneTimer = null;

  function askHelp(reason) {
    S.api('POST', '/windows/' + windowId + '/help', reason ? { reason: reason } : {}).then(function (h) {
      helpId = h.id;
      showHelp(h);
    }).catch(function (err) { S.toast(S.describe(err)); });
  }

  function openHelp() {
    var box = $('help-reasons');
    box.innerHTML = '';
    (S.config.help_reasons || []).forEach(function (r) {
      var b = el('button', 'reason-btn', r);
      b.type = 'button';
      b.dataset.reason = r;
      b.onclick = function () { $('help-dialog').close(); askHelp(r); };
      box.appendChild(b);
    });
    $('help-other').value = '';
    $('help-dialog').showModal();
  }

  // The window's own call for help as it stands: waiting, taken by whom, done.
  function showHelp(h) {
    var status = $('help-status');
    clearTimeout(helpDoneTimer);
    var active = h && (h.status === 'open' || h.status === 'taken');
    status.hidden = !h || h.status === 'cancelled';
    $('help-withdraw').hidden = !active;
    $('help-ask').hidden = !!active;
    if (!h) return;
    status.className = 'help-status help-' + h.status;
    status.textContent = h.status === 'open' ? T.c_help_open
      : h.status === 'taken' ? T.c_help_taken.replace('{name}', h.taken_by || '')
        : h.status === 'done' ? T.c_help_done : '';
    if (h.status === 'done') helpDoneTimer = setTimeout(function () { status.hidden = true; }, 15000);
  }

  function refreshHelp() {
    if (!view) return;
    var number = view.window.number;
    S.api('GET', '/halls/' + encodeURIComponent(me.hall_code || S.config.hall) + '/help-requests').then(function (list) {
      var mine = list.filter(function (h) { return h.window === number; })[0];
      // A finished call shows only when this console followed it.
      if (mine && mine.status !== 'open' && mine.status !== 'taken' && mine.id !== helpId) mine = null;
      helpId = mine ? mine.id : null;
      showHelp(mine || null);
    }).catch(function () { /* the console reports access problems itself */ });
  }

  // ---------- auto-call ----------
  function autocallKey() { return 'hallq.autocall.' + windowId; }

  function loadAutocall() {
    var saved = {};
    try { saved = JSON.parse(localStorage.getItem(autocallKey()) || '{}'); } catch (e) { saved = {}; }
    $('autocall-on').checked = !!saved.on;
    $('autocall-seconds').value = saved.seconds || 10;
  }

  function saveAutocall() {
    var seconds = Math.min(120, Math.max(3, parseInt($('autocall-seconds').value, 10) || 10));
    localStorage.setItem(autocallKey(), JSON.stringify({ on: $('autocall-on').checked, seconds: seconds }));
    if (!$('autocall-on').checked) cancelAutocall();
  }

  function startAutocall() {
    if (!$('autocall-on').checked) return;
    var seconds = Math.min(120, Math.max(3, parseInt($('autocall-seconds').value, 10) || 10));
    cancelAutocall();
    autocall.deadline = Date.now() + seconds * 1000;
    autocall.timer = setTimeout(function () {
      autocall.firing = true;
      var ready = view && view.actions.indexOf('call_next') >= 0;
      var done = ready ? act('call_next') : Promise.resolve();
      done.then(function () { autocall.firing = false; cancelAutocall(); });
    }, seconds * 1000);
    $('autocall-countdown').hidden = false;
    $('autocall-cancel').hidden = false;
    tick();
  }

  function cancelAutocall() {
    if (autocall.firing) return;
    clearTimeout(autocall.timer);
    autocall.timer = null;
    $('autocall-countdown').hidden = true;
    $('autocall-cancel').hidden = true;
  }

  // ---------- keyboard ----------
  function onKey(e) {
    if (e.key === 'Escape' && autocall.timer) { cancelAutocall(); return; }
    if (!view || e.ctrlKey || e.metaKey || e.altKey || S.inInput(e)) return;
    if (document.querySelector('dialog[open]')) {
      var pause = $('pause-dialog');
      var n = parseInt(e.key, 10);
      if (pause.open && n >= 1 && n <= view.pause_reasons.length) {
        e.preventDefault();
        pause.close();
        act('pause', { reason: view.pause_reasons[n - 1] });
      }
      return;
    }
    var key = e.key.toUpperCase();
    var button = Array.prototype.filter.call(document.querySelectorAll('#actions .act'), function (b) {
      return b.dataset.key === key && !b.hidden && !b.disabled;
    })[0];
    if (button) {
      e.preventDefault();
      press(button.dataset.action);
    }
  }

  // ---------- picker and sign-in ----------
  var autoEntered = false;
  function showPicker() {
    windowId = null;
    view = null;
    $('console').hidden = true;
    $('picker').hidden = false;
    $('win-title').textContent = '';
    var hall = me.hall_code || S.config.hall;
    S.api('GET', '/halls/' + encodeURIComponent(hall) + '/window-choices').then(function (list) {
      var box = $('picker-list');
      box.innerHTML = '';
      if (!list.length) box.appendChild(el('p', 'muted', T.no_windows_assigned));
      function takenByOther(w) { return !!w.signed_in && w.signed_in.user_id !== me.id; }
      // Staff assigned to exactly one window, free: straight to it.
      if (list.length === 1 && me.role === 'staff' && !takenByOther(list[0]) && !autoEntered) {
        autoEntered = true;
        enter(list[0]);
        return;
      }
      list.forEach(function (w) {
        var taken = takenByOther(w);
        var b = el('button', 'pick-btn state-' + w.state + (taken ? ' taken' : ''));
        b.type = 'button';
        b.dataset.window = w.number;
        b.appendChild(el('span', 'pick-name', w.name));
        b.appendChild(el('span', 'pick-services', w.services.join(' · ')));
        b.appendChild(el('span', 'pick-state', T['state_' + w.state]));
        b.appendChild(el('span', 'pick-holder' + (taken ? ' taken' : ''),
          w.signed_in ? T.held_by.replace('{name}', w.signed_in.display_name) : T.nobody_signed_in));
        b.disabled = taken;
        b.onclick = function () { enter(w); };
        box.appendChild(b);
      });
    }).catch(function (err) { S.toast(S.describe(err)); });
  }

  function enter(w) {
    S.api('POST', '/windows/' + w.id + '/sign-in').then(function () { openConsole(w.id); })
      .catch(function (err) { S.toast(S.describe(err)); showPicker(); });
  }

  function openConsole(id) {
    windowId = id;
    $('picker').hidden = true;
    $('console').hidden = false;
    history.replaceState(null, '', location.pathname + '?window=' + id);
    loadAutocall();
    load().then(refreshHelp);
    if (!stream) {
      stream = new window.HallStream(me.hall_code || S.config.hall, {
        onSnapshot: function () { scheduleLoad(); refreshHelp(); },
        onEvent: function (e) {
          scheduleLoad();
          if (e.help && view && e.help.window === view.window.number) refreshHelp();
        },
        onConnection: function (connected) {
          $('connection').hidden = connected;
          document.body.classList.toggle('offline', !connected);
          if (connected) scheduleLoad();
        }
      });
      stream.start();
    }
  }

  function leaveConsole() {
    cancelAutocall();
    history.replaceState(null, '', location.pathname);
    showPicker();
  }

  function signOut() {
    if (windowId === null || me.role !== 'staff') return S.logout();
    return S.api('POST', '/windows/' + windowId + '/sign-out')
      .then(function () { return S.logout(); })
      .catch(function (err) { S.toast(S.describe(err)); });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll('#actions .act'), function (b) {
      b.appendChild(el('kbd', null, b.dataset.key));
      b.onclick = function () { press(b.dataset.action); };
    });
    $('transfer-form').onsubmit = submitTransfer;
    $('transfer-cancel').onclick = function () { $('transfer-dialog').close(); };
    $('pause-form').onsubmit = submitPause;
    $('pause-cancel').onclick = function () { $('pause-dialog').close(); };
    $('autocall-on').onchange = saveAutocall;
    $('autocall-seconds').onchange = saveAutocall;
    $('autocall-cancel').onclick = cancelAutocall;
    $('help-ask').onclick = openHelp;
    $('help-cancel').onclick = function () { $('help-dialog').close(); };
    $('help-form').onsubmit = function (e) {
      e.preventDefault();
      $('help-dialog').close();
      askHelp($('help-other').value.trim());
    };
    $('help-withdraw').onclick = function () {
      if (helpId === null) return;
      S.api('POST', '/help-requests/' + helpId + '/cancel').then(showHelp)
        .catch(function (err) { S.toast(S.describe(err)); });
    };
    $('sign-out').onclick = signOut;
    document.addEventListener('keydown', onKey);
    setInterval(tick, 1000);

    S.signIn().then(function (who) {
      me = who;
      $('who').textContent = me.display_name;
      $('sign-out').hidden = false;
      var asked = parseInt(new URLSearchParams(location.search).get('window'), 10);
      if (me.signed_in_window) openConsole(me.signed_in_window.id);
      else if (asked && me.role !== 'staff') openConsole(asked);
      else showPicker();
    }).catch(function (err) { S.toast(S.describe(err)); });
  }

  window.hallqConsole = { get view() { return view; }, act: act, press: press };
  init();
})();
