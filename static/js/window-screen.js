// Window screen (窗口屏): this window's number, what it is serving, paused or closed.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('hallq-config').textContent);
  var en = config.lang === 'en';
  var win = null;
  var serviceNames = {};

  function $(id) { return document.getElementById(id); }

  function render() {
    if (!win) return;
    $('win-name').textContent = win.name;
    $('win-services').textContent = win.services.map(function (c) { return serviceNames[c] || c; }).join(' · ');
    var status = $('win-status');
    var ticket = $('win-ticket');
    document.body.dataset.state = win.state;
    if (win.state === 'closed') {
      status.textContent = en ? 'Closed' : '暂未开放';
      ticket.textContent = '';
    } else if (win.state === 'paused') {
      status.textContent = (en ? 'Paused' : '暂停服务') + (win.reason ? ' · ' + win.reason : '');
      ticket.textContent = '';
    } else if (win.current) {
      status.textContent = win.current.status === 'serving' ? (en ? 'Now serving' : '正在办理') : (en ? 'Now calling' : '请');
      ticket.textContent = win.current.number;
    } else {
      status.textContent = en ? 'Open' : '欢迎办理';
      ticket.textContent = '';
    }
    ticket.dataset.number = win.current && win.state !== 'closed' ? win.current.number : '';
  }

  var stream = new window.HallStream(config.hall, {
    onSnapshot: function (s) {
      s.queues.forEach(function (q) { serviceNames[q.code] = en ? q.name_en : q.name; });
      var w = s.windows.filter(function (x) { return x.number === config.window; })[0];
      win = w ? { number: w.number, name: w.name, services: w.services, state: w.state, reason: w.pause_reason,
        current: w.current_ticket ? { number: w.current_ticket.number, status: w.current_ticket.status } : null } : null;
      render();
    },
    onEvent: function (e) {
      if (!win) return;
      if (e.window && e.window.number === win.number) {
        win.state = e.window.state;
        win.reason = e.window.pause_reason;
        if (e.type === 'window_updated') {
          // Its service list changed; events do not carry it, the window list does.
          fetch('/api/v1/halls/' + encodeURIComponent(config.hall) + '/windows').then(function (r) { return r.json(); })
            .then(function (list) {
              var fresh = list.filter(function (x) { return x.number === win.number; })[0];
              if (fresh) { win.services = fresh.services; render(); }
            }).catch(function () { /* the next snapshot brings it */ });
        }
      } else if (e.ticket) {
        var t = e.ticket;
        if ((e.type === 'ticket_called' || e.type === 'ticket_recalled') && t.window === win.number) win.current = { number: t.number, status: 'called' };
        else if (e.type === 'ticket_started' && t.window === win.number) win.current = { number: t.number, status: 'serving' };
        else if (win.current && win.current.number === t.number && (e.type === 'ticket_finished' || e.type === 'ticket_no_show' || e.type === 'ticket_transferred')) win.current = null;
      }
      render();
    },
    onConnection: function (connected) { $('connection').hidden = connected; }
  });
  stream.start();
})();
