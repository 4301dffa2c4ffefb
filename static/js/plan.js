// Planning page (高峰日排班计划): a date → the forecast arrivals, the windows recommended per half
// hour, when to open the cash windows, and the day simulated under the hall's usual plan and
// under the recommendation, per service and per half hour. Every figure comes from
// GET /halls/{hall}/plan; the CSV link is the same table.
(function () {
  'use strict';

  var charts = {};
  var last = null;

  function start() {
    var S = window.hallqStaff;
    var T = S.T;
    var $ = S.$;
    var el = S.el;
    var config = S.config;
    var hall = config.hall;
    var enc = encodeURIComponent;
    var f = $('plan-filter');
    var font = { fontFamily: 'Noto Sans CJK SC, Microsoft YaHei, sans-serif' };
    var colors = ['#b3202a', '#1f5fa8', '#1f7a3f', '#e0a100', '#6a4c93', '#8a94a3', '#d9622b', '#2a9d8f'];

    function tomorrow() {
      var day = S.hallToday();
      day.setDate(day.getDate() + 1);
      return S.isoDate(day);
    }
    function query(format) {
      return '/halls/' + enc(hall) + '/plan?date=' + f.date.value + '&target=' + f.target.value + (format ? '&format=' + format : '');
    }
    function chart(id) {
      if (!charts[id]) charts[id] = window.echarts.init($(id), null, { renderer: 'svg' });
      return charts[id];
    }
    function num(v, digits) { return v === null || v === undefined ? '—' : v.toFixed(digits === undefined ? 1 : digits); }
    function pct(v) { return v === null || v === undefined ? '—' : (v * 100).toFixed(1) + '%'; }
    function fill(text, values) { return text.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; }); }
    function serviceName(code) {
      var s = (config.services || []).filter(function (x) { return x.code === code; })[0];
      return s ? code + ' ' + (config.lang === 'en' ? s.name_en : s.name) : code;
    }
    // The forecast of a service in the plan's grid.
    function grid(plan) {
      var first = plan.half_hours.length ? plan.half_hours[0] : '00:00';
      var offset = (+first.slice(0, 2) * 60 + +first.slice(3)) / 30;
      return function (service, i) { return service.half_hours[offset + i] || 0; };
    }
    function waitAt(result, i) {
      var h = result.half_hours.filter(function (x) { return x.index === i; })[0];
      return h ? h.mean_wait_min : null;
    }
    function windowsAt(plan, i) {
      return plan.recommendation.pools.reduce(function (n, p) { return n + (p.rows[i] ? p.rows[i].windows : 0); }, 0);
    }
    function shortAt(plan, i) {
      return plan.recommendation.pools.reduce(function (n, p) { return n + (p.rows[i] ? p.rows[i].short : 0); }, 0);
    }
    function cashOpenAt(plan, label) {
      var minute = +label.slice(0, 2) * 60 + +label.slice(3);
      return plan.recommendation.cash_windows.filter(function (w) {
        return w.open.some(function (h) {
          var a = +h[0].slice(0, 2) * 60 + +h[0].slice(3);
          var b = +h[1].slice(0, 2) * 60 + +h[1].slice(3);
          return a <= minute && minute < b;
        });
      }).length;
    }
    function windowName(plan, position) {
      var w = plan.windows[position - 1];
      return w ? w.name : String(position);
    }

    function cards(plan) {
      var box = $('plan-cards');
      box.innerHTML = '';
      var arrivals = plan.forecast.services.reduce(function (n, s) { return n + s.total; }, 0);
      var peak = 0;
      plan.half_hours.forEach(function (_, i) { peak = Math.max(peak, windowsAt(plan, i)); });
      [[T.p_arrivals, Math.round(arrivals)],
        [T.p_mape, pct(plan.accuracy.mape_total)],
        [T.p_peak_windows, peak],
        [T.p_cash, plan.recommendation.cash_windows.length],
        [T.p_usual + ' · ' + T.p_mean_wait + '（' + T.p_within + ' ' + pct(plan.usual.overall.within_target) + '）', S.minutes(plan.usual.overall.mean_wait_min)],
        [T.p_recommended + ' · ' + T.p_mean_wait + '（' + T.p_within + ' ' + pct(plan.recommended.overall.within_target) + '）', S.minutes(plan.recommended.overall.mean_wait_min)]
      ].forEach(function (c) {
        var card = el('div', 'r-card');
        card.appendChild(el('div', 'r-card-value', String(c[1])));
        card.appendChild(el('div', 'r-card-label', c[0]));
        box.appendChild(card);
      });
      var feat = plan.forecast.features;
      $('plan-day').textContent = T.p_day + '：' + T['r_wd_' + feat.weekday] + ' · ' + T['p_period_' + feat.period] +
        (feat.around_holiday ? ' · ' + T.p_around_holiday : '') + ' · ' + T.p_history + ' ' + plan.forecast.history_days;
    }

    function notes(plan) {
      var box = $('plan-notes');
      box.innerHTML = '';
      plan.half_hours.forEach(function (label, i) {
        var short = shortAt(plan, i);
        if (short > 0) box.appendChild(el('li', '', fill(T.p_short_warning, { time: label, need: windowsAt(plan, i) + short, have: windowsAt(plan, i) })));
      });
      if (plan.forecast.history_days < 5) box.appendChild(el('li', '', T.p_no_history));
      var check = plan.recommendation.check;
      Object.keys(plan.recommended.services).forEach(function (code) {
        var s = plan.recommended.services[code];
        if (s.customers > 0 && s.within_target < plan.target) box.appendChild(el('li', '', fill(T.p_unreachable, { service: serviceName(code), share: pct(s.within_target) })));
      });
      if (check && check.attained) box.appendChild(el('li', 'p-ok', T.p_attained));
    }

    function loadChart(plan) {
      var at = grid(plan);
      var series = plan.forecast.services.filter(function (s) { return s.total > 0; }).map(function (s, k) {
        return { name: serviceName(s.code), type: 'bar', stack: 'arrivals', itemStyle: { color: colors[k % colors.length] },
          data: plan.half_hours.map(function (_, i) { return +at(s, i).toFixed(1); }) };
      });
      series.push({ name: T.p_windows, type: 'line', step: 'start', yAxisIndex: 1, itemStyle: { color: '#222' }, lineStyle: { width: 3 },
        data: plan.half_hours.map(function (_, i) { return windowsAt(plan, i); }) });
      chart('chart-load').setOption({
        textStyle: font, animation: false, tooltip: { trigger: 'axis' },
        legend: { data: series.map(function (s) { return s.name; }), type: 'scroll' },
        grid: { left: 45, right: 45, top: 50, bottom: 30 },
        xAxis: { type: 'category', data: plan.half_hours },
        yAxis: [{ type: 'value', name: T.p_arrivals }, { type: 'value', name: T.p_windows, minInterval: 1, splitLine: { show: false } }],
        series: series
      }, true);
    }

    function waitChart(plan) {
      chart('chart-wait').setOption({
        textStyle: font, animation: false, tooltip: { trigger: 'axis' },
        legend: { data: [T.p_usual, T.p_recommended] },
        grid: { left: 45, right: 20, top: 40, bottom: 30 },
        xAxis: { type: 'category', data: plan.half_hours },
        yAxis: { type: 'value', name: T.min },
        series: [
          { name: T.p_usual, type: 'line', itemStyle: { color: '#8a94a3' }, data: plan.half_hours.map(function (_, i) { return waitAt(plan.usual, i); }) },
          { name: T.p_recommended, type: 'line', itemStyle: { color: '#1f7a3f' }, lineStyle: { width: 3 }, data: plan.half_hours.map(function (_, i) { return waitAt(plan.recommended, i); }) }
        ]
      }, true);
    }

    function servicesTable(plan) {
      var table = $('plan-services');
      table.innerHTML = '';
      var head = el('tr');
      [T.p_service, T.p_arrivals, T.p_handling, T.p_usual + ' ' + T.p_mean_wait, 'P90', T.p_within,
        T.p_recommended + ' ' + T.p_mean_wait, 'P90', T.p_within].forEach(function (h) { head.appendChild(el('th', '', h)); });
      table.appendChild(el('thead')).appendChild(head);
      var body = table.appendChild(el('tbody'));
      plan.forecast.services.forEach(function (f) {
        var u = plan.usual.services[f.code] || {};
        var r = plan.recommended.services[f.code] || {};
        var h = plan.handling[f.code] || {};
        var tr = el('tr');
        tr.dataset.service = f.code;
        [[serviceName(f.code), ''], [Math.round(f.total), 'num'], [num(h.mean_minutes), 'num'],
          [num(u.mean_wait_min), 'num'], [num(u.p90_wait_min), 'num'], [pct(u.within_target), 'num'],
          [num(r.mean_wait_min), 'num' + (r.mean_wait_min < u.mean_wait_min - 0.5 ? ' p-better' : '')], [num(r.p90_wait_min), 'num'],
          [pct(r.within_target), 'num' + (r.within_target < plan.target ? ' p-short' : '')]]
          .forEach(function (c) { tr.appendChild(el('td', c[1], String(c[0]))); });
        body.appendChild(tr);
      });
    }

    function cashList(plan) {
      var box = $('plan-cash');
      box.innerHTML = '';
      if (!plan.recommendation.cash_windows.length) { box.appendChild(el('li', 'muted', T.p_no_cash)); return; }
      plan.recommendation.cash_windows.forEach(function (w) {
        box.appendChild(el('li', '', windowName(plan, w.window) + '（' + w.services.join('、') + '）：' +
          w.open.map(function (h) { return h[0] + '–' + h[1]; }).join('，')));
      });
    }

    function halfHourTable(plan) {
      var at = grid(plan);
      var table = $('plan-table');
      table.innerHTML = '';
      var head = el('tr');
      var pools = plan.recommendation.pools;
      [T.p_half_hour, T.p_arrivals].concat(pools.map(function (p) { return T.p_windows + ' ' + p.services.join('/'); }))
        .concat([T.p_short, T.p_cash, T.p_usual + ' ' + T.p_mean_wait, T.p_recommended + ' ' + T.p_mean_wait])
        .forEach(function (h) { head.appendChild(el('th', '', h)); });
      table.appendChild(el('thead')).appendChild(head);
      var body = table.appendChild(el('tbody'));
      plan.half_hours.forEach(function (label, i) {
        var arrivals = plan.forecast.services.reduce(function (n, s) { return n + at(s, i); }, 0);
        var short = shortAt(plan, i);
        var tr = el('tr');
        tr.appendChild(el('td', '', label));
        tr.appendChild(el('td', 'num', num(arrivals)));
        pools.forEach(function (p) { tr.appendChild(el('td', 'num', String(p.rows[i] ? p.rows[i].windows : 0))); });
        tr.appendChild(el('td', 'num' + (short ? ' p-short' : ''), short ? String(short) : ''));
        tr.appendChild(el('td', 'num', String(cashOpenAt(plan, label))));
        tr.appendChild(el('td', 'num', num(waitAt(plan.usual, i))));
        tr.appendChild(el('td', 'num', num(waitAt(plan.recommended, i))));
        body.appendChild(tr);
      });
    }

    function load() {
      $('download-csv').href = '/api/v1' + query('csv');
      history.replaceState(null, '', '?date=' + f.date.value + '&target=' + f.target.value);
      S.api('GET', query()).then(function (plan) {
        last = plan;
        cards(plan);
        notes(plan);
        loadChart(plan);
        waitChart(plan);
        servicesTable(plan);
        cashList(plan);
        halfHourTable(plan);
        document.body.dataset.planLoaded = plan.date + '/' + plan.target;
      }).catch(function (err) { S.toast(S.describe(err)); });
    }

    f.onsubmit = function (e) { e.preventDefault(); load(); };
    window.addEventListener('resize', function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
    var params = new URLSearchParams(location.search);
    f.date.value = params.get('date') || tomorrow();
    if (params.get('target')) f.target.value = params.get('target');
    // Service names for labels, from the public listing.
    S.api('GET', '/halls/' + enc(hall) + '/services').then(function (list) {
      config.services = list.services || list;
    }).catch(function () {}).then(load);
  }

  window.hallqPlan = { start: start, get last() { return last; } };
})();
