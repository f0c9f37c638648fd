// Search before posting: while a title is typed, show what the server finds similar (answered
// threads on the community's ask page, open feedback items on the hub's filing page), waiting for a
// pause in typing and abandoning the request a newer title makes stale. Each box says where:
// data-url (the fragment's URL, ?q=), data-input (the title input's id), data-min (characters
// before asking), data-rendered (the server already showed the results for the title as it is).
// The results region ([data-similar-results]) is aria-live. Without JavaScript nothing changes.
(function () {
  "use strict";
  document.querySelectorAll("[data-similar-input]").forEach(function (box) {
    var input = document.getElementById(box.getAttribute("data-similar-input"));
    var region = box.querySelector("[data-similar-results]");
    if (!input || !region) return;
    var url = box.getAttribute("data-url");
    var MIN = parseInt(box.getAttribute("data-min") || "2", 10), DELAY = 300;
    var rendered = box.hasAttribute("data-rendered");
    var timer = null, pending = null, last = rendered ? input.value.trim() : null;

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
    if (!rendered && input.value.trim()) ask();
  });
}());
