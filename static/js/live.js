// hallq live stream client: snapshot, then ordered events; resumes with ?since= after a drop,
// reconnects with backoff, and flags silence. "Live" means a message or a heartbeat (every 5 s)
// actually arrived in the last 10 s on the current connection: opening a socket, or a socket
// that stays open but carries nothing (a stalled mobile network), does not count.
(function () {
  'use strict';

  var SILENCE_MS = 10000;
  var RECONNECT_MAX_MS = 5000;
  // Calls older than this (server time) when they arrive are shown, not announced.
  var FRESH_MS = 30000;

  function HallStream(hall, handlers) {
    this.hall = hall;
    this.handlers = handlers;
    this.lastSeq = null;
    this.lastHeard = 0;
    this.heardOnSocket = false;
    this.everHeard = false;
    this.socketSince = Date.now();
    this.startedAt = Date.now();
    this.attempt = 0;
    this.serverOffset = 0;
    this.ws = null;
    this.connected = null;
  }

  HallStream.prototype.start = function () {
    var self = this;
    this.connect();
    setInterval(function () { self.watchdog(); }, 1000);
  };

  HallStream.prototype.url = function () {
    var proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    var url = proto + '//' + location.host + '/ws/halls/' + encodeURIComponent(this.hall);
    return this.lastSeq === null ? url : url + '?since=' + this.lastSeq;
  };

  HallStream.prototype.connect = function () {
    var self = this;
    var ws;
    try {
      ws = new WebSocket(this.url());
    } catch (e) {
      this.retry();
      return;
    }
    this.ws = ws;
    this.heardOnSocket = false;
    this.socketSince = Date.now();
    ws.onopen = function () { self.attempt = 0; };
    ws.onmessage = function (m) { if (self.ws === ws) self.receive(m.data); };
    ws.onclose = function () {
      if (self.ws === ws) {
        self.ws = null;
        self.retry();
      }
    };
    ws.onerror = function () { try { ws.close(); } catch (e) { /* already closed */ } };
  };

  HallStream.prototype.retry = function () {
    var self = this;
    var delay = Math.min(RECONNECT_MAX_MS, 500 * Math.pow(2, this.attempt++));
    setTimeout(function () { self.connect(); }, delay * (0.75 + Math.random() * 0.5));
  };

  HallStream.prototype.watchdog = function () {
    var now = Date.now();
    var live = this.ws !== null && this.heardOnSocket && now - this.lastHeard <= SILENCE_MS;
    // While the page's first connection is still being made, it is neither live nor lost.
    if (live || this.everHeard || now - this.startedAt > SILENCE_MS) this.setConnected(live);
    var quietSince = this.heardOnSocket ? this.lastHeard : this.socketSince;
    if (this.ws && now - quietSince > SILENCE_MS) {
      // Open (or opening) but silent: a dead link the browser has not noticed. Drop it and
      // reconnect; the new connection resumes from the last event seen.
      var ws = this.ws;
      this.ws = null;
      try { ws.close(); } catch (e) { /* ignore */ }
      this.retry();
    }
  };

  HallStream.prototype.setConnected = function (connected) {
    if (connected !== this.connected) {
      this.connected = connected;
      if (this.handlers.onConnection) this.handlers.onConnection(connected);
    }
  };

  // Drops the connection and starts again from a fresh snapshot (the hall's configuration
  // changed: windows, services or names).
  HallStream.prototype.resync = function () {
    this.lastSeq = null;
    if (this.ws) this.ws.close();
  };

  HallStream.prototype.serverNow = function () {
    return Date.now() + this.serverOffset;
  };

  HallStream.prototype.receive = function (text) {
    this.lastHeard = Date.now();
    this.heardOnSocket = true;
    this.everHeard = true;
    this.setConnected(true);
    var msg;
    try { msg = JSON.parse(text); } catch (e) { return; }
    if ((msg.type === 'heartbeat' || msg.type === 'snapshot') && msg.at) {
      var at = Date.parse(msg.at);
      if (!isNaN(at)) this.serverOffset = at - Date.now();
    }
    if (msg.type === 'heartbeat') return;
    if (msg.type === 'snapshot') {
      this.lastSeq = msg.seq;
      this.handlers.onSnapshot(msg);
      return;
    }
    if (this.lastSeq !== null && msg.seq <= this.lastSeq) return;
    if (this.lastSeq !== null && msg.seq !== this.lastSeq + 1) {
      // A gap: start again from a snapshot rather than show a wrong picture.
      this.lastSeq = null;
      if (this.ws) this.ws.close();
      return;
    }
    this.lastSeq = msg.seq;
    var fresh = this.serverNow() - Date.parse(msg.at) < FRESH_MS;
    this.handlers.onEvent(msg, fresh);
  };

  window.HallStream = HallStream;
})();
