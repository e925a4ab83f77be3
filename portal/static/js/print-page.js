// The "Print" button of a printable page (the officer report): shown only when this script
// runs, it opens the browser's print dialog. A script of the app's own, not an inline
// handler: the Content-Security-Policy allows scripts from 'self' only.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-print]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
