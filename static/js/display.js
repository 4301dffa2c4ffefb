// Hall display (综合显示屏): latest calls, history, windows, waiting counts, clock, notice.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('hallq-config').textContent);
  var en = config.lang === 'en';
  var HISTORY = 10;
  var BLINK_MS = 6000;
  var SOUND_KEY = 'hallq.display.sound';

  var state = { windows: {}, queues: {}, order: [], calls: [], notice: '' };
  var announcer = new window.Announcer({
    repeat: config.repeat,
    chimeUrl: '/static/sounds/chime.wav',
    // The device was set up for sound but its browser refuses to play without a tap.
    onBlocked: function () { $('sound-overlay').hidden = false; }
  });

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function showsWindow(number) {
    return !config.windows || config.windows.indexOf(number) >= 0;
  }
  function showsService(code) {
    if (config.services) return config.services.indexOf(code) >= 0;
    if (!config.windows) return true;
    return config.windows.some(function (n) {
      var w = state.windows[n];
      return w && w.services.indexOf(code) >= 0;
    });
  }

  function applySnapshot(s) {
    state.windows = {};
    state.order = [];
    s.windows.forEach(function (w) {
      state.windows[w.number] = {
        number: w.number, name: w.name, kind: w.kind, state: w.state, reason: w.pause_reason,
        services: w.services, current: w.current_ticket ? { number: w.current_ticket.number, status: w.current_ticket.status } : null
      };
      state.order.push(w.number);
    });
    state.queues = {};
    state.queueOrder = [];
    s.queues.forEach(function (q) {
      state.queues[q.code] = { code: q.code, name: en ? q.name_en : q.name, waiting: q.waiting };
      state.queueOrder.push(q.code);
    });
    state.calls = s.recent_calls
      .filter(function (c) { return c.ticket.window !== null && showsWindow(c.ticket.window); })
      .map(function (c) { return { number: c.ticket.number, window: c.ticket.window, at: Date.now() - BLINK_MS, recall: false }; })
      .slice(0, HISTORY + 1);
    state.notice = s.notice || '';
    render();
  }

  function queueDelta(code, delta) {
    var q = state.queues[code];
    if (q) q.waiting = Math.max(0, q.waiting + delta);
  }

  function windowHolding(number) {
    for (var n in state.windows) {
      var w = state.windows[n];
      if (w.current && w.current.number === number) return w;
    }
    return null;
  }

  function applyEvent(e, fresh) {
    var t = e.ticket;
    switch (e.type) {
      case 'ticket_issued': case 'ticket_restored': queueDelta(t.service, 1); break;
      case 'ticket_cancelled': queueDelta(t.service, -1); break;
      case 'ticket_called': case 'ticket_recalled': {
        if (e.type === 'ticket_called') queueDelta(t.service, -1);
        var w = state.windows[t.window];
        if (w) w.current = { number: t.number, status: 'called' };
        if (showsWindow(t.window)) {
          var call = { number: t.number, window: t.window, at: Date.now(), recall: e.type === 'ticket_recalled' };
          state.calls = [call].concat(state.calls.filter(function (c) { return c.number !== t.number; })).slice(0, HISTORY + 1);
          if (fresh) announcer.announce(call);
        }
        break;
      }
      case 'ticket_started': {
        var serving = state.windows[t.window];
        if (serving) serving.current = { number: t.number, status: 'serving' };
        break;
      }
      case 'ticket_finished': case 'ticket_no_show': case 'ticket_transferred': {
        var holder = windowHolding(t.number);
        if (holder) holder.current = null;
        if (e.type === 'ticket_transferred') queueDelta(t.service, 1);
        break;
      }
      case 'window_opened': case 'window_closed': case 'window_paused': case 'window_resumed': {
        var win = state.windows[e.window.number];
        if (win) { win.state = e.window.state; win.reason = e.window.pause_reason; }
        break;
      }
      case 'notice': state.notice = e.notice; break;
      // Administration changed windows, services or names: start again from a snapshot.
      case 'hall_configured': stream.resync(); return;
      default: break;
    }
    render();
  }

  // A call stays in the big box while its window is open and still holds that ticket; once it
  // ends (finished, no-show, transferred, window paused or closed) the box yields to the
  // previous call still current, or to the idle text.
  function isCurrent(call) {
    var w = state.windows[call.window];
    return !!w && w.state === 'open' && !!w.current && w.current.number === call.number;
  }

  function shownCall() {
    return state.calls.filter(isCurrent)[0] || null;
  }

  function render() {
    var latest = shownCall();
    var now = $('now-calling');
    now.innerHTML = '';
    if (latest) {
      var box = el('div', 'call-latest' + (Date.now() - latest.at < BLINK_MS ? ' blink' : ''));
      box.appendChild(el('span', 'call-number', latest.number));
      box.appendChild(el('span', 'call-window', en ? 'to window ' + latest.window : '请到 ' + latest.window + ' 号窗口'));
      now.appendChild(box);
      now.dataset.number = latest.number;
    } else {
      now.appendChild(el('div', 'call-idle', en ? 'Please wait for your number' : '请留意叫号'));
      now.dataset.number = '';
    }

    var history = $('history');
    history.innerHTML = '';
    state.calls.filter(function (c) { return c !== latest; }).slice(0, HISTORY).forEach(function (c) {
      var row = el('li', 'history-row');
      row.appendChild(el('span', 'h-number', c.number));
      row.appendChild(el('span', 'h-window', en ? 'Window ' + c.window : c.window + ' 号窗口'));
      history.appendChild(row);
    });

    var grid = $('windows');
    grid.innerHTML = '';
    state.order.filter(showsWindow).forEach(function (n) {
      var w = state.windows[n];
      if (config.openOnly && w.state !== 'open') return;
      var tile = el('div', 'win-tile state-' + w.state);
      tile.dataset.window = n;
      tile.appendChild(el('div', 'win-number', en ? 'Window ' + n : n + ' 号窗口'));
      var body = w.state === 'closed' ? (en ? 'Closed' : '暂未开放')
        : w.state === 'paused' ? (en ? 'Paused' : '暂停服务')
        : w.current ? w.current.number : '—';
      tile.appendChild(el('div', 'win-ticket', body));
      grid.appendChild(tile);
    });

    var queues = $('queues');
    queues.innerHTML = '';
    var shownQueues = (state.queueOrder || []).filter(showsService);
    // More than four services: two columns, so every waiting count stays on screen.
    queues.classList.toggle('two-columns', shownQueues.length > 4);
    shownQueues.forEach(function (code) {
      var q = state.queues[code];
      var row = el('li', 'queue-row');
      row.appendChild(el('span', 'q-code', code));
      row.appendChild(el('span', 'q-name', q.name));
      row.appendChild(el('span', 'q-waiting', String(q.waiting)));
      queues.appendChild(row);
    });

    var notice = $('notice-text');
    if (notice.textContent !== state.notice) notice.textContent = state.notice;
    $('notice').hidden = !state.notice;
    fitHistory();
  }

  // The waiting counts always show in full; the history keeps as many rows as fit above them.
  function fitHistory() {
    var history = $('history');
    while (history.lastChild && history.scrollHeight > history.clientHeight + 1) {
      history.removeChild(history.lastChild);
    }
  }

  function tick() {
    var now = new Date(stream.serverNow());
    var date = new Intl.DateTimeFormat(en ? 'en-GB' : 'zh-CN', { timeZone: config.timezone, year: 'numeric', month: 'long', day: 'numeric', weekday: 'long' }).format(now);
    var time = new Intl.DateTimeFormat('zh-CN', { timeZone: config.timezone, hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(now);
    $('date').textContent = date;
    $('clock').textContent = time;
    var latest = document.querySelector('.call-latest.blink');
    var call = shownCall();
    if (latest && (!call || Date.now() - call.at >= BLINK_MS)) latest.classList.remove('blink');
  }

  var stream = new window.HallStream(config.hall, {
    onSnapshot: applySnapshot,
    onEvent: applyEvent,
    onConnection: function (connected) {
      $('connection').hidden = connected;
      document.body.classList.toggle('offline', !connected);
    }
  });

  function enableSound() {
    announcer.enable();
    $('sound-overlay').hidden = true;
  }
  $('sound-overlay').addEventListener('click', enableSound);
  // `?sound=on` sets the device up once for sound without a tap (a wall TV whose browser allows
  // autoplay); it is remembered on the device. `?sound=ask` forgets it.
  var remembered = null;
  try {
    if (config.sound === 'on') localStorage.setItem(SOUND_KEY, 'on');
    if (config.sound === 'ask') localStorage.removeItem(SOUND_KEY);
    remembered = localStorage.getItem(SOUND_KEY);
  } catch (e) { remembered = config.sound; }
  var allowed = navigator.getAutoplayPolicy && navigator.getAutoplayPolicy('mediaelement') === 'allowed';
  if (remembered === 'on' || config.sound === 'on' || allowed) enableSound();

  window.hallqDisplay = { state: state, announcer: announcer, stream: stream };
  stream.start();
  tick();
  setInterval(tick, 1000);
})();
