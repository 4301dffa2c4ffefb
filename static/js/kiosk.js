// Kiosk (取号机): big tiles per service, green channel, online diversion before issuing, the
// issued ticket with its QR, printing through a hidden frame, and back to the start by itself.
// Queue figures follow the hall's websocket, refreshed at most every few seconds.
(function () {
  'use strict';

  var H = window.hallq;
  var config = H.config;
  var T = H.T;
  var en = config.lang === 'en';
  var services = config.services;
  var green = false;
  var pending = null;      // the service chosen on the online screen
  var lastTicket = null;
  var returnTimer = null;
  var refreshTimer = null;
  var lastRefresh = 0;
  var busy = false;
  var configChanged = false;  // administration changed services, hours or settings
  var REFRESH_GAP_MS = 3000;
  var $ = H.$;
  var el = H.el;

  function show(screen) {
    ['start', 'online', 'ticket', 'message', 'checkin'].forEach(function (name) {
      $('screen-' + name).hidden = name !== screen;
    });
    document.body.dataset.screen = screen;
  }

  // 今日办公时间 08:30–12:00　13:30–17:30, on the start screen and the closed / 停止取号 screens.
  function hoursLine() {
    var hours = config.hours || [];
    if (!hours.length) return T.k_hours_today + ' ' + T.k_closed_today;
    if (hours.length === 1 && hours[0] === '00:00–24:00') return T.k_hours_today + ' ' + T.k_all_day;
    return T.k_hours_today + ' ' + hours.join('　');
  }

  // 约 12 分钟, or 无需等待 when nobody is ahead.
  function waitText(waiting, minutes) {
    return waiting === 0 ? T.k_no_wait : T.k_about + ' ' + minutes + ' ' + T.minutes;
  }

  function renderTiles() {
    var box = $('tiles');
    box.innerHTML = '';
    services.forEach(function (s) {
      var tile = el('button', 'kiosk-tile');
      tile.type = 'button';
      tile.dataset.service = s.code;
      var served = s.open_windows > 0 && config.status.open;
      tile.disabled = !served;
      tile.appendChild(el('span', 'tile-code', s.code));
      tile.appendChild(el('span', 'tile-name', s.name));
      if (s.hint) tile.appendChild(el('span', 'tile-hint', s.hint));
      var figures = el('span', 'tile-figures');
      if (served) {
        figures.appendChild(el('span', 'tile-waiting', T.k_waiting + ' ' + s.waiting + (T.k_people ? ' ' + T.k_people : '')));
        figures.appendChild(el('span', 'tile-wait', waitText(s.waiting, s.estimated_wait_minutes)));
      } else {
        figures.appendChild(el('span', 'tile-off', T.k_not_open));
      }
      tile.appendChild(figures);
      tile.onclick = function () { choose(s); };
      box.appendChild(tile);
    });
    $('hours').textContent = hoursLine();
    var banner = $('closed-banner');
    banner.hidden = config.status.open;
    if (!config.status.open) {
      banner.textContent = T.k_closed + (config.status.next_opening ? ' · ' + T.k_next_opening + ' ' + formatTime(config.status.next_opening) : '');
    }
  }

  function formatTime(iso) {
    var d = new Date(Date.parse(iso));
    return new Intl.DateTimeFormat(en ? 'en-GB' : 'zh-CN', {
      timeZone: config.timezone, month: en ? 'short' : 'long', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23'
    }).format(d);
  }

  function setGreen(on) {
    green = on;
    $('green').setAttribute('aria-pressed', on ? 'true' : 'false');
    $('green').classList.toggle('on', on);
    document.querySelector('.kiosk-prompt').textContent = on ? T.k_green_on : T.k_choose;
  }

  function choose(service) {
    if (service.online) {
      pending = service;
      $('online-service').textContent = service.code + ' · ' + service.name;
      $('online-text').textContent = service.online;
      $('go-online').textContent = service.online_button || T.k_online_go;
      show('online');
      armReturn(config.returnSeconds * 3);
      return;
    }
    issue(service);
  }

  function issue(service) {
    if (busy) return;
    busy = true;
    var body = { service: service.code, channel: 'kiosk' };
    if (green) body.priority = 'green';
    H.api('POST', '/halls/' + encodeURIComponent(config.hall) + '/tickets', body).then(function (ticket) {
      lastTicket = ticket;
      setGreen(false);
      showTicket(ticket);
    }).catch(function (err) {
      var title = T['err_' + err.error] || T.k_error;
      var text = '';
      if (err.next_opening) text = T.k_next_opening + ' ' + formatTime(err.next_opening);
      message(title, text, err.error === 'hall_closed' || err.error === 'cutoff');
    }).then(function () { busy = false; scheduleRefresh(); });
  }

  function showTicket(ticket) {
    $('issued-number').textContent = ticket.number;
    $('issued-number').dataset.number = ticket.number;
    $('issued-service').textContent = ticket.service + ' · ' + (en ? ticket.service_name_en : ticket.service_name) + (ticket.priority === 'green' ? ' · ' + T.k_green : '');
    $('issued-ahead').textContent = ticket.ahead + (T.k_people ? ' ' + T.k_people : '');
    $('issued-wait').textContent = waitText(ticket.ahead, ticket.estimated_wait_minutes);
    $('issued-qr').src = '/t/' + ticket.token + '/qr.svg';
    show('ticket');
    print(ticket);
    armReturn(config.returnSeconds);
  }

  function print(ticket) {
    // The printable page prints itself once loaded; the kiosk browser runs in kiosk-printing
    // mode so no dialog shows (see docs/taxpayers.md).
    $('print-frame').src = '/t/' + ticket.token + '/print?paper=80&autoprint=1';
  }

  function message(title, text, withHours) {
    $('message-title').textContent = title;
    $('message-text').textContent = text;
    $('message-hours').textContent = hoursLine();
    $('message-hours').hidden = !withHours;
    show('message');
    armReturn(config.returnSeconds);
  }

  function armReturn(seconds) {
    clearInterval(returnTimer);
    var left = seconds;
    $('countdown').textContent = '(' + left + ')';
    returnTimer = setInterval(function () {
      left -= 1;
      $('countdown').textContent = '(' + left + ')';
      if (left <= 0) reset();
    }, 1000);
  }

  function reset() {
    clearInterval(returnTimer);
    returnTimer = null;
    pending = null;
    setGreen(false);
    $('print-frame').removeAttribute('src');
    // The next person is greeted in Chinese, whatever the last one chose.
    if (en) { location.replace(location.pathname + '?lang=zh'); return; }
    if (configChanged) { location.reload(); return; }
    show('start');
    scheduleRefresh();
  }

  // A visitor who switched to English and walked away: back to Chinese after a while untouched.
  var englishIdle = null;
  function armEnglishReturn() {
    if (!en) return;
    clearTimeout(englishIdle);
    englishIdle = setTimeout(function () {
      if (document.body.dataset.screen === 'start' && !busy) reset();
      else armEnglishReturn();
    }, config.returnSeconds * 3 * 1000);
  }
  document.addEventListener('pointerdown', armEnglishReturn, true);

  // Queue figures: refreshed after events, but never more than once every few seconds.
  function scheduleRefresh() {
    if (refreshTimer) return;
    var wait = Math.max(0, lastRefresh + REFRESH_GAP_MS - Date.now());
    refreshTimer = setTimeout(refresh, wait);
  }

  function refresh() {
    refreshTimer = null;
    lastRefresh = Date.now();
    H.api('GET', '/halls/' + encodeURIComponent(config.hall) + '/services')
      .then(function (list) {
        H.mergeFigures(services, list);
        if (document.body.dataset.screen === 'start') renderTiles();
      }).catch(function () { /* keep the last figures */ });
  }

  // The server's time (the stream keeps the offset), in the hall's timezone.
  function tick() {
    $('clock').textContent = new Intl.DateTimeFormat('zh-CN', {
      timeZone: config.timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23'
    }).format(new Date(stream ? stream.serverNow() : Date.now()));
  }

  $('green').onclick = function () { setGreen(!green); };

  // 预约签到: the booking code and the mobile number typed on the screen's own keys (a kiosk
  // has no keyboard), then the appointment ticket, shown and printed like any other.
  var checkin = { field: 'code', code: '', phone: '' };
  var CODE_KEYS = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  function renderCheckin() {
    $('ci-code').textContent = checkin.code;
    $('ci-phone').textContent = checkin.phone;
    $('ci-code-field').classList.toggle('active', checkin.field === 'code');
    $('ci-phone-field').classList.toggle('active', checkin.field === 'phone');
    var keys = $('ci-keys');
    keys.innerHTML = '';
    var set = checkin.field === 'code' ? CODE_KEYS.split('') : '1234567890'.split('');
    keys.className = 'ci-keys ' + (checkin.field === 'code' ? 'letters' : 'digits');
    set.concat(['⌫']).forEach(function (k) {
      var b = el('button', 'ci-key', k);
      b.type = 'button';
      b.dataset.key = k;
      b.onclick = function () { press(k); };
      keys.appendChild(b);
    });
    $('ci-go').disabled = checkin.code.length !== 8 || checkin.phone.length !== 11;
  }
  function press(k) {
    var f = checkin.field;
    var max = f === 'code' ? 8 : 11;
    if (k === '⌫') checkin[f] = checkin[f].slice(0, -1);
    else if (checkin[f].length < max) checkin[f] += k;
    // A full code moves on to the number.
    if (f === 'code' && checkin.code.length === 8 && k !== '⌫') checkin.field = 'phone';
    $('ci-error').textContent = '';
    renderCheckin();
    armReturn(config.returnSeconds * 3);
  }
  $('ci-code-field').onclick = function () { checkin.field = 'code'; renderCheckin(); };
  $('ci-phone-field').onclick = function () { checkin.field = 'phone'; renderCheckin(); };
  $('check-in').hidden = !config.bookable;
  $('check-in').onclick = function () {
    checkin = { field: 'code', code: '', phone: '' };
    $('ci-error').textContent = '';
    renderCheckin();
    show('checkin');
    armReturn(config.returnSeconds * 3);
  };
  $('ci-back').onclick = reset;
  $('ci-go').onclick = function () {
    if (busy) return;
    busy = true;
    H.api('POST', '/appointments/' + encodeURIComponent(checkin.code) + '/check-in', { phone: checkin.phone, channel: 'kiosk' })
      .then(function (ticket) { lastTicket = ticket; showTicket(ticket); })
      .catch(function (err) {
        if (err.error === 'already_checked_in' && err.ticket) { lastTicket = err.ticket; showTicket(err.ticket); return; }
        var text = T['err_' + err.error] || T.k_error;
        if (err.error === 'too_early' && err.check_in_from) text += ' (' + formatTime(err.check_in_from) + ')';
        $('ci-error').textContent = text;
        armReturn(config.returnSeconds * 3);
      }).then(function () { busy = false; });
  };
  // 返回: a wrong tap goes back without recording anything.
  $('online-back').onclick = reset;
  $('go-online').onclick = function () {
    var service = pending;
    H.api('POST', '/halls/' + encodeURIComponent(config.hall) + '/diversions', { service: service.code, channel: 'kiosk', target: 'online' })
      .then(function () { message(T.k_thanks_online, service.online); })
      .catch(function () { reset(); });
  };
  $('take-anyway').onclick = function () { var s = pending; pending = null; issue(s); };
  $('done').onclick = reset;
  $('message-ok').onclick = reset;
  $('print-again').onclick = function () { if (lastTicket) { print(lastTicket); armReturn(config.returnSeconds); } };
  $('device-mark').hidden = config.registered;

  var stream = new window.HallStream(config.hall, {
    onSnapshot: function () { scheduleRefresh(); },
    onEvent: function (e, fresh) {
      if (e.type === 'print_requested') {
        // A volunteer sent a ticket here: claim it with this kiosk's device cookie and print.
        if (fresh && config.kiosk && e.print.kiosk === config.kiosk) {
          H.api('POST', '/kiosk-prints/' + e.print.id + '/claim').then(print).catch(function () { /* printed elsewhere */ });
        }
      } else if (e.type === 'hall_configured') {
        // New tiles, hours or settings: reload now if nobody is using the kiosk, else after.
        configChanged = true;
        if (document.body.dataset.screen === 'start' && !busy) location.reload();
      } else if (e.type.indexOf('window_') === 0) {
        // A window opening or closing changes which services are served now.
        scheduleRefresh();
      } else if (e.type.indexOf('ticket_') === 0) {
        scheduleRefresh();
      }
    }
  });
  window.hallqKiosk = { get lastTicket() { return lastTicket; }, reset: reset };
  renderTiles();
  show('start');
  armEnglishReturn();
  tick();
  setInterval(tick, 5000);
  // A kiosk runs for days: reload now and then while idle, for opening hours and new settings.
  setInterval(function () { if (document.body.dataset.screen === 'start' && !busy) location.reload(); }, 30 * 60 * 1000);
  stream.start();
})();
