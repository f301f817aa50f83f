/* Quiz page enhancements. The page works without this file; with it, each answer is saved
   as soon as it changes, a countdown shows the time left (the server's deadline rules), and on a
   phone a page holding several questions shows them one at a time. */
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form) { return; }
  var token = form.querySelector("input[name=csrf_token]").value;

  function save(input) {
    var qid = input.name.replace("q_", "");
    var body = new FormData();
    body.append("csrf_token", token);
    body.append("shown", qid);
    form.querySelectorAll("[name='" + input.name + "']").forEach(function (el) {
      if ((el.type !== "radio" && el.type !== "checkbox") || el.checked) { body.append(el.name, el.value); }
    });
    fetch(input.dataset.autosave, {method: "POST", body: body, credentials: "same-origin",
                                   headers: {"X-CSRFToken": token}})
      .then(function (response) {
        if (response.status === 409) { window.location.reload(); }
      })
      .catch(function () { /* offline: the page's buttons save again on the next move */ });
  }

  form.querySelectorAll("[data-autosave]").forEach(function (input) {
    input.addEventListener(input.type === "text" ? "blur" : "change", function () { save(input); });
  });

  // One question per screen on a phone (a quiz set to show all questions on one page). Every
  // question stays in the form, so "Selesai" still posts them all; answers are saved as they change.
  var stepper = document.getElementById("stepper");
  var questions = form.querySelectorAll(".question");
  if (stepper && questions.length > 1 && window.matchMedia) {
    var narrow = window.matchMedia("(max-width: 719px)");
    var prev = stepper.querySelector("[data-step='-1']");
    var next = stepper.querySelector("[data-step='1']");
    var finish = form.querySelector("button[name=go][value=summary]");
    var bar = document.getElementById("quiz-progress");
    var key = "cakap-step-" + form.dataset.attempt;
    var remembered = 0;
    try { remembered = Number(window.sessionStorage.getItem(key)) || 0; } catch (e) { /* storage off */ }
    var current = Math.min(remembered, questions.length - 1);

    var show = function (index, moveFocus) {
      current = Math.max(0, Math.min(index, questions.length - 1));
      var on = narrow.matches;
      questions.forEach(function (q, i) { q.hidden = on && i !== current; });
      stepper.hidden = !on;
      prev.hidden = current === 0;
      next.hidden = current === questions.length - 1;
      if (finish) { finish.hidden = on && current !== questions.length - 1; }
      if (bar) { bar.hidden = !on; bar.value = current + 1; bar.textContent = (current + 1) + "/" + questions.length; }
      try { window.sessionStorage.setItem(key, String(current)); } catch (e) { /* storage off */ }
      document.dispatchEvent(new CustomEvent("listen:stop"));
      if (moveFocus) {  // a screen reader then reads the new question's legend ("Soal 3 dari 10 ...")
        questions[current].focus();
        questions[current].scrollIntoView({block: "start"});
      }
    };
    questions.forEach(function (q) { q.tabIndex = -1; });
    stepper.addEventListener("click", function (event) {
      var button = event.target.closest("[data-step]");
      if (button) { show(current + Number(button.dataset.step), true); }
    });
    var relayout = function () { show(current, false); };
    if (narrow.addEventListener) { narrow.addEventListener("change", relayout); } else { narrow.addListener(relayout); }
    show(current, false);
  }

  var box = document.getElementById("countdown");
  if (box) {
    var deadline = Date.parse(box.dataset.deadline);
    var out = box.querySelector(".remaining");
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      out.textContent = " (" + m + ":" + (s < 10 ? "0" : "") + s + ")";
      if (left === 0) {
        clearInterval(timer);
        var go = document.createElement("input");
        go.type = "hidden"; go.name = "go"; go.value = "summary";
        form.appendChild(go);
        form.submit();
      }
    };
    var timer = setInterval(tick, 1000);
    tick();
  }
}());
