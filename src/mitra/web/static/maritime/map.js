// The shared maritime picture: Leaflet over an offline Natural Earth basemap (world-atlas, no tiles).
// Loads /maritime/picture.json for the chosen window; a vessel click loads its track.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") { return; }
  var status = document.getElementById("picture-status");
  var since = document.getElementById("since");
  var until = document.getElementById("until");
  var map = L.map(el, { worldCopyJump: true, attributionControl: true }).setView([8, 100], 4);
  map.attributionControl.addAttribution("Natural Earth (world-atlas)");
  var layers = {
    basemap: L.layerGroup().addTo(map),
    areas: L.layerGroup().addTo(map),
    incidents: L.layerGroup().addTo(map),
    events: L.layerGroup().addTo(map),
    vessels: L.layerGroup().addTo(map),
    track: L.layerGroup().addTo(map)
  };
  L.control.layers(null, {
    "Areas of interest": layers.areas,
    "Incidents": layers.incidents,
    "Events": layers.events,
    "Vessels": layers.vessels,
    "Track": layers.track
  }).addTo(map);

  function text(value) {
    var span = document.createElement("span");
    span.textContent = value === null || value === undefined ? "" : String(value);
    return span.innerHTML;
  }
  function query() {
    var params = new URLSearchParams();
    if (since && since.value) { params.set("since", since.value); }
    if (until && until.value) { params.set("until", until.value); }
    return params.toString();
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw new Error(body.detail || response.statusText); }
          return body;
        });
      });
  }

  function drawBasemap() {
    return getJSON(el.dataset.basemap).then(function (topology) {
      var countries = topojson.feature(topology, topology.objects.countries);
      L.geoJSON(countries, {
        interactive: false,
        style: { color: "#8a8f7a", weight: 0.6, fillColor: "#efeadb", fillOpacity: 1 },
        className: "basemap-country"
      }).addTo(layers.basemap);
    });
  }

  function showTrack(vessel) {
    layers.track.clearLayers();
    var params = new URLSearchParams(query());
    params.set("mmsi", vessel.mmsi);
    getJSON(el.dataset.track + "?" + params.toString()).then(function (body) {
      var points = body.positions.map(function (p) { return [p.lat, p.lon]; });
      if (points.length > 1) {
        L.polyline(points, { color: "#1b6ac9", weight: 2, className: "vessel-track" }).addTo(layers.track);
      }
      el.dataset.trackPoints = String(points.length);
    }).catch(function (error) { status.textContent = "track: " + error.message; });
  }

  function drawPicture(body) {
    ["areas", "incidents", "events", "vessels", "track"].forEach(function (name) { layers[name].clearLayers(); });
    L.geoJSON(body.areas, {
      style: { color: "#008060", weight: 1.5, fillOpacity: 0.12, className: "area-shape" },
      onEachFeature: function (feature, layer) { layer.bindTooltip(text(feature.properties.name)); }
    }).addTo(layers.areas);
    body.incidents.forEach(function (i) {
      L.circleMarker([i.lat, i.lon], {
        radius: 5, color: "#7f1010", weight: 1, fillColor: "#c62828", fillOpacity: 0.85, className: "incident-marker"
      }).bindPopup(
        "<strong>" + text(i.name) + "</strong><br>" + text(i.category) + (i.attempted ? " (attempted)" : "") +
        " · " + (i.severity ? text(i.severity) : "not graded") + "<br>" + text(i.occurred_at) +
        (i.area ? "<br>" + text(i.area) : "") + "<br>TLP:" + text(String(i.tlp).toUpperCase()) +
        '<br><a href="/objects/' + encodeURIComponent(i.id) + '">open</a>'
      ).addTo(layers.incidents);
    });
    body.events.forEach(function (e) {
      L.circleMarker([e.lat, e.lon], {
        radius: 6, color: "#8a5a00", weight: 1, fillColor: "#f29f05", fillOpacity: 0.85, className: "event-marker"
      }).bindPopup(
        "<strong>" + text(e.event_type) + "</strong> MMSI " + text(e.mmsi) + "<br>" + text(e.start) + " – " +
        text(e.end || "open") + "<br>" + text(e.status) + '<br><a href="/objects/' + encodeURIComponent(e.id) + '">open</a>'
      ).addTo(layers.events);
    });
    body.vessels.forEach(function (v) {
      var marker = L.circleMarker([v.lat, v.lon], {
        radius: 4, color: "#0d3c75", weight: 1, fillColor: "#1b6ac9", fillOpacity: 0.9, className: "vessel-marker"
      }).bindTooltip(text(v.name || "MMSI " + v.mmsi) + " · " + text(v.sog) + " kn · " + text(v.at));
      marker.on("click", function () { showTrack(v); });
      marker.addTo(layers.vessels);
    });
    var shown = body.incidents.length + " incidents" + (body.incidents_truncated ? " (newest of " + body.incidents_total + ")" : "") +
      ", " + body.events.length + " events, " + body.vessels.length + " vessels" +
      (body.positions_shown ? "" : " (positions not available to you)") +
      (body.positions_untimed ? "; " + body.positions_untimed.toLocaleString("en") +
        " positions of unknown time held, not shown (their source gave no time)" : "");
    status.textContent = shown;
    el.dataset.incidents = String(body.incidents.length);
    el.dataset.areas = String(body.areas.features.length);
    el.dataset.vessels = String(body.vessels.length);
  }

  function load() {
    status.textContent = "loading…";
    el.dataset.ready = "false";
    return getJSON(el.dataset.picture + "?" + query()).then(drawPicture).then(function () {
      el.dataset.ready = "true";
    }).catch(function (error) {
      status.textContent = "could not load the picture: " + error.message;
      el.dataset.ready = "error";
    });
  }

  var form = document.getElementById("picture-filter");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var url = new URL(window.location.href);
      url.search = query();
      window.history.replaceState(null, "", url.toString());
      load();
    });
  }
  drawBasemap().catch(function (error) { status.textContent = "basemap: " + error.message; }).then(load);
}());
