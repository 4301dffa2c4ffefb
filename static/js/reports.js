// Reports page (统计报表): a range of business days, summary figures, three charts (ECharts,
// vendored under /static/vendor/echarts) and the table of the chosen grouping, with the same
// table as CSV or XLSX. Every figure comes from GET /halls/{hall}/reports.
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
    var f = $('report-filter');

    var iso = S.isoDate;
    var hallToday = S.hallToday;
    function range(kind) {
      var today = hallToday();
      var from = new Date(today);
      var to = new Date(today);
      if (kind === 'week') from.setDate(today.getDate() - ((today.getDay() + 6) % 7));
      if (kind === 'month') from.setDate(1);
      if (kind === 'last_month') { from = new Date(today.getFullYear(), today.getMonth() - 1, 1); to = new Date(today.getFullYear(), today.getMonth(), 0); }
      f.from.value = iso(from);
      f.to.value = iso(to);
    }

    function query(by, format) {
      return '/halls/' + enc(hall) + '/reports?from=' + f.from.value + '&to=' + f.to.value + '&by=' + by + (format ? '&format=' + format : '');
    }

    function chart(id) {
      if (!charts[id]) charts[id] = window.echarts.init($(id), null, { renderer: 'svg' });
      return charts[id];
    }

    function num(v, digits) { return v === null || v === undefined ? '—' : (digits === undefined ? String(v) : v.toFixed(digits)); }
    function pct(v) { return v === null || v === undefined ? '—' : (v * 100).toFixed(1) + '%'; }

    function cards(total) {
      var box = $('report-cards');
      box.innerHTML = '';
      [[T.r_issued, num(total.issued)], [T.r_served, num(total.served)], [T.r_mean_wait, total.wait_mean_min === null ? '—' : S.minutes(total.wait_mean_min)],
        [T.r_within, pct(total.within_target)], [T.r_satisfaction, pct(total.satisfaction)], [T.r_diverted, num(total.diversions)]].forEach(function (c) {
        var card = el('div', 'r-card');
        card.appendChild(el('div', 'r-card-value', c[1]));
        card.appendChild(el('div', 'r-card-label', c[0]));
        box.appendChild(card);
      });
    }

    function table(report) {
      var heads = [T.r_by, T.r_issued, T.r_served, T.r_no_show, T.r_cancelled, T.r_mean_wait, 'P50', 'P90', T.r_max,
        T.r_handle, T.r_within, T.r_satisfaction, T.r_diverted];
      var head = $('report-head');
      head.innerHTML = '';
      heads.forEach(function (h) { head.appendChild(el('th', '', h)); });
      var body = $('report-rows');
      body.innerHTML = '';
      report.rows.concat([{ key: 'total', label: T.r_total, total: true }]).forEach(function (r) {
        var x = r.total ? report.total : r;
        var tr = el('tr', r.total ? 'r-total' : '');
        tr.dataset.key = r.key;
        [r.label, num(x.issued), num(x.served), num(x.no_show), num(x.cancelled), num(x.wait_mean_min, 1), num(x.wait_p50_min, 1),
          num(x.wait_p90_min, 1), num(x.wait_max_min, 1), num(x.handle_mean_min, 1), pct(x.within_target), pct(x.satisfaction), num(x.diversions)]
          .forEach(function (v, i) { tr.appendChild(el('td', i ? 'num' : '', v)); });
        body.appendChild(tr);
      });
    }

    var font = { fontFamily: 'Noto Sans CJK SC, Microsoft YaHei, sans-serif' };

    function trend(byDay) {
      chart('chart-trend').setOption({
        textStyle: font,
        animation: false,
        tooltip: { trigger: 'axis' },
        legend: { data: [T.r_issued, T.r_served, T.r_mean_wait] },
        grid: { left: 50, right: 50, top: 40, bottom: 30 },
        xAxis: { type: 'category', data: byDay.rows.map(function (r) { return r.key.slice(5); }) },
        yAxis: [{ type: 'value' }, { type: 'value', name: T.minutes, splitLine: { show: false } }],
        series: [
          { name: T.r_issued, type: 'bar', data: byDay.rows.map(function (r) { return r.issued; }), itemStyle: { color: '#8a94a3' } },
          { name: T.r_served, type: 'bar', data: byDay.rows.map(function (r) { return r.served; }), itemStyle: { color: '#1f7a3f' } },
          { name: T.r_mean_wait, type: 'line', yAxisIndex: 1, data: byDay.rows.map(function (r) { return r.wait_mean_min; }), itemStyle: { color: '#b3202a' } }
        ]
      }, true);
    }

    function heat(byCell) {
      var measure = $('heat-measure').value;
      var hours = [];
      for (var h = 8; h <= 17; h++) hours.push(('0' + h).slice(-2));
      var days = [1, 2, 3, 4, 5, 6, 7];
      var data = [];
      var max = 1;
      byCell.rows.forEach(function (r) {
        var parts = r.key.split('-');
        var x = hours.indexOf(parts[1]);
        var v = r[measure];
        if (x < 0 || v === null) return;
        data.push([x, +parts[0] - 1, v]);
        max = Math.max(max, v);
      });
      chart('chart-heat').setOption({
        textStyle: font,
        animation: false,
        tooltip: { position: 'top' },
        grid: { left: 50, right: 20, top: 10, bottom: 70 },
        xAxis: { type: 'category', data: hours.map(function (h) { return h + ':00'; }), splitArea: { show: true } },
        yAxis: { type: 'category', data: days.map(function (d) { return T['r_wd_' + d]; }), splitArea: { show: true } },
        visualMap: { min: 0, max: max, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: ['#f5f7fa', '#f5c542', '#b3202a'] } },
        series: [{ type: 'heatmap', data: data, label: { show: false } }]
      }, true);
    }

    // The wait distribution per service: the share of its called tickets in each wait bucket.
    function waits(byService) {
      var edges = byService.wait_buckets_min;
      var names = edges.map(function (e, i) { return (i ? edges[i - 1] : 0) + '–' + e; }).concat(['≥' + edges[edges.length - 1]]);
      var colors = ['#1f7a3f', '#7fb069', '#f5c542', '#e0a100', '#d9622b', '#b3202a'];
      var rows = byService.rows.filter(function (r) { return r.wait_histogram.some(function (n) { return n > 0; }); });
      chart('chart-waits').setOption({
        textStyle: font,
        animation: false,
        tooltip: { trigger: 'axis', valueFormatter: function (v) { return v.toFixed(1) + '%'; } },
        legend: { data: names.map(function (n) { return n + ' ' + T.min; }) },
        grid: { left: 90, right: 20, top: 40, bottom: 30 },
        xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
        yAxis: { type: 'category', data: rows.map(function (r) { return r.label; }), inverse: true },
        series: names.map(function (n, i) {
          return {
            name: n + ' ' + T.min, type: 'bar', stack: 'share', itemStyle: { color: colors[i] },
            data: rows.map(function (r) {
              var all = r.wait_histogram.reduce(function (a, b) { return a + b; }, 0);
              return all ? r.wait_histogram[i] * 100 / all : 0;
            })
          };
        })
      }, true);
    }

    function load() {
      var by = f.by.value;
      $('download-csv').href = '/api/v1' + query(by, 'csv');
      $('download-xlsx').href = '/api/v1' + query(by, 'xlsx');
      $('monthly-link').href = '/admin/reports/' + enc(hall) + '/monthly?month=' + f.from.value.slice(0, 7);
      Promise.all([S.api('GET', query(by)), S.api('GET', query('day')), S.api('GET', query('hour_weekday')), S.api('GET', query('service'))])
        .then(function (all) {
          last = all;
          cards(all[0].total);
          table(all[0]);
          trend(all[1]);
          heat(all[2]);
          waits(all[3]);
          document.body.dataset.reportLoaded = f.from.value + '/' + f.to.value + '/' + by;
        }).catch(function (err) { S.toast(S.describe(err)); });
    }

    f.onsubmit = function (e) { e.preventDefault(); load(); };
    Array.prototype.forEach.call(document.querySelectorAll('[data-range]'), function (b) {
      b.onclick = function () { range(b.dataset.range); load(); };
    });
    $('heat-measure').onchange = function () { if (last) heat(last[2]); };
    window.addEventListener('resize', function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
    var params = new URLSearchParams(location.search);
    range('month');
    if (params.get('from')) f.from.value = params.get('from');
    if (params.get('to')) f.to.value = params.get('to');
    if (params.get('by')) f.by.value = params.get('by');
    load();
  }

  window.hallqReports = { start: start, get last() { return last; } };
})();
