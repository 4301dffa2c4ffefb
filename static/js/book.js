// Booking on the phone (预约办税): service → day → slot → name and number → the booking code;
// and the lookup page: code and number → the booking, cancel, check in. Everything goes
// through the appointments API, whose refusals are shown in the page's language.
(function () {
  'use strict';

  var H = window.hallq;
  var config = H.config;
  var T = H.T;
  var $ = H.$;
  var el = H.el;
  var en = config.lang === 'en';
  var chosen = { service: null, date: null, start: null };
  var current = null;   // the booking shown, with the number that proves it is ours
  var phone = '';

  function enc(s) { return encodeURIComponent(s); }

  function dayLabel(date, weekday) {
    var d = new Date(date + 'T00:00:00');
    var names = en ? ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] : ['周一', '周二', '周三', '周四', '周五', '周六', '周日'];
    var text = en ? d.getDate() + ' ' + ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getMonth()]
      : (d.getMonth() + 1) + '月' + d.getDate() + '日';
    return text + ' ' + names[weekday - 1];
  }

  // 2026-11-27T08:30:00+08:00 → 11月27日 08:30 (the hall's time as written).
  function when(iso) {
    var date = iso.slice(0, 10);
    var d = new Date(date + 'T00:00:00');
    var day = en ? d.getDate() + '/' + (d.getMonth() + 1) : (d.getMonth() + 1) + '月' + d.getDate() + '日';
    return day + ' ' + iso.slice(11, 16);
  }

  function show(id, on) { var node = $(id); if (node) node.hidden = !on; }

  function choiceButton(text, sub, onclick, disabled) {
    var b = el('button', 'choice');
    b.type = 'button';
    b.appendChild(el('span', 'choice-main', text));
    if (sub) b.appendChild(el('span', 'choice-sub', sub));
    b.disabled = !!disabled;
    b.onclick = onclick;
    return b;
  }

  function select(box, button) {
    Array.prototype.forEach.call(box.children, function (c) { c.classList.remove('chosen'); });
    button.classList.add('chosen');
  }

  function renderServices() {
    var list = $('book-services');
    config.services.forEach(function (s) {
      var li = el('li');
      var b = choiceButton(s.code + ' ' + s.name, s.hint, function () { chooseService(s, b); });
      b.dataset.service = s.code;
      li.appendChild(b);
      list.appendChild(li);
      if (config.service === s.code) chooseService(s, b);
    });
    show('no-service', !config.services.length);
  }

  function chooseService(s, button) {
    chosen.service = s;
    chosen.date = chosen.start = null;
    Array.prototype.forEach.call(document.querySelectorAll('#book-services .choice'), function (c) { c.classList.remove('chosen'); });
    button.classList.add('chosen');
    var box = $('book-days');
    box.innerHTML = '';
    config.days.forEach(function (d) {
      var b = choiceButton(dayLabel(d.date, d.weekday), null, function () { chooseDay(d.date, b); });
      b.dataset.date = d.date;
      box.appendChild(b);
    });
    show('step-day', true);
    show('step-slot', false);
    show('step-details', false);
    $('step-day').scrollIntoView({ behavior: 'smooth' });
  }

  function chooseDay(date, button) {
    chosen.date = date;
    chosen.start = null;
    select($('book-days'), button);
    show('step-details', false);
    loadSlots();
  }

  function loadSlots() {
    H.api('GET', '/halls/' + enc(config.hall) + '/services/' + enc(chosen.service.code) + '/slots?date=' + chosen.date).then(function (slots) {
      var box = $('book-slots');
      box.innerHTML = '';
      var free = slots.some(function (s) { return s.open && s.available > 0; });
      $('next-day').hidden = true;
      if (!free) offerNextDay(chosen.date);
      slots.forEach(function (s) {
        var full = s.available <= 0;
        if (!s.open) return;
        var b = choiceButton(s.start + '–' + s.end, full ? T.b_full : T.b_left.replace('{n}', s.available), function () { chooseSlot(s, b); }, full);
        b.dataset.start = s.start;
        box.appendChild(b);
      });
      show('no-slots', !free);
      show('step-slot', true);
      $('step-slot').scrollIntoView({ behavior: 'smooth' });
    }).catch(function (err) { H.toast(H.describe(err)); });
  }

  // A full day offers the next bookable day that still has places.
  function offerNextDay(after) {
    var later = config.days.filter(function (d) { return d.date > after; });
    var service = chosen.service;
    (function next(i) {
      if (i >= later.length || chosen.service !== service || chosen.date !== after) return;
      var d = later[i];
      H.api('GET', '/halls/' + enc(config.hall) + '/services/' + enc(service.code) + '/slots?date=' + d.date).then(function (slots) {
        if (chosen.service !== service || chosen.date !== after) return;
        if (!slots.some(function (s) { return s.open && s.available > 0; })) { next(i + 1); return; }
        var b = $('next-day');
        b.textContent = T.b_next_day.replace('{day}', dayLabel(d.date, d.weekday));
        b.hidden = false;
        b.onclick = function () {
          var target = document.querySelector('#book-days [data-date="' + d.date + '"]');
          if (target) chooseDay(d.date, target);
        };
      }).catch(function () { /* the day list stays as it is */ });
    })(0);
  }

  function chooseSlot(s, button) {
    chosen.start = s.start;
    select($('book-slots'), button);
    $('book-summary').textContent = chosen.service.code + ' ' + chosen.service.name + ' · ' + dayLabel(chosen.date, new Date(chosen.date + 'T00:00:00').getDay() || 7) + ' ' + s.start + '–' + s.end;
    show('step-details', true);
    $('step-details').scrollIntoView({ behavior: 'smooth' });
  }

  // An .ics calendar entry built here, so the mobile number never goes into an address.
  function calendarFile(b) {
    function utc(iso) { return new Date(Date.parse(iso)).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''); }
    function text(s) { return String(s || '').replace(/[\\;,]/g, function (c) { return '\\' + c; }); }
    var lines = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//hallq//appointments//ZH', 'BEGIN:VEVENT',
      'UID:' + b.code + '@hallq', 'DTSTAMP:' + utc(new Date().toISOString()),
      'DTSTART:' + utc(b.starts_at), 'DTEND:' + utc(b.ends_at),
      'SUMMARY:' + text(T.b_title + ' ' + b.service + ' ' + (en ? b.service_name_en : b.service_name)),
      'LOCATION:' + text(b.address || ''),
      'DESCRIPTION:' + text(T.b_code + ' ' + b.code),
      'END:VEVENT', 'END:VCALENDAR'
    ];
    return URL.createObjectURL(new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/calendar' }));
  }

  function renderBooking(b, title) {
    current = b;
    ['step-service', 'step-day', 'step-slot', 'step-details', 'lookup-section'].forEach(function (id) { show(id, false); });
    show('booking', true);
    $('booking-title').textContent = title;
    $('booking-code').textContent = b.code;
    $('booking-service').textContent = b.service + ' ' + (en ? b.service_name_en : b.service_name);
    $('booking-when').textContent = when(b.date + 'T' + b.start + ':00') + '–' + b.end;
    $('booking-status').textContent = T['b_status_' + b.status] || b.status;
    $('booking').dataset.status = b.status;
    $('booking-who').textContent = b.name_masked + ' ' + b.phone_masked;
    $('booking-where').textContent = b.address || '';
    show('booking-where', !!b.address);
    show('booking-where-label', !!b.address);
    show('booking-reason', !!b.reason);
    if (b.reason) $('booking-reason').textContent = T.b_reason.replace('{reason}', b.reason);
    var active = b.status === 'booked';
    $('booking-check-in').textContent = active ? T.b_check_in_hint.replace('{from}', when(b.check_in_from)).replace('{until}', when(b.check_in_until).slice(-5)) : '';
    $('booking-change').textContent = active ? T.b_change_hint.replace('{until}', when(b.change_until)) : '';
    show('booking-cancel', active);
    show('booking-check-in-btn', active);
    var qr = $('booking-qr');
    qr.hidden = !active;
    if (active) qr.src = '/m/' + enc(config.hall) + '/booking/qr.svg?code=' + enc(b.code);
    var ics = $('booking-ics');
    ics.hidden = !active;
    if (active) ics.href = calendarFile(b);
    var ticket = $('booking-ticket');
    ticket.hidden = !b.ticket_number;
    if (b.ticket_number) ticket.textContent = T.b_ticket.replace('{number}', b.ticket_number);
    history.replaceState(null, '', '/m/' + enc(config.hall) + '/booking?code=' + enc(b.code));
  }

  function lookup(code, number) {
    phone = number;
    return H.api('GET', '/appointments/' + enc(code) + '?phone=' + enc(number)).then(function (b) {
      renderBooking(b, T.b_lookup_title);
    });
  }

  if (config.page === 'book') {
    renderServices();
    $('book-form').onsubmit = function (e) {
      e.preventDefault();
      $('book-error').textContent = '';
      phone = $('book-phone').value.replace(/[\s-]/g, '');
      var body = { service: chosen.service.code, date: chosen.date, start: chosen.start, name: $('book-name').value, phone: phone };
      if ($('book-id-number') && $('book-id-number').value.trim()) body.id_number = $('book-id-number').value.trim();
      $('book-submit').disabled = true;
      H.api('POST', '/halls/' + enc(config.hall) + '/appointments', body).then(function (b) {
        renderBooking(b, T.b_done);
        H.toast(T.b_keep_code, 'ok');
      }).catch(function (err) {
        $('book-error').textContent = H.describe(err) + (err.until ? ' (' + err.until + ')' : '');
        // A slot taken meanwhile: show the day's places again.
        if (err.error === 'slot_full') loadSlots();
      }).then(function () { $('book-submit').disabled = false; });
    };
  } else {
    if (config.code) $('lookup-code').value = config.code;
    $('lookup-form').onsubmit = function (e) {
      e.preventDefault();
      $('lookup-error').textContent = '';
      lookup($('lookup-code').value.trim().toUpperCase(), $('lookup-phone').value.replace(/[\s-]/g, ''))
        .catch(function (err) { $('lookup-error').textContent = H.describe(err); });
    };
  }

  $('booking-cancel').onclick = function () {
    if (!confirm(T.b_cancel_confirm)) return;
    H.api('POST', '/appointments/' + enc(current.code) + '/cancel', { phone: phone }).then(function (b) {
      renderBooking(b, T.b_cancelled);
    }).catch(function (err) { H.toast(H.describe(err)); });
  };

  $('booking-check-in-btn').onclick = function () {
    H.api('POST', '/appointments/' + enc(current.code) + '/check-in', { phone: phone, channel: 'mobile' }).then(function (ticket) {
      location.href = '/t/' + ticket.token;
    }).catch(function (err) {
      if (err.error === 'already_checked_in' && err.ticket) { location.href = '/t/' + err.ticket.token; return; }
      var text = H.describe(err);
      if (err.error === 'too_early' && err.check_in_from) text += ' (' + when(err.check_in_from) + ')';
      H.toast(text);
    });
  };
})();
