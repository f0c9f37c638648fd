// Assignment page: drag-and-drop upload with its own messages, then live grading state.
(function () {
  "use strict";

  function setMessage(form, text, kind) {
    var box = form.querySelector(".upload-message");
    box.textContent = text || "";
    box.className = "upload-message" + (kind ? " " + kind : "");
  }

  function showFile(form, file) {
    var label = form.querySelector(".drop-file");
    label.textContent = file ? file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KB)" : label.dataset.empty;
  }

  function upload(form) {
    var input = form.querySelector("input[type=file]");
    var file = input.files && input.files[0];
    if (!file) { return; }
    if (file.size > Number(form.dataset.maxBytes)) {
      setMessage(form, form.dataset.tooLarge, "error");
      return;
    }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    form.classList.add("busy");
    setMessage(form, "", "");
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return { message: form.dataset.failed }; })
        .then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (result.ok) {
        setMessage(form, result.body.message, "ok");
        window.location.hash = "latest";
        window.location.reload();
        return;
      }
      setMessage(form, result.body.message || form.dataset.failed, "error");
    }).catch(function () {
      setMessage(form, form.dataset.failed, "error");
    }).then(function () {
      button.disabled = false;
      form.classList.remove("busy");
    });
  }

  function wireDropzone(form) {
    var input = form.querySelector("input[type=file]");
    var target = form.querySelector(".drop-target");
    input.addEventListener("change", function () { showFile(form, input.files[0]); setMessage(form, "", ""); });
    ["dragenter", "dragover"].forEach(function (name) {
      target.addEventListener(name, function (event) { event.preventDefault(); target.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      target.addEventListener(name, function (event) { event.preventDefault(); target.classList.remove("over"); });
    });
    target.addEventListener("drop", function (event) {
      if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
      input.files = event.dataTransfer.files;
      showFile(form, input.files[0]);
      upload(form);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      upload(form);
    });
  }

  function poll(live) {
    var url = live.dataset.statusUrl;
    var text = live.querySelector(".live-text");
    var fill = live.querySelector(".bar-fill");
    var delay = 250;
    function step(state) {
      live.querySelectorAll("[data-step]").forEach(function (li) {
        var order = ["queued", "grading", "graded"];
        var at = order.indexOf(state), mine = order.indexOf(li.dataset.step);
        li.className = mine < at ? "done" : (mine === at ? "current" : "");
      });
      fill.className = "bar-fill bar-" + state;
    }
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (status) {
          if (status.done) {
            step("graded");
            text.textContent = live.dataset.done;
            window.location.reload();
            return;
          }
          step(status.state);
          text.textContent = status.state === "grading" ? live.dataset.grading
            : (status.position > 0 ? live.dataset.ahead.replace("%(n)s", status.position) : live.dataset.queued);
          delay = status.state === "grading" ? 200 : Math.min(2000, 300 + 100 * status.position);
          window.setTimeout(tick, delay);
        })
        .catch(function () { window.setTimeout(tick, 2000); });
    }
    window.setTimeout(tick, delay);
  }

  document.querySelectorAll("form.dropzone").forEach(wireDropzone);
  document.querySelectorAll(".live[data-status-url]").forEach(poll);
})();
