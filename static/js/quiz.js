/* Quiz page enhancements. The page works without this file; with it, each answer is saved
   as soon as it changes, and a countdown shows the time left (the server's deadline rules). */
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
