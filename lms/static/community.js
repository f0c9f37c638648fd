// Community editors: the Preview button renders the Markdown through POST /community/preview (the
// server's sanitiser, so the preview is what will be posted) and shows it under the editor. Without
// JavaScript the button submits the form and the page comes back with the preview.
(function () {
  "use strict";

  function preview(button) {
    var form = button.form;
    var editor = form.querySelector(".post-editor");
    var textarea = editor.querySelector("textarea");
    var box = editor.querySelector(".post-preview");
    var target = box.querySelector(".preview-body");
    var data = new FormData();
    data.append("body", textarea.value);
    data.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
    button.disabled = true;
    fetch(editor.dataset.previewUrl, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        box.hidden = false;
        if (answer.html !== undefined) {
          target.innerHTML = answer.html; // sanitised by the server
        } else {
          target.textContent = answer.error || "";
        }
      })
      .catch(function () { box.hidden = false; target.textContent = "…"; })
      .finally(function () { button.disabled = false; });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-preview-button]");
    if (!button || !button.form || !button.form.querySelector(".post-editor")) return;
    event.preventDefault();
    preview(button);
  });
})();
