// Certification pages: copy a share link; show the exam countdown and submit when time is up.
// The server enforces the deadline; this only keeps the learner informed.
(function () {
  "use strict";

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-copy");
      var done = function () {
        var label = button.textContent;
        button.textContent = button.getAttribute("data-done") || "Copied";
        button.classList.add("copied");
        setTimeout(function () { button.textContent = label; button.classList.remove("copied"); }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { fallback(text); done(); });
      } else {
        fallback(text);
        done();
      }
    });
  });

  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more we can do */ }
    document.body.removeChild(area);
  }

  var timer = document.getElementById("exam-timer");
  var form = document.getElementById("exam-form");
  if (!timer || !form) { return; }
  var deadline = Date.parse(timer.getAttribute("data-deadline"));
  var display = timer.querySelector(".timer");
  var submitted = false;
  form.addEventListener("submit", function () { submitted = true; });

  // Warnings at 5 and 1 minutes left, said once each in the assertive live region. Those already
  // behind at page load are not said (the timer shows the time).
  var warning = document.getElementById("exam-warning");
  var warnings = [300, 60].map(function (at) {
    return { at: at, text: timer.getAttribute("data-warn-" + at / 60), said: false };
  });
  var first = Math.floor((deadline - Date.now()) / 1000);
  warnings.forEach(function (w) { w.said = first <= w.at; });

  function warn(left) {
    warnings.forEach(function (w) {
      if (!w.said && left <= w.at) {
        w.said = true;
        warning.textContent = w.text;
      }
    });
  }

  function tick() {
    var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
    warn(left);
    var minutes = Math.floor(left / 60);
    var seconds = left % 60;
    display.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    timer.classList.toggle("urgent", left <= 60);
    if (left === 0 && !submitted) {
      submitted = true;
      display.textContent = timer.getAttribute("data-expired");
      form.submit();
      return;
    }
    if (left > 0) { setTimeout(tick, 1000 - (Date.now() % 1000)); }
  }
  tick();
})();
