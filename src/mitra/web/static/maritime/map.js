// The shared maritime picture: Leaflet over an offline Natural Earth basemap (world-atlas, no tiles).
// Loads /maritime/picture.json for the chosen window; a vessel click loads its track. Base stations, SAR
// aircraft and aids to navigation are layers of their own (keyboard-focusable markers, a shape each); the
// newest safety messages fill the list under the map.
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
    track: L.layerGroup().addTo(map),
    stations: L.layerGroup().addTo(map),
    sar: L.layerGroup().addTo(map),
    aids: L.layerGroup().addTo(map)
  };
  // One shape per kind of AIS sender, not only a colour (a square mast, an aircraft, a diamond): the legend's.
  function shapeOf(name) {
    var key = document.querySelector('[data-shape="' + name + '"]');
    return key ? key.innerHTML : "";
  }
  var SHAPES = { stations: shapeOf("stations"), sar: shapeOf("sar"), aids: shapeOf("aids"), virtualAid: shapeOf("virtual") };
  var overlays = {
    "Areas of interest": layers.areas,
    "Incidents": layers.incidents,
    "Events": layers.events,
    "Vessels": layers.vessels,
    "Track": layers.track
  };
  overlays['<span class="layer-key">' + SHAPES.stations + "</span> Base stations"] = layers.stations;
  overlays['<span class="layer-key">' + SHAPES.sar + "</span> SAR aircraft"] = layers.sar;
  overlays['<span class="layer-key">' + SHAPES.aids + "</span> Aids to navigation"] = layers.aids;
  L.control.layers(null, overlays).addTo(map);
  var aisStatus = document.getElementById("ais-status");
  var safety = document.getElementById("safety-messages");

  function text(value) {
    var span = document.createElement("span");
    span.textContent = value === null || value === undefined ? "" : String(value);
    return span.innerHTML;
  }
  function mmsi(value) { return ("000000000" + String(value)).slice(-9); }  // base stations' begin 00
  function when(value) { return value ? value.slice(0, 10) + " " + value.slice(11, 19) + " UTC" : "time unknown"; }
  function position(lat, lon) {
    return Math.abs(lat).toFixed(4) + "° " + (lat < 0 ? "S" : "N") + ", " + Math.abs(lon).toFixed(4) + "° " +
      (lon < 0 ? "W" : "E");
  }
  function count(n, one, many) { return n.toLocaleString("en") + " " + (n === 1 ? one : many); }
  function row(label, value) { return "<br>" + text(label) + ": " + text(value); }

  // A sender on its layer: a focusable marker (Enter opens the popup), its shape, a label read aloud.
  function senderMarker(kind, item, shape, label, popup, rotate) {
    var html = rotate === null || rotate === undefined ? shape :
      '<span class="ais-rotated" style="transform: rotate(' + Number(rotate) + 'deg)">' + shape + "</span>";
    var marker = L.marker([item.lat, item.lon], {
      icon: L.divIcon({ className: "ais-marker ais-" + kind, html: html, iconSize: [18, 18], iconAnchor: [9, 9] }),
      title: label,
      keyboard: true,
      riseOnHover: true
    }).bindPopup(popup);
    marker.on("add", function () {
      var icon = marker.getElement();
      if (icon && !icon.dataset.labelled) {
        icon.dataset.labelled = "true";
        icon.setAttribute("aria-label", label);
        icon.addEventListener("keydown", function (event) {  // Escape closes what Enter opened
          if (event.key === "Escape") { marker.closePopup(); }
        });
      }
    });
    marker.addTo(layers[kind]);
  }
  function timeRows(item) {
    return row("last report", when(item.at)) + (item.at ? row("time from", item.time_basis) : "") +
      row("reports in the window", item.reports.toLocaleString("en"));
  }
  function drawStations(list) {
    list.items.forEach(function (s) {
      if (s.lat === null || s.lon === null) { return; }
      var label = "Base station MMSI " + mmsi(s.mmsi) + (s.name ? " " + s.name : "") + ", " + when(s.at);
      senderMarker("stations", s, SHAPES.stations, label,
        "<strong>Base station</strong> MMSI " + text(mmsi(s.mmsi)) + (s.name ? "<br>" + text(s.name) : "") +
        row("position", position(s.lat, s.lon)) + timeRows(s) +
        row("station clock", s.station_time ? when(s.station_time) : "not available") +
        row("position fixing", s.epfd) + (s.msg_type === 11 ? "<br>(a UTC/date response)" : ""));
    });
  }
  function drawSar(list) {
    list.items.forEach(function (a) {
      if (a.lat === null || a.lon === null) { return; }
      var label = "SAR aircraft MMSI " + mmsi(a.mmsi) + (a.name ? " " + a.name : "") + ", " + when(a.at);
      var altitude = a.altitude_m === null ? "not available" :
        (a.altitude_capped ? a.altitude_m + " m or more" : a.altitude_m.toLocaleString("en") + " m");
      var speed = a.speed_kn === null ? "not available" : (a.speed_capped ? a.speed_kn + " kn or more" : a.speed_kn + " kn");
      senderMarker("sar", a, SHAPES.sar, label,
        "<strong>SAR aircraft</strong> MMSI " + text(mmsi(a.mmsi)) + (a.name ? "<br>" + text(a.name) : "") +
        row("position", position(a.lat, a.lon)) + row("altitude", altitude) + row("speed", speed) +
        row("course", a.course === null ? "not available" : a.course.toFixed(1) + "°") + timeRows(a), a.course);
    });
  }
  function drawAids(list) {
    list.items.forEach(function (n) {
      if (n.lat === null || n.lon === null) { return; }
      var name = n.name || "name not given";
      var state = n.off_position === null ? "not said" : (n.off_position ? "OFF POSITION" : "on position");
      var label = "Aid to navigation " + name + ", " + n.aid_type_name + (n.virtual ? ", virtual" : "") +
        (n.off_position ? ", off position" : "");
      senderMarker("aids", n, n.virtual ? SHAPES.virtualAid : SHAPES.aids, label,
        "<strong>" + text(name) + "</strong><br>Aid to navigation, " + text(n.aid_type_name) +
        (n.virtual ? " (virtual: no physical mark)" : "") + row("MMSI", mmsi(n.mmsi)) +
        row("position", position(n.lat, n.lon)) + row("charted position", state) + timeRows(n));
    });
  }
  function located(list) { return list.items.filter(function (i) { return i.lat !== null && i.lon !== null; }).length; }
  function describe(list, one, many) {
    var drawn = located(list);
    var said = count(list.total, one, many);
    if (list.truncated) { said += " (first " + list.items.length.toLocaleString("en") + " by MMSI drawn)"; }
    if (drawn < list.items.length) { said += ", " + (list.items.length - drawn).toLocaleString("en") + " without a position not drawn"; }
    if (list.unknown_time_held && !list.unknown_time_listed) {
      said += ", " + list.unknown_time_held.toLocaleString("en") + " reports of unknown time not in this window";
    }
    return said;
  }
  function drawSafety(list, shown) {
    if (!safety) { return; }
    var body = safety.querySelector("tbody");
    var summary = document.getElementById("safety-status");
    body.textContent = "";
    if (!shown) {
      summary.textContent = "Safety messages are pillar measurements: not available to you.";
      return;
    }
    list.items.forEach(function (m) {
      var tr = document.createElement("tr");
      [when(m.at), mmsi(m.mmsi) + (m.sender_name ? " " + m.sender_name : ""),
       m.addressed ? (m.dest_mmsi === null ? "addressee not given" : mmsi(m.dest_mmsi) + (m.dest_name ? " " + m.dest_name : "")) :
         "all stations (broadcast)",
       m.text || "(no text)"].forEach(function (value, index) {
        var td = document.createElement("td");
        td.textContent = value;
        if (index === 0 && !m.at) { td.className = "unknown"; }
        if (index === 3) { td.className = "safety-text"; }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    if (!list.items.length) {
      var empty = document.createElement("tr");
      var cell = document.createElement("td");
      cell.colSpan = 4;
      cell.textContent = "No safety messages in this window.";
      empty.appendChild(cell);
      body.appendChild(empty);
    }
    var words = "Newest first: shown " + list.items.length.toLocaleString("en") + " of " + list.total.toLocaleString("en") + ".";
    if (list.unknown_time_held) {
      words += list.unknown_time_listed ?
        " " + count(list.unknown_time_held, "message", "messages") + " of unknown time listed last." :
        " " + count(list.unknown_time_held, "message", "messages") + " of unknown time not in this window.";
    }
    summary.textContent = words;
    var all = document.getElementById("safety-all");
    if (all) { all.href = "/maritime/safety-messages" + (query() ? "?" + query() : ""); }
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
    ["areas", "incidents", "events", "vessels", "track", "stations", "sar", "aids"].forEach(function (name) {
      layers[name].clearLayers();
    });
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
    if (body.positions_shown) {
      drawStations(body.base_stations);
      drawSar(body.sar_aircraft);
      drawAids(body.aids_to_navigation);
      aisStatus.textContent = "AIS: " + describe(body.base_stations, "base station", "base stations") + "; " +
        describe(body.sar_aircraft, "SAR aircraft", "SAR aircraft") + "; " +
        describe(body.aids_to_navigation, "aid to navigation", "aids to navigation") + ".";
      el.dataset.stations = String(located(body.base_stations));
      el.dataset.sar = String(located(body.sar_aircraft));
      el.dataset.aids = String(located(body.aids_to_navigation));
    } else {
      aisStatus.textContent = "AIS base stations, SAR aircraft and aids to navigation: not available to you.";
    }
    drawSafety(body.safety_messages, body.positions_shown);
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
