/* The organization's location on a small map; who may edit drags the pin to correct it. */
(function () {
  "use strict";
  var el = document.getElementById("organization-location-map");
  if (!el || !window.L) { return; }
  var point = [parseFloat(el.dataset.latitude), parseFloat(el.dataset.longitude)];
  var map = L.map(el).setView(point, 16);
  L.tileLayer(el.dataset.tileUrl, {maxZoom: 19, attribution: el.dataset.tileAttribution}).addTo(map);
  var editable = el.dataset.editable === "true";
  var marker = L.marker(point, {draggable: editable, autoPan: true}).addTo(map);
  var status = document.getElementById("location-status");
  if (!editable) { return; }
  marker.on("dragend", function () {
    var moved = marker.getLatLng();
    var body = new URLSearchParams({latitude: moved.lat.toFixed(6), longitude: moved.lng.toFixed(6)});
    fetch(el.dataset.saveUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": el.dataset.csrfToken, Accept: "application/json"}
    }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      status.textContent = el.dataset.textSaved;
      status.className = "small mb-2 text-success";
    }).catch(function () {
      marker.setLatLng(point);
      status.textContent = el.dataset.textFailed;
      status.className = "small mb-2 text-danger";
    });
  });
}());
