// The kiosk's waiting screen looks again every few seconds for the dossier just returned at
// its desk (a script, not <meta http-equiv="refresh">, which assistive technology users
// cannot stop or slow down; here nobody is reading a form while it waits).
(function () {
  "use strict";
  var waiting = document.querySelector("[data-refresh-seconds]");
  if (!waiting) {
    return;
  }
  var seconds = parseInt(waiting.getAttribute("data-refresh-seconds"), 10) || 10;
  window.setTimeout(function () {
    window.location.reload();
  }, seconds * 1000);
})();
