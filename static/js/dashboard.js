// Live dashboard (实时看板) for managers: today so far, redrawn on every hall event (at most
// once a second) from the floor, the board and today's reports by service and by window.
(function () {
  'use strict';

  var last = null;

  function start() {
    var S = window.hallqStaff;
    var T = S.T;
    var $ = S.$;
    var el = S.el;
    var hall = S.config.hall;
    var enc = encodeURIComponent;
    var en = S.config.lang === 'en';
    var offset = 0;

    function serverNow() { return Date.now() + offset; }
    function pct(v) { return v === null || v === undefined ? '—' : (v * 100).toFixed(0) + '%'; }
    function mins(v) { return v === null || v === undefined ? '—' : S.minutes(v); }

    function card(box, label, value, cls) {
      var c = el('div', 'r-card' + (cls ? ' ' + cls : ''));
      c.dataset.figure = label;
      c.appendChild(el('div', 'r-card-value', value));
      c.appendChild(el('div', 'r-card-label', label));
      box.appendChild(c);
    }

    function render(floor, board, byService, byWindow) {
      $('live-time').textContent = S.time(floor.server_time, floor.timezone);
      var total = byService.total;
      var waiting = floor.queues.reduce(function (n, q) { return n + q.waiting; }, 0);
      var cards = $('live-cards');
      cards.innerHTML = '';
      card(cards, T.r_issued, String(total.issued));
      card(cards, T.waiting, String(waiting));
      card(cards, T.r_served, String(total.served));
      card(cards, T.r_no_show, String(total.no_show));
      card(cards, T.r_cancelled, String(total.cancelled));
      card(cards, T.r_diverted, String(total.diversions));
      card(cards, T.r_satisfaction, pct(total.satisfaction));
      card(cards, T.r_within, pct(total.within_target));
      cards.querySelectorAll('.r-card')[0].dataset.key = 'issued';
      cards.querySelectorAll('.r-card')[1].dataset.key = 'waiting';

      var rows = $('live-services');
      rows.innerHTML = '';
      floor.queues.forEach(function (q) {
        var r = byService.rows.filter(function (x) { return x.key === q.service; })[0] || {};
        var tr = el('tr', q.over_target ? 'over' : '');
        tr.dataset.service = q.service;
        var name = el('td');
        name.appendChild(el('span', 'prefix', q.service));
        name.appendChild(document.createTextNode(' ' + (en ? q.name_en : q.name)));
        tr.appendChild(name);
        [String(q.waiting), q.waiting ? S.minutes(q.longest_wait_minutes) : '—', mins(r.wait_mean_min), mins(r.handle_mean_min),
          pct(r.within_target), String(r.served || 0), pct(r.satisfaction)].forEach(function (v) { tr.appendChild(el('td', 'num', v)); });
        rows.appendChild(tr);
      });

      var wrows = $('live-windows');
      wrows.innerHTML = '';
      floor.windows.forEach(function (w) {
        var r = byWindow.rows.filter(function (x) { return x.key === String(w.number); })[0] || {};
        var tr = el('tr', 'state-' + w.state);
        tr.dataset.window = w.number;
        tr.appendChild(el('td', '', w.name));
        var state = T['state_' + w.state] + ' · ' + S.minutes(S.minutesSince(w.state_since, serverNow()));
        if (w.state === 'paused' && w.pause_reason) state += '（' + w.pause_reason + '）';
        tr.appendChild(el('td', '', state));
        tr.appendChild(el('td', '', w.signed_in ? w.signed_in.display_name : '—'));
        // Tickets this window could call: the waiting of the services it serves.
        var callable = floor.queues.filter(function (q) { return w.services.indexOf(q.service) >= 0; })
          .reduce(function (n, q) { return n + q.waiting; }, 0);
        tr.appendChild(el('td', 'num', String(callable)));
        [String(r.served || 0), mins(r.wait_mean_min), mins(r.handle_mean_min), pct(r.within_target)].forEach(function (v) {
          tr.appendChild(el('td', 'num', v));
        });
        wrows.appendChild(tr);
      });

      var help = $('live-help');
      help.innerHTML = '';
      var open = board.help.filter(function (h) { return h.status === 'open' || h.status === 'taken'; });
      $('live-help-none').hidden = open.length > 0;
      open.forEach(function (h) {
        var li = el('li', 'help-' + h.status);
        var text = h.window_name + (h.reason ? '：' + h.reason : '') + ' · ' + S.minutes(S.minutesSince(h.created_at, serverNow()));
        if (h.taken_by) text += ' · ' + T.v_help_taken_by.replace('{name}', h.taken_by);
        li.textContent = text;
        help.appendChild(li);
      });
    }

    var reload = S.reloader(function () {
      var base = '/halls/' + enc(hall);
      return Promise.all([S.api('GET', base + '/floor'), S.api('GET', base + '/board'),
        S.api('GET', base + '/reports?by=service'), S.api('GET', base + '/reports?by=window')])
        .then(function (all) {
          offset = Date.parse(all[0].server_time) - Date.now();
          last = all;
          render(all[0], all[1], all[2], all[3]);
          document.body.dataset.liveIssued = String(all[2].total.issued);
        });
    }, 1000);
    var load = reload.now;
    var scheduleLoad = reload.soon;

    load();
    new window.HallStream(hall, {
      onSnapshot: scheduleLoad,
      onEvent: scheduleLoad,
      onConnection: function (connected) { $('connection').hidden = connected; }
    }).start();
    setInterval(load, 30000);
  }

  window.hallqDashboard = { start: start, get last() { return last; } };
})();
