// Mandarin call announcements: a chime, then speech with a zh-CN voice, each call said
// `repeat` times. One at a time, in order, never cut off; with no zh-CN voice, chime only.
(function () {
  'use strict';

  var DIGITS = '零一二三四五六七八九';
  var SPEAK_TIMEOUT_MS = 15000;

  // "A001" is read "A 零零一": halls read ticket numbers digit by digit.
  function spell(number) {
    return String(number).split('').map(function (c) {
      return c >= '0' && c <= '9' ? DIGITS[c.charCodeAt(0) - 48] : c + ' ';
    }).join('').trim();
  }

  function sentence(call) {
    var again = call.recall ? '再次' : '';
    return '请 ' + spell(call.number) + ' 号' + again + '到 ' + call.window + ' 号窗口办理';
  }

  function Announcer(options) {
    this.repeat = Math.max(1, Math.min(3, options.repeat || 2));
    this.chimeUrl = options.chimeUrl;
    this.onBlocked = options.onBlocked || function () {};
    this.queue = [];
    this.busy = false;
    this.enabled = false;
  }

  Announcer.prototype.voice = function () {
    var synth = window.speechSynthesis;
    if (!synth || !synth.getVoices) return null;
    var voices = synth.getVoices() || [];
    var exact = voices.filter(function (v) { return /^zh[-_]CN$/i.test(v.lang); });
    if (exact.length) return exact[0];
    var chinese = voices.filter(function (v) { return /^(zh|cmn)([-_](Hans|CN))?/i.test(v.lang) && !/TW|HK/i.test(v.lang); });
    return chinese.length ? chinese[0] : null;
  };

  Announcer.prototype.enable = function () {
    this.enabled = true;
    this.pump();
  };

  Announcer.prototype.announce = function (call) {
    if (!this.enabled) return;
    this.queue.push(call);
    this.pump();
  };

  Announcer.prototype.pump = function () {
    var self = this;
    if (this.busy || !this.enabled || !this.queue.length) return;
    var call = this.queue.shift();
    this.busy = true;
    var text = sentence(call);
    var voice = this.voice();
    var steps = this.chime();
    for (var i = 0; voice && i < this.repeat; i++) {
      steps = steps.then(function () { return self.speak(text, voice); });
    }
    steps.then(function () {
      self.busy = false;
      self.pump();
    });
  };

  Announcer.prototype.chime = function () {
    var url = this.chimeUrl;
    var self = this;
    return new Promise(function (resolve) {
      var audio = new Audio(url);
      var done = false;
      function finish() { if (!done) { done = true; resolve(); } }
      audio.onended = finish;
      audio.onerror = finish;
      setTimeout(finish, 2500);
      var played = audio.play();
      if (played && played.catch) {
        played.catch(function (e) {
          if (e && e.name === 'NotAllowedError') self.onBlocked();
          finish();
        });
      }
    });
  };

  Announcer.prototype.speak = function (text, voice) {
    var self = this;
    return new Promise(function (resolve) {
      var done = false;
      function finish() { if (!done) { done = true; resolve(); } }
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = 'zh-CN';
      utterance.rate = 0.9;
      try { utterance.voice = voice; } catch (e) { /* lang alone picks a voice */ }
      utterance.onend = finish;
      utterance.onerror = function (e) {
        if (e && e.error === 'not-allowed') self.onBlocked();
        finish();
      };
      setTimeout(finish, SPEAK_TIMEOUT_MS);
      window.speechSynthesis.speak(utterance);
    });
  };

  Announcer.spell = spell;
  Announcer.sentence = sentence;
  window.Announcer = Announcer;
})();
