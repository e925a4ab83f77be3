// "Use my current location": fills the latitude and longitude fields of the feedback form.
// Without JavaScript or geolocation the button stays hidden and the fields can be typed.
(function () {
  "use strict";
  var button = document.getElementById("use-location");
  var lat = document.getElementById("latitude");
  var lon = document.getElementById("longitude");
  if (!button || !lat || !lon || !("geolocation" in navigator)) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lon.value = position.coords.longitude.toFixed(6);
        // The map (feedback-map.js) moves its marker to the new place.
        lon.dispatchEvent(new Event("change"));
        button.disabled = false;
      },
      function () {
        button.disabled = false;
      },
      { enableHighAccuracy: true, timeout: 10000 }
    );
  });
})();
