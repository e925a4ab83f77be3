// The door's check-in page: read a booking's QR code with the phone's or tablet's camera
// (jsQR, vendored), and keep the counts current without reloading.
// Without JavaScript or a camera the scan button stays hidden: the code is typed as before.
(function () {
  "use strict";
  var page = document.getElementById("door");
  if (!page) {
    return;
  }
  var say = function (text, kind) {
    var box = document.getElementById("scan-message");
    box.textContent = text;
    box.className = "flash flash-" + (kind || "info");
    box.hidden = !text;
  };

  // ---- the counts, refreshed every few seconds
  var countsUrl = page.getAttribute("data-counts-url");
  var refresh = function () {
    fetch(countsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (counts) {
        if (!counts) { return; }
        Object.keys(counts).forEach(function (name) {
          var cell = page.querySelector('[data-count="' + name + '"]');
          if (cell) { cell.textContent = counts[name]; }
        });
      })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  };
  if (countsUrl) {
    window.setInterval(refresh, 5000);
  }

  // ---- the camera
  var button = document.getElementById("scan-start");
  var video = document.getElementById("scan-video");
  var input = document.getElementById("code");
  var form = input ? input.form : null;
  var media = navigator.mediaDevices;
  if (!button || !video || !form || !media || !media.getUserMedia || typeof jsQR !== "function") {
    return;
  }
  button.hidden = false;
  var alphabet = /^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{8}$/;
  var stream = null;
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });

  var codeIn = function (text) {
    // The confirmation's QR holds the code itself; a link to the booking page holds it last.
    var last = String(text || "").trim().split(/[/?#]/).filter(Boolean).pop() || "";
    var code = last.toUpperCase().replace(/[^0-9A-Z]/g, "");
    return alphabet.test(code) ? code : null;
  };
  var stop = function () {
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    video.hidden = true;
    button.disabled = false;
  };
  var look = function () {
    if (!stream) { return; }
    if (video.readyState >= video.HAVE_ENOUGH_DATA && video.videoWidth) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (found) {
        var code = codeIn(found.data);
        if (code) {
          stop();
          input.value = code;
          say(page.getAttribute("data-text-read"), "success");
          form.submit();
          return;
        }
        say(page.getAttribute("data-text-not-ours"), "error");
      }
    }
    window.requestAnimationFrame(look);
  };
  button.addEventListener("click", function () {
    button.disabled = true;
    say("");
    media.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (camera) {
        stream = camera;
        video.srcObject = camera;
        video.hidden = false;
        return video.play();
      })
      .then(function () { window.requestAnimationFrame(look); })
      .catch(function () {
        stop();
        say(page.getAttribute("data-text-no-camera"), "error");
      });
  });
  // Exposed for the browser test, which feeds a QR image to the same decoder.
  window.doorScanner = { codeIn: codeIn, stop: stop };
})();
