// Tracking page (排队进度): the ticket live over the hall's websocket. Its own events update it
// at once (a call shows full screen with sound and vibration); other events of its queue
// refresh the figures, at most every few seconds. Then the rating (好差评).
(function () {
  'use strict';

  var H = window.hallq;
  var config = H.config;
  var T = H.T;
  var en = config.lang === 'en';
  var ticket = config.ticket;
  var rating = config.rating;
  var alerts = false;
  var almostShown = false;
  var shownCall = null;
  var refreshTimer = null;
  var lastRefresh = 0;
  var chosen = null;
  var editing = false;
  var GAP_MS = 3000;
  var POLL_MS = 10000;
  var pollTimer = null;
  var $ = H.$;
  var el = H.el;
  var toast = H.toast;

  var QUEUED = ['waiting', 'transferred'];

  function render() {
    document.body.dataset.status = ticket.status;
    $('service').textContent = ticket.service + ' · ' + (en ? ticket.service_name_en : ticket.service_name);
    var status = T['t_status_' + ticket.status] || ticket.status;
    if (ticket.status === 'called' && ticket.window_number) {
      status = T.t_called_to.replace('{window}', ticket.window_number);
    } else if (ticket.status === 'serving' && ticket.window_number) {
      status = T.t_serving_at.replace('{window}', ticket.window_number);
    }
    $('status').textContent = status;
    var queued = QUEUED.indexOf(ticket.status) >= 0;
    $('figures').hidden = !queued;
    $('ahead').textContent = ticket.ahead + (T.k_people ? ' ' + T.k_people : '');
    $('wait').textContent = ticket.ahead === 0 ? T.k_no_wait : ticket.estimated_wait_minutes + ' ' + T.minutes;
    $('cancel').hidden = !queued;
    $('alerts').hidden = !queued && ticket.status !== 'called';
    $('no-show-hint').hidden = ticket.status !== 'no_show';
    // A cancelled or missed ticket is over: offer a new one.
    $('take-new').hidden = ticket.status !== 'cancelled' && ticket.status !== 'no_show';
    var almost = queued && ticket.ahead <= config.almostAhead;
    $('almost').hidden = !almost;
    if (almost && !almostShown) {
      almostShown = true;
      buzz([200, 100, 200]);
    }
    renderRating();
  }

  function renderRating() {
    var done = ticket.status === 'done';
    $('rate').hidden = !done || (rating && !editing);
    $('rated').hidden = !done || !rating || editing;
    if (rating && !editing) {
      $('rated-summary').textContent = labelOf(rating.score) + (rating.tags.length ? ' · ' + rating.tags.join('、') : '');
      $('rate-change').hidden = Date.parse(rating.editable_until) <= Date.now();
    }
  }

  function labelOf(score) {
    var level = config.levels.filter(function (l) { return l.score === score; })[0];
    return level ? level.label : String(score);
  }

  function buildRating() {
    var levels = $('levels');
    levels.innerHTML = '';
    config.levels.forEach(function (l) {
      var b = el('button', 'level-btn', l.label);
      b.type = 'button';
      b.dataset.score = l.score;
      b.onclick = function () { choose(l.score); };
      levels.appendChild(b);
    });
  }

  function choose(score, keepTags) {
    chosen = score;
    Array.prototype.forEach.call(document.querySelectorAll('.level-btn'), function (b) {
      b.classList.toggle('on', Number(b.dataset.score) === score);
    });
    var tags = score >= 4 ? config.praiseTags : config.complaintTags;
    var box = $('tags');
    box.innerHTML = '';
    tags.forEach(function (tag) {
      var label = el('label', 'tag-choice');
      var input = el('input');
      input.type = 'checkbox';
      input.value = tag;
      input.checked = !!(keepTags && keepTags.indexOf(tag) >= 0);
      label.appendChild(input);
      label.appendChild(document.createTextNode(' ' + tag));
      box.appendChild(label);
    });
    $('tags-box').hidden = false;
    $('rate-submit').disabled = false;
  }

  function submitRating() {
    var tags = Array.prototype.filter.call(document.querySelectorAll('#tags input'), function (i) { return i.checked; })
      .map(function (i) { return i.value; });
    $('rate-submit').disabled = true;
    H.api(editing ? 'PUT' : 'POST', '/tickets/' + config.token + '/rating', { score: chosen, tags: tags, comment: $('comment').value })
      .then(function (saved) {
        rating = saved;
        editing = false;
        render();
      })
      .catch(function (err) { toast(H.describe(err)); $('rate-submit').disabled = false; });
  }

  function buzz(pattern) {
    if (alerts && navigator.vibrate) navigator.vibrate(pattern);
  }

  function showCalled() {
    var key = ticket.status + ':' + ticket.window_number + ':' + ticket.recall_count;
    if (shownCall === key) return;
    shownCall = key;
    $('called-window').textContent = T.t_called_to.replace('{window}', ticket.window_number);
    $('called').hidden = false;
    buzz([400, 150, 400, 150, 400]);
    if (alerts) {
      var chime = $('chime');
      try { chime.currentTime = 0; chime.play().catch(function () {}); } catch (e) { /* no sound */ }
    }
  }

  function refresh() {
    refreshTimer = null;
    lastRefresh = Date.now();
    return H.api('GET', '/tickets/' + config.token).then(function (t) {
      var before = ticket.status;
      ticket = t;
      render();
      if (ticket.status === 'called' && before !== 'called') showCalled();
    }).catch(function () { /* the stream brings us back */ });
  }

  function scheduleRefresh() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(refresh, Math.max(0, lastRefresh + GAP_MS - Date.now()));
  }

  function onEvent(e) {
    var t = e.ticket;
    if (t && t.number === ticket.number) {
      // Our own ticket: act on the event itself, no round trip.
      ticket.status = t.status;
      ticket.service = t.service;
      ticket.window_number = t.window;
      ticket.recall_count = t.recall_count;
      if (QUEUED.indexOf(t.status) < 0) ticket.ahead = 0;
      render();
      if (e.type === 'ticket_called' || e.type === 'ticket_recalled') showCalled();
      scheduleRefresh();
      return;
    }
    if (QUEUED.indexOf(ticket.status) >= 0 && t && (t.service === ticket.service || e.type === 'ticket_called')) scheduleRefresh();
    if (e.window && QUEUED.indexOf(ticket.status) >= 0) scheduleRefresh();
  }

  $('alerts').onclick = function () {
    alerts = true;
    // A tap unlocks sound and vibration on phones.
    var chime = $('chime');
    chime.volume = 0.01;
    chime.play().then(function () { chime.pause(); chime.volume = 1; }).catch(function () { chime.volume = 1; });
    if (navigator.vibrate) navigator.vibrate(50);
    $('alerts').textContent = T.t_alert_on;
    $('alerts').disabled = true;
  };
  $('called-ok').onclick = function () { $('called').hidden = true; };
  $('cancel').onclick = function () {
    if (!confirm(T.t_cancel_confirm)) return;
    H.api('POST', '/tickets/' + config.token + '/cancel')
      .then(function (t) { ticket = t; render(); })
      .catch(function (err) { toast(H.describe(err)); });
  };
  $('rate-submit').onclick = submitRating;
  $('rate-change').onclick = function () {
    editing = true;
    choose(rating.score, rating.tags);
    $('comment').value = rating.comment || '';
    render();
  };
  // A phone that was locked, or a page brought back from the back-forward cache, shows fresh
  // figures at once (the stream reconnects by itself).
  document.addEventListener('visibilitychange', function () { if (!document.hidden) refresh(); });
  window.addEventListener('pageshow', function (e) { if (e.persisted) refresh(); });

  var stream = new window.HallStream(config.hall, {
    onSnapshot: function () { scheduleRefresh(); },
    onEvent: onEvent,
    onConnection: function (connected) {
      $('live-dot').classList.toggle('off', !connected);
      $('live-text').textContent = connected ? T.t_updated : T.connection_lost;
      // What is shown may be out of date: fade it, and ask over plain HTTP now and then in
      // case only the websocket is blocked.
      document.body.classList.toggle('stale', !connected);
      clearInterval(pollTimer);
      pollTimer = connected ? null : setInterval(refresh, POLL_MS);
    }
  });
  window.hallqTrack = { get ticket() { return ticket; }, get rating() { return rating; } };
  buildRating();
  render();
  if (ticket.status === 'called') showCalled();
  stream.start();
})();
