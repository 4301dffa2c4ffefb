// The printable monthly summary (月度统计汇总, A4): the month's overview, each service and each
// window, from GET /halls/{hall}/reports; the browser prints it (Ctrl+P) on one A4 page.
(function () {
  'use strict';

  var S = window.hallqStaff;
  var T = S.T;
  var $ = S.$;
  var el = S.el;
  var config = S.config;
  var enc = encodeURIComponent;

  function pct(v) { return v === null || v === undefined ? '—' : (v * 100).toFixed(1) + '%'; }
  function min(v) { return v === null || v === undefined ? '—' : v.toFixed(1); }

  function month() {
    var asked = new URLSearchParams(location.search).get('month');
    if (asked && /^\d{4}-\d{2}$/.test(asked)) return asked;
    var now = new Intl.DateTimeFormat('en-CA', { timeZone: config.timezone, year: 'numeric', month: '2-digit' }).format(new Date());
    return now.slice(0, 7);
  }

  // `labels`: which columns hold labels (the overview has two label-value pairs a line).
  function rows(body, lines, labels) {
    labels = labels || [0];
    body.innerHTML = '';
    lines.forEach(function (cells) {
      var tr = el('tr');
      cells.forEach(function (c, i) {
        var label = labels.indexOf(i) >= 0;
        tr.appendChild(el(label ? 'th' : 'td', label ? '' : 'num', c));
      });
      body.appendChild(tr);
    });
  }

  S.signIn().then(function () {
    var m = month();
    var y = +m.slice(0, 4);
    var mo = +m.slice(5, 7);
    var last = new Date(y, mo, 0).getDate();
    var from = m + '-01';
    var to = m + '-' + ('0' + last).slice(-2);
    var base = '/halls/' + enc(config.hall) + '/reports?from=' + from + '&to=' + to + '&by=';
    return Promise.all([S.api('GET', base + 'service'), S.api('GET', base + 'window')]).then(function (all) {
      var t = all[0].total;
      $('m-title').textContent = T.m_title_month.replace('{year}', y).replace('{month}', mo);
      $('m-period').textContent = from + ' — ' + to;
      rows($('m-overview'), [
        [T.r_issued, String(t.issued), T.r_served, String(t.served)],
        [T.r_no_show, String(t.no_show), T.r_cancelled, String(t.cancelled)],
        [T.r_mean_wait, min(t.wait_mean_min) + ' ' + T.min, T.m_p90_wait, min(t.wait_p90_min) + ' ' + T.min],
        [T.r_handle, min(t.handle_mean_min) + ' ' + T.min, T.r_within, pct(t.within_target)],
        [T.r_satisfaction, pct(t.satisfaction), T.r_diverted, String(t.diversions)]
      ], [0, 2]);
      rows($('m-services'), all[0].rows.concat([{ label: T.r_total, total: true }]).map(function (r) {
        var x = r.total ? t : r;
        return [r.label, String(x.issued), String(x.served), min(x.wait_mean_min), min(x.wait_p90_min), min(x.handle_mean_min),
          pct(x.within_target), pct(x.satisfaction), String(x.diversions)];
      }));
      rows($('m-windows'), all[1].rows.map(function (r) {
        return [r.label, String(r.served), min(r.wait_mean_min), min(r.handle_mean_min), pct(r.within_target), pct(r.satisfaction)];
      }));
      $('m-made').textContent = S.dateTime(new Date().toISOString(), config.timezone);
      $('page').hidden = false;
      document.body.dataset.monthLoaded = m;
    });
  }).catch(function (err) { S.toast(S.describe(err)); });
})();
