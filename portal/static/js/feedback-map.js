// The feedback maps (Leaflet, vendored). Settings come from the map's data attributes and
// the places from a list in the page, so that the page says everything without JavaScript:
//   data-mode="staff" / "public": a marker for each item of the list named by data-list
//     (data-lat, data-lon, data-state, data-label), coloured by state; a tap on a marker
//     names its item.
//   data-mode="pick": the resident's feedback form; a tap places the marker and fills the
//     latitude and longitude fields; typed coordinates (or "use my location") move it. A
//     place outside the ward's area (data-area="lat,lon,metres") is warned about, not refused.
// No tile layer without data-tiles: the markers on a plain background.
(function () {
  "use strict";
  var box = document.getElementById("feedback-map");
  if (!box || typeof L === "undefined") {
    return;
  }
  box.hidden = false;
  var centre = (box.dataset.centre || "21.0285,105.8542").split(",").map(Number);
  var map = L.map(box, { scrollWheelZoom: false, tap: true }).setView(centre, 15);
  if (box.dataset.tiles) {
    L.tileLayer(box.dataset.tiles, {
      maxZoom: 19,
      attribution: box.dataset.attribution || "",
    }).addTo(map);
  } else {
    box.classList.add("no-tiles");
  }

  function dot(lat, lon, state) {
    return L.circleMarker([lat, lon], {
      radius: 11,
      weight: 3,
      className: "marker marker-" + (state || "pin"),
    });
  }

  var mode = box.dataset.mode;
  document.querySelectorAll(".map-hint").forEach(function (hint) {
    hint.hidden = false;
  });
  if (mode === "staff" || mode === "public") {
    var list = document.getElementById(box.dataset.list);
    var bounds = [];
    if (list) {
      list.querySelectorAll("[data-lat]").forEach(function (row) {
        var lat = Number(row.dataset.lat);
        var lon = Number(row.dataset.lon);
        if (!isFinite(lat) || !isFinite(lon)) {
          return;
        }
        var link = row.querySelector("a");
        var marker = dot(lat, lon, row.dataset.state).addTo(map);
        marker.bindTooltip(row.dataset.label || "");
        if (link) {
          marker.on("click", function () {
            link.focus();
          });
        }
        bounds.push([lat, lon]);
      });
    }
    if (bounds.length) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    }
    return;
  }

  if (mode !== "pick") {
    return;
  }
  var lat = document.getElementById("latitude");
  var lon = document.getElementById("longitude");
  var warning = document.getElementById("map-warning");
  var area = box.dataset.area ? box.dataset.area.split(",").map(Number) : null;
  var marker = null;

  function metresBetween(a, b) {
    var rad = Math.PI / 180;
    var dLat = (b[0] - a[0]) * rad;
    var dLon = (b[1] - a[1]) * rad;
    var h =
      Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * 6371000 * Math.asin(Math.sqrt(h));
  }

  function show(position) {
    if (marker) {
      marker.setLatLng(position);
    } else {
      marker = dot(position[0], position[1], "pin").addTo(map);
    }
    if (warning) {
      warning.hidden = !(area && metresBetween([area[0], area[1]], position) > area[2]);
    }
  }

  function fromFields() {
    var position = [Number(lat.value.replace(",", ".")), Number(lon.value.replace(",", "."))];
    if (lat.value && lon.value && isFinite(position[0]) && isFinite(position[1])) {
      show(position);
      map.panTo(position);
    }
  }

  map.on("click", function (event) {
    lat.value = event.latlng.lat.toFixed(6);
    lon.value = event.latlng.lng.toFixed(6);
    show([event.latlng.lat, event.latlng.lng]);
  });
  lat.addEventListener("change", fromFields);
  lon.addEventListener("change", fromFields);
  fromFields();
})();
