/* Visit plan page: poll the planning job until it is done, draw the routes on a Leaflet map
   (numbered markers and a polyline per route, points shown even without tiles), and ask for
   confirmation on forms marked data-confirm. Data comes from data- attributes only. */
(function () {
  "use strict";

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });

  // Poll the job: twice a second at first (most plans take one or two seconds), then every
  // second; reload the page when it is done.
  var status = document.getElementById("plan-status");
  if (status) {
    var polls = 0;
    var poll = function () {
      polls += 1;
      fetch(status.dataset.statusUrl, {headers: {Accept: "application/json"}, credentials: "same-origin"})
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) {
          if (data.running) { window.setTimeout(poll, polls < 10 ? 500 : 1000); } else { window.location.reload(); }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    window.setTimeout(poll, 500);
  }

  var el = document.getElementById("visit-plan-map");
  if (!el || !window.L) { return; }
  var routes = JSON.parse(el.dataset.routes || "[]");
  var focus = el.dataset.focus;
  if (focus && routes.some(function (r) { return r.id === focus; })) {
    routes = routes.filter(function (r) { return r.id === focus; });
  }
  var map = L.map(el).setView([43.77, 11.25], 11);
  var tiles = L.tileLayer(el.dataset.tileUrl, {maxZoom: 19, attribution: el.dataset.tileAttribution});
  var warned = false;
  tiles.on("tileerror", function () {
    if (!warned) { document.getElementById("tile-warning").classList.remove("d-none"); warned = true; }
  });
  tiles.addTo(map);

  function text(value) {
    var div = document.createElement("div");
    div.textContent = value == null ? "" : String(value);
    return div.innerHTML;
  }

  function numbered(n, colour) {
    return L.divIcon({
      className: "",
      html: '<span class="badge rounded-pill border border-white" style="background:' + colour +
        ';font-size:.8rem">' + text(n) + "</span>",
      iconSize: [24, 24], iconAnchor: [12, 12]
    });
  }

  var bounds = [];
  routes.forEach(function (route) {
    var line = [];
    if (route.start) { line.push(route.start); }
    route.stops.forEach(function (s) { line.push([s[0], s[1]]); });
    if (route.end) { line.push(route.end); }
    L.polyline(line, {color: route.colour, weight: 4, opacity: 0.8}).addTo(map)
      .bindTooltip(text(route.label));
    if (route.start) {
      L.circleMarker(route.start, {radius: 8, color: "#ffffff", weight: 2, fillColor: route.colour, fillOpacity: 1})
        .addTo(map).bindPopup(text(el.dataset.textStart) + " · " + text(route.label));
    }
    route.stops.forEach(function (s) {
      L.marker([s[0], s[1]], {icon: numbered(s[2], route.colour), title: s[3]}).addTo(map)
        .bindPopup("<strong>" + text(s[2]) + ". " + text(s[3]) + "</strong><br>" + text(s[4]) +
                   " · " + text(route.label));
    });
    bounds = bounds.concat(line);
  });
  if (bounds.length) { map.fitBounds(L.latLngBounds(bounds), {padding: [20, 20], maxZoom: 15}); }
}());
