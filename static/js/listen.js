/* "Dengarkan": read a lesson or a quiz question aloud with the browser's own speech synthesis.
   The buttons are rendered hidden and appear only where the browser offers an Indonesian voice
   (the course content is Indonesian whatever the interface language). A voice installed on the
   phone is preferred: it also works offline. While speaking, the button says "Berhenti". */
(function () {
  "use strict";
  var synth = window.speechSynthesis;
  var buttons = document.querySelectorAll("button[data-listen]");
  if (!synth || !window.SpeechSynthesisUtterance || !buttons.length) { return; }
  var voice = null;
  var active = null;  // the button whose text is being read

  function isIndonesian(v) {
    // "id-ID" usually; some Android versions report "id_ID" or the old code "in".
    var lang = (v.lang || "").replace("_", "-").toLowerCase();
    return lang === "id" || lang.indexOf("id-") === 0 || lang === "in" || lang.indexOf("in-") === 0;
  }

  function pickVoice() {
    var voices = synth.getVoices().filter(isIndonesian);
    if (!voices.length) { return; }
    var first = !voice;
    voice = voices.filter(function (v) { return v.localService; })[0] || voices[0];
    if (first) { sayImages(); }
    buttons.forEach(function (b) { b.hidden = false; });
  }

  // innerText leaves images out: put each image's alt text after it, for this script only
  // (visually hidden and aria-hidden, as screen readers already read the alt attribute).
  function sayImages() {
    document.querySelectorAll("[data-speak] img[alt]").forEach(function (img) {
      if (!img.alt.trim()) { return; }
      var said = document.createElement("span");
      said.className = "sr-only";
      said.setAttribute("aria-hidden", "true");
      said.textContent = " " + img.alt + ". ";
      img.parentNode.insertBefore(said, img.nextSibling);
    });
  }

  function textOf(target) {
    var parts = target.querySelectorAll("[data-speak]");
    if (!parts.length) { return target.innerText; }
    return Array.prototype.map.call(parts, function (p) { return p.innerText; }).join("\n");
  }

  // Short pieces: some engines stop reading a long utterance after about fifteen seconds.
  function pieces(text) {
    var out = [];
    text.split(/\n+/).forEach(function (line) {
      line = line.replace(/\s+/g, " ").trim();
      while (line.length > 220) {
        var cut = line.lastIndexOf(". ", 220);
        if (cut < 60) { cut = line.lastIndexOf(" ", 220); }
        if (cut < 1) { cut = 220; }
        out.push(line.slice(0, cut + 1));
        line = line.slice(cut + 1).trim();
      }
      if (line) { out.push(line); }
    });
    return out;
  }

  function show(button, speaking) {
    button.setAttribute("aria-pressed", speaking ? "true" : "false");
    button.querySelector("span").textContent = speaking ? button.dataset.stopLabel : button.dataset.listenLabel;
  }

  function stop() {
    if (active) { show(active, false); active = null; }
    synth.cancel();
  }

  function finished(button) {
    return function () {
      if (active === button) { show(button, false); active = null; }
    };
  }

  function speak(button) {
    var target = document.getElementById(button.dataset.listen);
    var parts = target ? pieces(textOf(target)) : [];
    stop();
    if (!parts.length || !voice) { return; }
    active = button;
    show(button, true);
    parts.forEach(function (part, i) {
      var utterance = new SpeechSynthesisUtterance(part);
      utterance.voice = voice;
      utterance.lang = voice.lang;
      utterance.rate = 0.95;
      if (i === parts.length - 1) { utterance.onend = finished(button); }
      utterance.onerror = finished(button);
      synth.speak(utterance);
    });
  }

  buttons.forEach(function (button) {
    button.dataset.listenLabel = button.querySelector("span").textContent;
    button.addEventListener("click", function () {
      if (active === button) { stop(); } else { speak(button); }
    });
  });
  document.addEventListener("listen:stop", function () { if (active) { stop(); } });
  window.addEventListener("pagehide", function () { synth.cancel(); });

  pickVoice();
  if (!voice) {  // the list of voices often arrives a moment after the page loads
    if (synth.addEventListener) { synth.addEventListener("voiceschanged", pickVoice); } else { synth.onvoiceschanged = pickVoice; }
  }
}());
