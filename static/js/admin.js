// Administration (系统管理): halls, hours, calendar, services, windows, accounts, devices,
// settings, the audit log and one's own password. Every change goes through the JSON API, so
// its checks and messages are the only ones; errors show in the page's language.
(function () {
  'use strict';

  var S = window.hallqStaff;
  var T = S.T;
  var $ = S.$;
  var el = S.el;
  var config = S.config;
  var hall = config.hall;
  var en = config.lang === 'en';
  var me = null;

  function enc(s) { return encodeURIComponent(s); }
  function form(id) { return $(id).elements; }
  function num(v) { return v === '' || v === null || v === undefined ? null : Number(v); }
  function ok(text) { S.toast(text || T.a_saved, 'ok'); }
  function fail(err) { S.toast(S.describe(err)); }
  function button(text, cls, onclick) {
    var b = el('button', cls || 'small-btn', text);
    b.type = 'button';
    b.onclick = onclick;
    return b;
  }
  function cell(tr, text, cls) { var td = el('td', cls || '', text); tr.appendChild(td); return td; }
  function roleName(role) { return T['a_role_' + role] || role; }
  function closeOn(dialog) {
    Array.prototype.forEach.call(dialog.querySelectorAll('[data-close]'), function (b) {
      b.onclick = function () { dialog.close(); };
    });
  }

  // ------------------------------------------------------------------ home: halls

  function home() {
    S.api('GET', '/halls').then(function (halls) {
      // A manager has one hall: straight there.
      if (me.role !== 'admin' && me.hall_code) { location.replace('/admin/halls/' + enc(me.hall_code)); return; }
      var list = $('hall-list');
      list.innerHTML = '';
      halls.forEach(function (h) {
        var li = el('li', 'admin-list-item');
        var a = el('a', 'hall-link', (en ? h.name_en : h.name) + ' (' + h.code + ')');
        a.href = '/admin/halls/' + enc(h.code);
        li.appendChild(a);
        list.appendChild(li);
      });
      $('no-halls').hidden = halls.length > 0;
      $('create-hall-panel').hidden = me.role !== 'admin';
      form('create-hall').timezone.value = config.server_timezone;
    }).catch(fail);
    loadAdmins();
    $('create-admin').onsubmit = function (e) {
      e.preventDefault();
      var f = form('create-admin');
      S.api('POST', '/users', { username: f.username.value.trim(), display_name: f.display_name.value, role: 'admin' }).then(function (r) {
        f.username.value = f.display_name.value = '';
        showPassword(r.username, r.password);
        loadAdmins();
      }).catch(fail);
    };
    $('create-hall').onsubmit = function (e) {
      e.preventDefault();
      var f = form('create-hall');
      var body = { code: f.code.value.trim(), name: f.name.value.trim() };
      if (f.name_en.value.trim()) body.name_en = f.name_en.value.trim();
      if (f.timezone.value.trim()) body.timezone = f.timezone.value.trim();
      if (f.address.value.trim()) body.address = f.address.value.trim();
      S.api('POST', '/halls', body).then(function (h) {
        location.href = '/admin/halls/' + enc(h.code) + '#checklist';
      }).catch(fail);
    };
  }

  // Accounts that span every hall (admins), on the home page of an admin.
  function loadAdmins() {
    if (me.role !== 'admin') return;
    $('admins-panel').hidden = false;
    S.api('GET', '/users').then(function (list) {
      var body = $('admin-rows');
      body.innerHTML = '';
      list.filter(function (a) { return a.role === 'admin'; }).forEach(function (a) {
        var tr = el('tr', a.disabled ? 'inactive' : '');
        tr.dataset.user = a.username;
        cell(tr, a.username);
        cell(tr, a.display_name);
        cell(tr, a.disabled ? T.a_disabled : T.a_enabled, a.disabled ? 'muted' : '');
        var td = cell(tr, '', 'row-actions');
        if (a.username !== me.username) {
          td.appendChild(button(T.a_reset_password, 'small-btn', function () {
            if (!confirm(T.a_reset_confirm.replace('{name}', a.display_name))) return;
            S.api('PUT', '/users/' + enc(a.username), { reset_password: true })
              .then(function (r) { showPassword(r.username, r.password); }).catch(fail);
          }));
          td.appendChild(button(a.disabled ? T.a_enable : T.a_disable, 'small-btn' + (a.disabled ? '' : ' warn'), function () {
            if (!a.disabled && !confirm(T.a_disable_confirm.replace('{name}', a.display_name))) return;
            S.api('PUT', '/users/' + enc(a.username), { disabled: !a.disabled }).then(loadAdmins).catch(fail);
          }));
        }
        body.appendChild(tr);
      });
    }).catch(fail);
  }

  // ------------------------------------------------------------------ hall page

  var setup = null;
  var editing = null;     // the service or window or account the open dialog edits

  function loadSetup() {
    return S.api('GET', '/halls/' + enc(hall) + '/setup').then(function (s) {
      setup = s;
      renderChecklist();
      renderHall();
      renderHours(s.hours);
      renderServices();
      renderWindows();
      renderSettings();
    });
  }

  function renderChecklist() {
    var box = $('checklist-items');
    box.innerHTML = '';
    var links = { hours: '#hours', services: '#services', windows: '#windows', staff: '#accounts', window_open: '/floor/' + enc(hall) };
    setup.checklist.forEach(function (c) {
      var li = el('li', 'check-item ' + (c.done ? 'done' : 'todo') + (c.required ? ' required' : ''));
      li.dataset.item = c.item;
      li.appendChild(el('span', 'check-mark', c.done ? '✓' : (c.required ? '✗' : '○')));
      var a = el('a', '', T['a_check_' + c.item]);
      a.href = links[c.item];
      li.appendChild(a);
      box.appendChild(li);
    });
    var line = $('ready-line');
    line.textContent = setup.ready_to_issue ? T.a_ready : T.a_not_ready;
    line.className = 'ready-line ' + (setup.ready_to_issue ? 'ready' : 'not-ready');
  }

  function renderHall() {
    var f = form('hall-form');
    var h = setup.hall;
    f.code.value = h.code;
    f.name.value = h.name;
    f.name_en.value = h.name_en;
    f.timezone.value = h.timezone;
    f.address.value = h.address || '';
    f.notice.value = h.notice || '';
    $('hall-title').textContent = en ? h.name_en : h.name;
  }

  $('hall-form') && ($('hall-form').onsubmit = function (e) {
    e.preventDefault();
    var f = form('hall-form');
    S.api('PUT', '/halls/' + enc(hall), {
      name: f.name.value, name_en: f.name_en.value, timezone: f.timezone.value,
      address: f.address.value.trim() || null, notice: f.notice.value
    }).then(function () { ok(); return loadSetup(); }).catch(fail);
  });

  // Hours: one row a weekday, each with its periods as pairs of time inputs.
  function periodInputs(td, p) {
    var span = el('span', 'period');
    // Text, not type=time: a hall open until midnight writes 24:00, which a time field refuses.
    function clock(cls, value, hint) {
      var input = el('input');
      input.className = cls;
      input.value = value;
      input.placeholder = hint;
      input.maxLength = 5;
      input.size = 5;
      input.inputMode = 'numeric';
      return input;
    }
    var a = clock('opens', p ? p.opens : '', '08:30');
    var b = clock('closes', p ? p.closes : '', '12:00');
    span.appendChild(a);
    span.appendChild(el('span', 'dash', '–'));
    span.appendChild(b);
    span.appendChild(button('×', 'small-btn remove-period', function () { span.remove(); }));
    td.insertBefore(span, td.querySelector('.add-period'));
  }

  function renderHours(hours) {
    var body = $('hours-rows');
    body.innerHTML = '';
    hours.weekdays.forEach(function (d) {
      var tr = el('tr');
      tr.dataset.weekday = d.weekday;
      cell(tr, T['a_weekday_' + d.weekday], 'weekday');
      var td = cell(tr, '', 'periods');
      td.appendChild(button(T.a_add_period, 'small-btn add-period', function () { periodInputs(td, null); }));
      d.periods.forEach(function (p) { periodInputs(td, p); });
      body.appendChild(tr);
    });
  }

  function readHours() {
    var weekdays = [];
    Array.prototype.forEach.call($('hours-rows').children, function (tr) {
      var periods = [];
      Array.prototype.forEach.call(tr.querySelectorAll('.period'), function (span) {
        var opens = span.querySelector('.opens').value.trim();
        var closes = span.querySelector('.closes').value.trim();
        if (opens || closes) periods.push({ opens: opens, closes: closes });
      });
      weekdays.push({ weekday: Number(tr.dataset.weekday), periods: periods });
    });
    return { weekdays: weekdays };
  }

  if ($('hours-form')) {
    $('hours-form').onsubmit = function (e) {
      e.preventDefault();
      S.api('PUT', '/halls/' + enc(hall) + '/hours', readHours())
        .then(function (h) { renderHours(h); ok(); return loadSetup(); }).catch(fail);
    };
    $('usual-hours').onclick = function () {
      var usual = [{ opens: '08:30', closes: '12:00' }, { opens: '13:30', closes: '17:30' }];
      var hours = { weekdays: [1, 2, 3, 4, 5, 6, 7].map(function (d) { return { weekday: d, periods: d <= 5 ? usual : [] }; }) };
      renderHours(hours);
    };
  }

  // Calendar.
  function loadCalendar() {
    return S.api('GET', '/halls/' + enc(hall) + '/calendar').then(function (c) { renderCalendar(c.days); });
  }

  function renderCalendar(days) {
    var body = $('calendar-rows');
    body.innerHTML = '';
    days.forEach(function (d) {
      var tr = el('tr');
      tr.dataset.date = d.date;
      cell(tr, d.date);
      cell(tr, d.kind === 'holiday' ? T.a_holiday : T.a_workday, 'kind-' + d.kind);
      cell(tr, d.note || '');
      var td = cell(tr, '');
      td.appendChild(button(T.a_remove, 'small-btn warn', function () {
        S.api('DELETE', '/halls/' + enc(hall) + '/calendar/' + d.date).then(function () { ok(); loadCalendar(); }).catch(fail);
      }));
      body.appendChild(tr);
    });
    $('calendar-empty').hidden = days.length > 0;
  }

  if ($('calendar-form')) {
    $('calendar-form').onsubmit = function (e) {
      e.preventDefault();
      var f = form('calendar-form');
      var body = { text: f.text.value, kind: f.kind.value };
      if (f.note.value.trim()) body.note = f.note.value.trim();
      S.api('POST', '/halls/' + enc(hall) + '/calendar', body).then(function (r) {
        f.text.value = '';
        ok(T.a_calendar_saved.replace('{n}', r.saved));
        renderCalendar(r.days);
      }).catch(fail);
    };
    // A CSV file is read here and sent as text: the server has one parser for both.
    $('calendar-file').onchange = function () {
      var file = this.files[0];
      if (!file) return;
      var reader = new FileReader();
      reader.onload = function () { form('calendar-form').text.value = String(reader.result); };
      reader.readAsText(file, 'utf-8');
    };
  }

  // Services.
  function renderServices() {
    var body = $('service-rows');
    body.innerHTML = '';
    var list = setup.services;
    list.forEach(function (s, i) {
      var tr = el('tr', s.active ? '' : 'inactive');
      tr.dataset.service = s.code;
      var order = cell(tr, '', 'order');
      var up = button('↑', 'small-btn', function () { moveService(s, s.position - 1); });
      up.title = T.a_move_up; up.disabled = i === 0;
      var down = button('↓', 'small-btn', function () { moveService(s, s.position + 1); });
      down.title = T.a_move_down; down.disabled = i === list.length - 1;
      order.appendChild(up);
      order.appendChild(down);
      cell(tr, s.code, 'prefix-cell');
      cell(tr, en ? s.name_en : s.name);
      cell(tr, String(s.target_wait_minutes), 'num');
      cell(tr, String(s.typical_handling_minutes), 'num');
      cell(tr, s.appointments ? '✓' : '');
      cell(tr, s.active ? T.a_active : T.a_inactive, s.active ? '' : 'muted');
      cell(tr, '').appendChild(button(T.a_edit, 'small-btn', function () { openService(s); }));
      body.appendChild(tr);
    });
  }

  function moveService(s, position) {
    S.api('PUT', '/halls/' + enc(hall) + '/services/' + enc(s.code), { position: position })
      .then(function () { return loadSetup(); }).catch(fail);
  }

  function openService(s) {
    editing = s;
    var f = form('service-form');
    $('service-title').textContent = s ? T.a_edit_service + ' ' + s.code : T.a_new_service;
    f.code.value = s ? s.code : '';
    f.code.disabled = !!s;
    f.name.value = s ? s.name : '';
    f.name_en.value = s ? s.name_en : '';
    f.hint.value = s && s.hint ? s.hint : '';
    f.hint_en.value = s && s.hint_en ? s.hint_en : '';
    f.target_wait_minutes.value = s ? s.target_wait_minutes : 20;
    f.typical_handling_minutes.value = s ? s.typical_handling_minutes : 8;
    f.appointments.checked = s ? s.appointments : false;
    f.active.checked = s ? s.active : true;
    var online = s && s.online;
    f.online_zh.value = online ? online.zh : '';
    f.online_en.value = online ? online.en : '';
    f.button_zh.value = online && online.button_zh ? online.button_zh : '';
    f.button_en.value = online && online.button_en ? online.button_en : '';
    $('service-error').textContent = '';
    $('service-dialog').showModal();
  }

  if ($('service-form')) {
    closeOn($('service-dialog'));
    $('new-service').onclick = function () { openService(null); };
    $('service-form').onsubmit = function (e) {
      e.preventDefault();
      var f = form('service-form');
      var body = {
        name: f.name.value, name_en: f.name_en.value, hint: f.hint.value.trim() || null, hint_en: f.hint_en.value.trim() || null,
        target_wait_minutes: num(f.target_wait_minutes.value), typical_handling_minutes: num(f.typical_handling_minutes.value),
        appointments: f.appointments.checked, active: f.active.checked,
        online: f.online_zh.value.trim() ? {
          zh: f.online_zh.value.trim(), en: f.online_en.value.trim(),
          button_zh: f.button_zh.value.trim() || undefined, button_en: f.button_en.value.trim() || undefined
        } : null
      };
      var call = editing
        ? S.api('PUT', '/halls/' + enc(hall) + '/services/' + enc(editing.code), body)
        : S.api('POST', '/halls/' + enc(hall) + '/services', Object.assign({ code: f.code.value.trim().toUpperCase() }, body));
      call.then(function () { $('service-dialog').close(); ok(); return loadSetup(); })
        .catch(function (err) { $('service-error').textContent = S.describe(err); });
    };
  }

  // Windows.
  function renderWindows() {
    var body = $('window-rows');
    body.innerHTML = '';
    setup.windows.forEach(function (w) {
      var tr = el('tr', w.active ? '' : 'inactive');
      tr.dataset.window = w.number;
      cell(tr, String(w.number), 'num-cell');
      cell(tr, w.name);
      cell(tr, w.kind === 'si_cash' ? T.a_kind_si_cash : T.a_kind_general);
      cell(tr, w.services.join(' → '));
      cell(tr, w.active ? (T['state_' + w.state] || w.state) : T.a_inactive, w.active ? '' : 'muted');
      cell(tr, '').appendChild(button(T.a_edit, 'small-btn', function () { openWindow(w); }));
      body.appendChild(tr);
    });
  }

  // The window's services: the chosen ones first in calling order (with ↑), then the rest.
  var chosen = [];
  function renderWindowServices() {
    var box = $('window-services');
    box.innerHTML = '';
    var all = setup.services.filter(function (s) { return s.active || chosen.indexOf(s.code) >= 0; });
    if (!all.length) { box.appendChild(el('li', 'muted', T.a_no_services_to_pick)); return; }
    var ordered = chosen.slice();
    all.forEach(function (s) { if (ordered.indexOf(s.code) < 0) ordered.push(s.code); });
    ordered.forEach(function (code, i) {
      var s = all.filter(function (x) { return x.code === code; })[0];
      if (!s) return;
      var li = el('li', 'service-pick');
      var label = el('label');
      var box2 = el('input'); box2.type = 'checkbox'; box2.value = code; box2.checked = chosen.indexOf(code) >= 0;
      box2.onchange = function () {
        if (box2.checked) chosen.push(code); else chosen = chosen.filter(function (c) { return c !== code; });
        renderWindowServices();
      };
      label.appendChild(box2);
      label.appendChild(document.createTextNode(' ' + code + ' ' + (en ? s.name_en : s.name)));
      li.appendChild(label);
      var at = chosen.indexOf(code);
      if (at > 0) li.appendChild(button('↑', 'small-btn', function () {
        chosen.splice(at, 1); chosen.splice(at - 1, 0, code); renderWindowServices();
      }));
      box.appendChild(li);
    });
  }

  function openWindow(w) {
    editing = w;
    var f = form('window-form');
    $('window-title').textContent = w ? T.a_edit_window + ' ' + w.number : T.a_new_window;
    var next = setup.windows.reduce(function (m, x) { return Math.max(m, x.number); }, 0) + 1;
    f.number.value = w ? w.number : next;
    f.name.value = w ? w.name : '';
    f.name.placeholder = T.a_default_window_name;
    f.kind.value = w ? w.kind : 'general';
    f.active.checked = w ? w.active : true;
    chosen = w ? w.services.slice() : [];
    renderWindowServices();
    $('window-error').textContent = '';
    $('window-dialog').showModal();
  }

  if ($('window-form')) {
    closeOn($('window-dialog'));
    $('new-window').onclick = function () { openWindow(null); };
    $('window-form').onsubmit = function (e) {
      e.preventDefault();
      var f = form('window-form');
      var body = { number: num(f.number.value), kind: f.kind.value, services: chosen.slice(), active: f.active.checked };
      if (f.name.value.trim()) body.name = f.name.value.trim();
      var call = editing
        ? S.api('PUT', '/windows/' + editing.id, body)
        : S.api('POST', '/halls/' + enc(hall) + '/windows', body);
      call.then(function () { $('window-dialog').close(); ok(); return Promise.all([loadSetup(), loadAccounts()]); })
        .catch(function (err) { $('window-error').textContent = S.describe(err); });
    };
  }

  // Accounts.
  var accounts = [];
  function loadAccounts() {
    return S.api('GET', '/users?hall=' + enc(hall)).then(function (list) { accounts = list; renderAccounts(); });
  }

  function showPassword(username, password) {
    var box = $('password-once');
    box.hidden = false;
    box.innerHTML = '';
    box.appendChild(el('span', '', T.a_password_once + ' ' + username + ' → '));
    box.appendChild(el('code', 'once-password', password));
  }

  function renderAccounts() {
    var body = $('account-rows');
    body.innerHTML = '';
    accounts.forEach(function (a) {
      var tr = el('tr', a.disabled ? 'inactive' : '');
      tr.dataset.user = a.username;
      cell(tr, a.username);
      cell(tr, a.display_name);
      cell(tr, roleName(a.role));
      cell(tr, a.windows.join(', '));
      cell(tr, a.disabled ? T.a_disabled : T.a_enabled, a.disabled ? 'muted' : '');
      var td = cell(tr, '', 'row-actions');
      var self = me && me.username === a.username;
      td.appendChild(button(T.a_edit, 'small-btn', function () { openAccount(a); }));
      td.appendChild(button(T.a_reset_password, 'small-btn', function () {
        if (!confirm(T.a_reset_confirm.replace('{name}', a.display_name))) return;
        S.api('PUT', '/users/' + enc(a.username), { reset_password: true })
          .then(function (r) { showPassword(r.username, r.password); loadAccounts(); }).catch(fail);
      }));
      if (!self) {
        td.appendChild(button(a.disabled ? T.a_enable : T.a_disable, 'small-btn' + (a.disabled ? '' : ' warn'), function () {
          if (!a.disabled && !confirm(T.a_disable_confirm.replace('{name}', a.display_name))) return;
          S.api('PUT', '/users/' + enc(a.username), { disabled: !a.disabled })
            .then(function () { ok(); loadAccounts(); return loadSetup(); }).catch(fail);
        }));
      }
      body.appendChild(tr);
    });
  }

  function openAccount(a) {
    editing = a;
    var f = form('account-form');
    $('account-title').textContent = a ? T.a_edit_account + ' ' + a.username : T.a_new_account;
    f.username.value = a ? a.username : '';
    f.username.disabled = !!a;
    f.display_name.value = a ? a.display_name : '';
    var roles = me.role === 'admin' ? ['staff', 'volunteer', 'manager'] : ['staff', 'volunteer'];
    var select = $('account-role');
    select.innerHTML = '';
    roles.forEach(function (r) { var o = el('option', '', roleName(r)); o.value = r; select.appendChild(o); });
    select.value = a ? a.role : 'staff';
    select.disabled = a && me.username === a.username;
    $('account-password-label').hidden = !!a;
    f.password.value = '';
    var box = $('account-windows');
    box.innerHTML = '';
    var windows = setup.windows.filter(function (w) { return w.active; });
    if (!windows.length) box.appendChild(el('span', 'muted', T.a_no_windows_to_pick));
    windows.forEach(function (w) {
      var label = el('label', 'check');
      var c = el('input'); c.type = 'checkbox'; c.value = w.number; c.checked = !!a && a.windows.indexOf(w.number) >= 0;
      label.appendChild(c);
      label.appendChild(document.createTextNode(' ' + w.number));
      box.appendChild(label);
    });
    $('account-error').textContent = '';
    $('account-dialog').showModal();
  }

  if ($('account-form')) {
    closeOn($('account-dialog'));
    $('new-account').onclick = function () { openAccount(null); };
    $('account-form').onsubmit = function (e) {
      e.preventDefault();
      var f = form('account-form');
      var windows = Array.prototype.filter.call($('account-windows').querySelectorAll('input'), function (c) { return c.checked; })
        .map(function (c) { return Number(c.value); });
      var body = { display_name: f.display_name.value, windows: windows };
      if (!$('account-role').disabled) body.role = $('account-role').value;
      var call;
      if (editing) {
        call = S.api('PUT', '/users/' + enc(editing.username), body);
      } else {
        body.username = f.username.value.trim();
        body.hall = hall;
        if (f.password.value) body.password = f.password.value;
        call = S.api('POST', '/users', body);
      }
      call.then(function (r) {
        $('account-dialog').close();
        if (r.password) showPassword(r.username, r.password); else ok();
        loadAccounts();
        return loadSetup();
      }).catch(function (err) { $('account-error').textContent = S.describe(err); });
    };
  }

  // Devices: kiosks and displays, one list.
  function loadDevices() {
    return S.api('GET', '/halls/' + enc(hall) + '/kiosks').then(function (list) {
      var box = $('device-list');
      box.innerHTML = '';
      list.forEach(function (k) {
        var li = el('li', 'kiosk-row' + (k.revoked_at ? ' revoked' : ''));
        li.appendChild(el('span', 'device-kind', k.kind === 'display' ? T.a_device_display : T.a_device_kiosk));
        li.appendChild(el('span', 'kiosk-name', k.name));
        li.appendChild(el('span', 'muted', k.revoked_at ? T.a_revoked
          : k.last_seen_at ? T.a_last_seen + ' ' + S.dateTime(k.last_seen_at, config.timezone) : T.a_never_seen));
        if (!k.revoked_at) li.appendChild(button(T.a_revoke, 'small-btn warn', function () {
          S.api('DELETE', '/halls/' + enc(hall) + '/kiosks/' + k.id).then(loadDevices).catch(fail);
        }));
        box.appendChild(li);
      });
    });
  }

  if ($('device-form')) {
    $('device-form').onsubmit = function (e) {
      e.preventDefault();
      var f = form('device-form');
      S.api('POST', '/halls/' + enc(hall) + '/kiosks', { name: f.name.value, kind: f.kind.value }).then(function (k) {
        f.name.value = '';
        var p = $('device-setup');
        p.hidden = false;
        p.textContent = T.a_setup_link_once + ' ' + location.origin + k.setup_url;
        loadDevices();
      }).catch(fail);
    };
  }

  // Settings: the whole object is sent back with the fields of this form changed, so guides
  // set on services stay.
  var NUMBERS = ['remote_cap', 'almost_turn_ahead', 'cutoff_margin_minutes', 'kiosk_return_seconds'];
  var OPTIONAL = ['stop_issuing_minutes_before_close', 'recall_limit', 'no_show_grace_minutes'];
  var WATCH = ['waiting', 'longest_wait_minutes', 'estimated_wait_minutes'];
  var BOOKING = ['slot_minutes', 'places_per_slot', 'walk_in_share_percent', 'horizon_working_days', 'per_week',
    'change_deadline_minutes', 'no_show_limit', 'no_show_window_days', 'block_days', 'check_in_before_minutes',
    'check_in_grace_minutes', 'keep_personal_days'];
  function renderSettings() {
    var f = form('settings-form');
    var s = setup.settings;
    f.remote_issue.checked = s.remote_issue;
    f.require_phone.checked = s.require_phone;
    NUMBERS.concat(OPTIONAL).forEach(function (k) { f[k].value = s[k] === null || s[k] === undefined ? '' : s[k]; });
    var bk = s.appointments || {};
    f.bk_same_day.checked = !!bk.same_day;
    f.bk_id_number.value = bk.id_number || 'off';
    var watch = s.watch || {};
    var th = watch.thresholds || {};
    WATCH.forEach(function (k) { f['w_' + k].value = th[k] === null || th[k] === undefined ? '' : th[k]; });
    f.w_clear_percent.value = watch.clear_percent || '';
    f.w_help_unanswered_minutes.value = watch.help_unanswered_minutes || '';
    var rows = $('watch-services');
    rows.innerHTML = '';
    setup.services.filter(function (sv) { return sv.active; }).forEach(function (sv) {
      var own = (watch.services || {})[sv.code] || {};
      var tr = document.createElement('tr');
      tr.dataset.service = sv.code;
      var name = document.createElement('td');
      name.textContent = sv.code + ' ' + sv.name;
      tr.appendChild(name);
      WATCH.forEach(function (k) {
        var td = document.createElement('td');
        var input = document.createElement('input');
        input.type = 'number';
        input.min = 1;
        input.dataset.key = k;
        input.value = own[k] === null || own[k] === undefined ? '' : own[k];
        td.appendChild(input);
        tr.appendChild(td);
      });
      rows.appendChild(tr);
    });
    BOOKING.forEach(function (k) { f['bk_' + k].value = bk[k] === undefined ? '' : bk[k]; });
  }

  if ($('settings-form')) {
    $('settings-form').onsubmit = function (e) {
      e.preventDefault();
      var f = form('settings-form');
      var s = Object.assign({}, setup.settings);
      s.remote_issue = f.remote_issue.checked;
      s.require_phone = f.require_phone.checked;
      NUMBERS.forEach(function (k) { s[k] = num(f[k].value) || 0; });
      OPTIONAL.forEach(function (k) { s[k] = num(f[k].value); });
      s.appointments = Object.assign({}, s.appointments || {});
      s.appointments.same_day = f.bk_same_day.checked;
      s.appointments.id_number = f.bk_id_number.value;
      s.watch = Object.assign({}, s.watch || {});
      s.watch.thresholds = {};
      WATCH.forEach(function (k) { s.watch.thresholds[k] = num(f['w_' + k].value); });
      s.watch.clear_percent = num(f.w_clear_percent.value) || 80;
      s.watch.help_unanswered_minutes = num(f.w_help_unanswered_minutes.value) || 3;
      s.watch.services = {};
      Array.prototype.forEach.call($('watch-services').children, function (tr) {
        var own = {};
        var any = false;
        Array.prototype.forEach.call(tr.querySelectorAll('input'), function (input) {
          var v = num(input.value);
          own[input.dataset.key] = v;
          if (v !== null) any = true;
        });
        if (any) s.watch.services[tr.dataset.service] = own;
      });
      BOOKING.forEach(function (k) { s.appointments[k] = num(f['bk_' + k].value) || 0; });
      S.api('PUT', '/halls/' + enc(hall) + '/settings', s).then(function () { ok(); return loadSetup(); }).catch(fail);
    };
  }

  function hallPage() {
    Promise.all([loadSetup(), loadCalendar(), loadAccounts(), loadDevices()]).then(function () {
      if (location.hash) {
        var target = document.querySelector(location.hash);
        if (target) target.scrollIntoView();
      }
    }).catch(fail);
  }

  // ------------------------------------------------------------------ audit log

  function auditPage() {
    var oldest = null;
    var params = new URLSearchParams(location.search);
    var f = form('audit-filter');
    ['hall', 'actor', 'kind', 'from', 'to'].forEach(function (k) { if (params.get(k)) f[k].value = params.get(k); });
    S.api('GET', '/halls').then(function (halls) {
      var select = $('audit-hall');
      halls.forEach(function (h) { var o = el('option', '', en ? h.name_en : h.name); o.value = h.code; select.appendChild(o); });
      if (params.get('hall')) select.value = params.get('hall');
      if (me.role !== 'admin') { select.value = me.hall_code || ''; select.disabled = true; }
      load(false);
    }).catch(fail);

    function summary(before, after) {
      if (before === null && after === null) return '';
      if (before === null || typeof before !== 'object' || after === null || typeof after !== 'object' || Array.isArray(after)) {
        return (before === null ? '' : JSON.stringify(before) + ' → ') + (after === null ? '∅' : JSON.stringify(after));
      }
      var parts = [];
      Object.keys(after).forEach(function (k) {
        if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) parts.push(k + ': ' + JSON.stringify(before[k]) + ' → ' + JSON.stringify(after[k]));
      });
      return parts.join('；');
    }

    function load(more) {
      var q = [];
      ['hall', 'actor', 'kind', 'from', 'to'].forEach(function (k) { if (f[k].value) q.push(k + '=' + enc(f[k].value)); });
      if (more && oldest !== null) q.push('before=' + oldest);
      S.api('GET', '/audit' + (q.length ? '?' + q.join('&') : '')).then(function (r) {
        var body = $('audit-rows');
        if (!more) body.innerHTML = '';
        r.entries.forEach(function (a) {
          var tr = el('tr');
          tr.dataset.kind = a.kind;
          cell(tr, S.dateTime(a.at, config.timezone));
          cell(tr, a.hall || '');
          cell(tr, a.actor);
          cell(tr, T['kind_' + a.kind] || a.kind);
          cell(tr, a.target);
          cell(tr, a.before === null && a.after !== null && typeof a.after === 'object' && !Array.isArray(a.after)
            ? Object.keys(a.after).map(function (k) { return k + ': ' + JSON.stringify(a.after[k]); }).join('；')
            : summary(a.before, a.after), 'change-cell');
          cell(tr, a.address);
          body.appendChild(tr);
          oldest = a.id;
        });
        $('audit-empty').hidden = body.children.length > 0;
        $('audit-more').hidden = r.entries.length < 200;
      }).catch(fail);
    }

    $('audit-filter').onsubmit = function (e) { e.preventDefault(); oldest = null; load(false); };
    $('audit-more').onclick = function () { load(true); };
  }

  // ------------------------------------------------------------------ own password

  function passwordPage() {
    $('password-form').onsubmit = function (e) {
      e.preventDefault();
      var f = form('password-form');
      $('password-error').textContent = '';
      if (f.new.value !== f.again.value) { $('password-error').textContent = T.a_passwords_differ; return; }
      S.api('POST', '/auth/password', { current: f.current.value, new: f.new.value }).then(function () {
        f.current.value = f.new.value = f.again.value = '';
        ok(T.a_password_changed);
      }).catch(function (err) { $('password-error').textContent = S.describe(err); });
    };
  }

  S.signIn().then(function (who) {
    me = who;
    $('who').textContent = who.display_name + ' · ' + roleName(who.role);
    $('sign-out').hidden = false;
    $('sign-out').onclick = S.logout;
    $('page').hidden = false;
    if (config.page === 'home') home();
    else if (config.page === 'hall') hallPage();
    else if (config.page === 'audit') auditPage();
    else if (config.page === 'password') passwordPage();
    else if (config.page === 'reports' && window.hallqReports) window.hallqReports.start();
    else if (config.page === 'live' && window.hallqDashboard) window.hallqDashboard.start();
    else if (config.page === 'plan' && window.hallqPlan) window.hallqPlan.start();
  }).catch(fail);
})();
