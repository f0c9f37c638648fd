// Sign-up: the browser's IANA time zone into the form's hidden `timezone` field (the server
// checks it and uses UTC for anything it does not know, so an old browser still signs up).
(function () {
  "use strict";
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    return;
  }
  document.querySelectorAll("form[data-detect-timezone]").forEach(function (form) {
    if (form.elements.timezone) { form.elements.timezone.value = zone; }
  });
})();
