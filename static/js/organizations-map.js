/* The organizations map: clustered circle markers drawn on a canvas, so 50,000 points stay smooth.
   Points come from /map/points.json with the list's filters; tiles are optional decoration. */
(function () {
  "use strict";
  var el = document.getElementById("organizations-map");
  if (!el || !window.L) { return; }

  var COLOURS = {
    kind: {company: "#0d6efd", coop_a: "#20c997", coop_b: "#198754", third_sector: "#6f42c1",
           public_body: "#fd7e14"},
    status: {prospect: "#6c757d", contacted: "#0dcaf0", active_partner: "#198754",
             dormant: "#adb5bd", do_not_contact: "#dc3545"}
  };
  var APPROXIMATE = {comune: true, postcode: true};
  var legend = JSON.parse(el.dataset.legend);
  var detailUrl = el.dataset.detailUrl.replace(/0$/, "");
  var colourBy = "kind";
  var points = [];

  var map = L.map(el, {preferCanvas: true}).setView([43.77, 11.25], 10);
  var renderer = L.canvas({padding: 0.5});
  var tiles = L.tileLayer(el.dataset.tileUrl, {maxZoom: 19, attribution: el.dataset.tileAttribution});
  var warned = false;
  tiles.on("tileerror", function () {
    if (!warned) { document.getElementById("tile-warning").classList.remove("d-none"); warned = true; }
  });
  tiles.addTo(map);
  var cluster = L.markerClusterGroup({chunkedLoading: true, showCoverageOnHover: false,
                                      maxClusterRadius: 50});
  map.addLayer(cluster);

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function popup(p) {
    var html = '<a class="fw-semibold" href="' + detailUrl + p[0] + '">' + escapeHtml(p[5]) + "</a><br>" +
      escapeHtml(legend.kind[p[3]]) + " · " + escapeHtml(legend.status[p[4]]);
    if (APPROXIMATE[p[6]]) { html += '<br><em class="text-muted">' + escapeHtml(el.dataset.textApproximate) +
      " (" + escapeHtml(legend.precision[p[6]]) + ")</em>"; }
    return html;
  }

  function draw() {
    cluster.clearLayers();
    var palette = COLOURS[colourBy];
    var markers = points.map(function (p) {
      var index = colourBy === "kind" ? 3 : 4;
      var marker = L.circleMarker([p[1], p[2]], {
        renderer: renderer, radius: 7, weight: APPROXIMATE[p[6]] ? 2 : 1,
        dashArray: APPROXIMATE[p[6]] ? "3" : null, color: "#ffffff",
        fillColor: palette[p[index]] || "#333333", fillOpacity: 0.9
      });
      marker.bindPopup(function () { return popup(p); });
      return marker;
    });
    cluster.addLayers(markers);
    var legendEl = document.getElementById("map-legend");
    legendEl.innerHTML = "";
    Object.keys(palette).forEach(function (key) {
      var item = document.createElement("span");
      item.innerHTML = '<span class="d-inline-block rounded-circle me-1" style="width:.8rem;height:.8rem;background:' +
        palette[key] + '"></span>' + escapeHtml(legend[colourBy][key]);
      legendEl.appendChild(item);
    });
  }

  document.querySelectorAll("input[name=colour-by]").forEach(function (input) {
    input.addEventListener("change", function () { colourBy = input.value; draw(); });
  });

  fetch(el.dataset.pointsUrl, {headers: {Accept: "application/json"}, credentials: "same-origin"})
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      points = data.points;
      var text = el.dataset.textLocated.replace("__N__", data.count.toLocaleString(document.documentElement.lang || "it"));
      if (data.without_location) {
        text += " · " + el.dataset.textMissing.replace("__N__", data.without_location.toLocaleString(document.documentElement.lang || "it"));
      }
      if (data.truncated) { text += " · " + el.dataset.textTruncated; }
      document.getElementById("map-count").textContent = text;
      draw();
      if (points.length) {
        map.fitBounds(L.latLngBounds(points.map(function (p) { return [p[1], p[2]]; })), {maxZoom: 15});
      }
    })
    .catch(function () { document.getElementById("map-count").textContent = "⚠"; });
}());
