// File feedback: while the title (#title) is typed, show the open items the server finds similar
// (feedback.similar), each with its Vote button, waiting for a pause in typing and abandoning the
// request a newer title makes stale. Without JavaScript the page shows them after a submit.
(function () {
  "use strict";
  var box = document.getElementById("similar-items");
  var input = document.getElementById("title");
  if (!box || !input) return;
  var region = box.querySelector(".fb-similar-results");
  var url = box.getAttribute("data-url");
  var DELAY = 300, MIN = 3;
  var timer = null, pending = null, last = input.value.trim();

  function show(html) { region.innerHTML = html; }  // the server's escaped fragment

  function ask() {
    var q = input.value.trim();
    if (q === last) return;
    last = q;
    if (pending) pending.abort();
    if (q.length < MIN) { pending = null; show(""); return; }
    var controller = new AbortController();
    pending = controller;
    fetch(url + "?q=" + encodeURIComponent(q), {
      signal: controller.signal, credentials: "same-origin", headers: { "Accept": "text/html" }
    }).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (html) {
      if (pending === controller) { pending = null; show(html); }
    }).catch(function (error) {
      if (error.name !== "AbortError" && pending === controller) { pending = null; }
    });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, DELAY);
  });
}());
