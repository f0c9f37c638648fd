// Quiz page: after submitting, the page opens at its result (#results, focusable, so the browser's
// fragment navigation focuses it and a screen reader reads the score). Keep the result below the
// sticky top bar, whatever its height at this width.
(function () {
  "use strict";
  var results = document.getElementById("results");
  var bar = document.querySelector(".topbar");
  if (bar) {
    document.documentElement.style.setProperty("--topbar-h", Math.ceil(bar.getBoundingClientRect().height) + "px");
  }
  if (!results || window.location.hash !== "#results") { return; }
  results.scrollIntoView({ block: "start" }); // honours scroll-margin-top: the bar's height + 16px
  results.focus({ preventScroll: true });
})();
