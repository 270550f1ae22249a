// The shared maritime picture: Leaflet over an offline Natural Earth basemap (world-atlas, no tiles).
// Loads /maritime/picture.json for the chosen window (and box); vessels, incidents and events are clustered
// (leaflet.markercluster, vendored). A vessel click (or Enter on its marker, or "Find a vessel") opens its
// side panel from /maritime/vessel.json, zooms to its track and offers a replay slider; Escape closes it.
// The page says the picture's time (from the data) and "showing N of M" wherever the server sent less than
// it holds. Base stations, SAR aircraft and aids to navigation are layers of their own (a shape each); the
// newest safety messages fill the list under the map.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") { return; }
  var status = document.getElementById("picture-status");
  var since = document.getElementById("since");
  var until = document.getElementById("until");
  // No tile layer sets the zoom range: say it (the clusters need a maxZoom).
  var map = L.map(el, { worldCopyJump: true, attributionControl: true, minZoom: 2, maxZoom: 16 }).setView([8, 100], 4);
  // The page's language as the locale dates and numbers read in (British English for "en": "14 Mar 2012").
  var LOCALE = ({ en: "en-GB", ms: "ms-MY", hi: "hi-IN" })[document.documentElement.lang || "en"] ||
    document.documentElement.lang || "en-GB";
  // The page's words in its language: the template renders them, translated, as JSON (#map-words); the English
  // text is the key, so a word the catalogue lacks is said in English. "{name}" marks a value put in.
  var WORDS = (function () {
    var node = document.getElementById("map-words");
    try { return node ? JSON.parse(node.textContent) : {}; } catch (error) { return {}; }
  }());
  function t(key, values) {
    var said = WORDS[key] || key;
    Object.keys(values || {}).forEach(function (name) { said = said.split("{" + name + "}").join(String(values[name])); });
    return said;
  }
  // Clusters of one kind each (their colour the kind's); single markers from zoom 10 on.
  function cluster(kind) {
    if (typeof L.markerClusterGroup !== "function") { return L.layerGroup(); }
    return L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      disableClusteringAtZoom: 10,
      maxClusterRadius: 50,
      iconCreateFunction: function (group) {
        var n = group.getChildCount();
        return L.divIcon({
          className: "map-cluster cluster-" + kind,
          html: "<span>" + n.toLocaleString(LOCALE) + "</span>",
          iconSize: [34, 34]
        });
      }
    });
  }
  map.attributionControl.addAttribution("Natural Earth (world-atlas)");
  var layers = {
    basemap: L.layerGroup().addTo(map),
    areas: L.layerGroup().addTo(map),
    incidents: cluster("incident").addTo(map),
    events: cluster("event").addTo(map),
    vessels: cluster("vessel").addTo(map),
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
  var overlays = {};
  overlays[t("Areas of interest")] = layers.areas;
  overlays[t("Incidents")] = layers.incidents;
  overlays[t("Events")] = layers.events;
  overlays[t("Vessels")] = layers.vessels;
  overlays[t("Track")] = layers.track;
  overlays['<span class="layer-key">' + SHAPES.stations + "</span> " + t("Base stations")] = layers.stations;
  overlays['<span class="layer-key">' + SHAPES.sar + "</span> " + t("SAR aircraft")] = layers.sar;
  overlays['<span class="layer-key">' + SHAPES.aids + "</span> " + t("Aids to navigation")] = layers.aids;
  L.control.layers(null, overlays).addTo(map);
  var aisStatus = document.getElementById("ais-status");
  var safety = document.getElementById("safety-messages");

  function text(value) {
    var span = document.createElement("span");
    span.textContent = value === null || value === undefined ? "" : String(value);
    return span.innerHTML;
  }
  function mmsi(value) { return ("000000000" + String(value)).slice(-9); }  // base stations' begin 00
  var TIME = new Intl.DateTimeFormat(LOCALE, {
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
    timeZone: "UTC", hour12: false
  });
  var DAY = new Intl.DateTimeFormat(LOCALE, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  var MINUTE = new Intl.DateTimeFormat(LOCALE, {
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC", hour12: false
  });
  function when(value) { return value ? TIME.format(new Date(value)) + " UTC" : t("time unknown"); }
  function minute(value) { return value ? MINUTE.format(new Date(value)) + " UTC" : t("time unknown"); }
  // A source that gives only the day (NGA ASAM) is stored at midnight: say the day, not a made-up time.
  function occurred(value) { return value && /T00:00:00(\.0+)?Z$/.test(value) ? day(value) : when(value); }
  function day(value) { return value ? DAY.format(new Date(value)) : "—"; }
  var RELATIVE = typeof Intl.RelativeTimeFormat === "function" ? new Intl.RelativeTimeFormat(LOCALE, { numeric: "auto" }) : null;
  // How far ``value`` lies from ``from`` (now when not given), in the largest unit that fits: "14 years ago".
  function age(value, from) {
    var seconds = (new Date(value).getTime() - (from ? new Date(from).getTime() : Date.now())) / 1000;
    var units = [["year", 31557600], ["month", 2629800], ["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
    for (var i = 0; i < units.length; i += 1) {
      if (Math.abs(seconds) >= units[i][1] || units[i][0] === "second") {
        var n = Math.trunc(seconds / units[i][1]);
        return RELATIVE ? RELATIVE.format(n, units[i][0]) : Math.abs(n) + " " + units[i][0] + "s " + (n < 0 ? "ago" : "ahead");
      }
    }
    return "";
  }
  // How long from ``from`` to ``value``, without "ago" ("2 hours"), in the page's language where Intl can say it.
  function span(value, from) {
    var seconds = Math.abs(new Date(value).getTime() - new Date(from).getTime()) / 1000;
    var units = [["year", 31557600], ["month", 2629800], ["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
    for (var i = 0; i < units.length; i += 1) {
      if (seconds >= units[i][1] || units[i][0] === "second") {
        var n = Math.trunc(seconds / units[i][1]);
        try {
          return new Intl.NumberFormat(LOCALE, { style: "unit", unit: units[i][0], unitDisplay: "long" }).format(n);
        } catch (error) {
          return age(value, from).replace(/ ago$/, "");
        }
      }
    }
    return "";
  }
  function num(value, digits) {
    if (value === null || value === undefined) { return t("not available"); }
    return Number(value).toLocaleString(LOCALE, digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  function words(name) { var t = String(name || "").replace(/_/g, " "); return t.charAt(0).toUpperCase() + t.slice(1); }
  function position(lat, lon) {
    return Math.abs(lat).toFixed(4) + "° " + (lat < 0 ? "S" : "N") + ", " + Math.abs(lon).toFixed(4) + "° " +
      (lon < 0 ? "W" : "E");
  }
  function count(n, one, many) { return t(n === 1 ? one : many, { n: n.toLocaleString(LOCALE) }); }
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
    return row(t("last report"), when(item.at)) + (item.at ? row(t("time from"), item.time_basis) : "") +
      row(t("reports in the window"), item.reports.toLocaleString(LOCALE));
  }
  function drawStations(list) {
    list.items.forEach(function (s) {
      if (s.lat === null || s.lon === null) { return; }
      var label = t("Base station") + " MMSI " + mmsi(s.mmsi) + (s.name ? " " + s.name : "") + ", " + when(s.at);
      senderMarker("stations", s, SHAPES.stations, label,
        "<strong>" + t("Base station") + "</strong> MMSI " + text(mmsi(s.mmsi)) + (s.name ? "<br>" + text(s.name) : "") +
        row(t("position"), position(s.lat, s.lon)) + timeRows(s) +
        row(t("station clock"), s.station_time ? when(s.station_time) : t("not available")) +
        row(t("position fixing"), s.epfd) + (s.msg_type === 11 ? "<br>" + t("(a UTC/date response)") : ""));
    });
  }
  function drawSar(list) {
    list.items.forEach(function (a) {
      if (a.lat === null || a.lon === null) { return; }
      var label = t("SAR aircraft") + " MMSI " + mmsi(a.mmsi) + (a.name ? " " + a.name : "") + ", " + when(a.at);
      var altitude = a.altitude_m === null ? t("not available") :
        (a.altitude_capped ? a.altitude_m + " " + t("m or more") : a.altitude_m.toLocaleString(LOCALE) + " m");
      var speed = a.speed_kn === null ? t("not available") : (a.speed_capped ? a.speed_kn + " " + t("kn or more") : a.speed_kn + " kn");
      senderMarker("sar", a, SHAPES.sar, label,
        "<strong>" + t("SAR aircraft") + "</strong> MMSI " + text(mmsi(a.mmsi)) + (a.name ? "<br>" + text(a.name) : "") +
        row(t("position"), position(a.lat, a.lon)) + row(t("altitude"), altitude) + row(t("speed"), speed) +
        row(t("course"), a.course === null ? t("not available") : a.course.toFixed(1) + "°") + timeRows(a), a.course);
    });
  }
  function drawAids(list) {
    list.items.forEach(function (n) {
      if (n.lat === null || n.lon === null) { return; }
      var name = n.name || t("name not given");
      var state = n.off_position === null ? t("not said") : (n.off_position ? t("OFF POSITION") : t("on position"));
      var label = t("Aid to navigation") + " " + name + ", " + n.aid_type_name + (n.virtual ? ", " + t("virtual") : "") +
        (n.off_position ? ", " + t("off position") : "");
      senderMarker("aids", n, n.virtual ? SHAPES.virtualAid : SHAPES.aids, label,
        "<strong>" + text(name) + "</strong><br>" + t("Aid to navigation") + ", " + text(n.aid_type_name) +
        (n.virtual ? " " + t("(virtual: no physical mark)") : "") + row("MMSI", mmsi(n.mmsi)) +
        row(t("position"), position(n.lat, n.lon)) + row(t("charted position"), state) + timeRows(n));
    });
  }
  function located(list) { return list.items.filter(function (i) { return i.lat !== null && i.lon !== null; }).length; }
  function describe(list, one, many) {
    var drawn = located(list);
    var said = count(list.total, one, many);
    if (list.truncated) { said += " " + t("(first {n} by MMSI drawn)", { n: list.items.length.toLocaleString(LOCALE) }); }
    if (drawn < list.items.length) { said += ", " + t("{n} without a position not drawn", { n: (list.items.length - drawn).toLocaleString(LOCALE) }); }
    if (list.unknown_time_held && !list.unknown_time_listed) {
      said += ", " + t("{n} reports of unknown time not in this window", { n: list.unknown_time_held.toLocaleString(LOCALE) });
    }
    return said;
  }
  function drawSafety(list, shown) {
    if (!safety) { return; }
    var body = safety.querySelector("tbody");
    var summary = document.getElementById("safety-status");
    body.textContent = "";
    if (!shown) {
      summary.textContent = t("Safety messages are pillar measurements: not available to you.");
      return;
    }
    list.items.forEach(function (m) {
      var tr = document.createElement("tr");
      [when(m.at), mmsi(m.mmsi) + (m.sender_name ? " " + m.sender_name : ""),
       m.addressed ? (m.dest_mmsi === null ? t("addressee not given") : mmsi(m.dest_mmsi) + (m.dest_name ? " " + m.dest_name : "")) :
         t("all stations (broadcast)"),
       m.text || t("(no text)")].forEach(function (value, index) {
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
      cell.textContent = t("No safety messages in this window.");
      empty.appendChild(cell);
      body.appendChild(empty);
    }
    var words = t("Newest first: shown {shown} of {total}.", { shown: list.items.length.toLocaleString(LOCALE), total: list.total.toLocaleString(LOCALE) });
    if (list.unknown_time_held) {
      words += list.unknown_time_listed ?
        " " + count(list.unknown_time_held, "{n} message of unknown time listed last.", "{n} messages of unknown time listed last.") :
        " " + count(list.unknown_time_held, "{n} message of unknown time not in this window.", "{n} messages of unknown time not in this window.");
    }
    summary.textContent = words;
    var all = document.getElementById("safety-all");
    if (all) { all.href = "/maritime/safety-messages" + (query() ? "?" + query() : ""); }
  }

  function query() {
    var params = new URLSearchParams();
    if (since && since.value) { params.set("since", since.value); }
    if (until && until.value) { params.set("until", until.value); }
    var box = document.getElementById("box");
    if (box && box.value) { params.set("box", box.value); }
    return params.toString();
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        var type = response.headers.get("content-type") || "";
        if (type.indexOf("json") < 0) {
          if (!response.ok) { throw new Error(response.status + " " + response.statusText); }
          return response.json();
        }
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

  // ----- the side panel of one vessel: identity, last fix, events, nearby incidents, its track replayed -----
  var panel = document.getElementById("vessel-panel");
  var panelTitle = document.getElementById("vessel-title");
  var panelBody = document.getElementById("vessel-body");
  var replay = document.getElementById("vessel-replay");
  var slider = document.getElementById("replay-slider");
  var replayTime = document.getElementById("replay-time");
  var replayIndex = document.getElementById("replay-index");
  var playButton = document.getElementById("replay-play");
  var pictureAsOf = null;
  var opener = null;  // what had the focus when the panel opened: it gets it back on Escape
  var panelMmsi = null;  // the vessel the panel shows: its live fixes update the panel
  var trackPoints = [];
  var replayMarker = null;
  var playing = null;
  var vesselMarkers = {};
  var fitted = Boolean(document.getElementById("box") && document.getElementById("box").value);
  if (fitted) {  // a page opened on an area shows that area
    var edges = document.getElementById("box").value.split(",").map(Number);
    if (edges.length === 4 && edges.every(isFinite)) { map.fitBounds([[edges[0], edges[1]], [edges[2], edges[3]]]); }
  }

  function vesselName(v) { return v.name || "MMSI " + mmsi(v.mmsi); }
  function link(href, label) { return '<a href="' + text(href) + '">' + text(label) + "</a>"; }
  function dl(rows) {
    return "<dl>" + rows.filter(function (r) { return r[1] !== null && r[1] !== undefined && r[1] !== ""; })
      .map(function (r) { return "<dt>" + text(r[0]) + "</dt><dd>" + (r[2] ? r[1] : text(r[1])) + "</dd>"; }).join("") + "</dl>";
  }
  function identityTable(history) {
    if (!history.length) { return "<p>" + t("No static report (name, call sign, IMO) heard from it in this window.") + "</p>"; }
    return '<ol class="panel-list identity-history">' + history.map(function (h) {
      var parts = [h.name || t("name not given"), h.callsign ? t("call sign {sign}", { sign: h.callsign }) : "", h.imo ? "IMO " + h.imo : "",
        h.ship_type_name || ""].filter(Boolean);
      var heard = h.first_seen === h.last_seen ? t("heard {time}", { time: minute(h.first_seen) }) :
        t("heard {start} to {end}", { start: minute(h.first_seen), end: minute(h.last_seen) });
      return "<li><strong>" + text(parts[0]) + "</strong>" + (parts.length > 1 ? " · " + text(parts.slice(1).join(" · ")) : "") +
        "<br><small>" + text(heard) + " (" + num(h.reports) + " " + (h.reports === 1 ? t("report") : t("reports")) + ")</small></li>";
    }).join("") + "</ol>";
  }
  function eventList(events) {
    if (!events.length) { return "<p>" + t("No detected event of this vessel in the window.") + "</p>"; }
    return "<ul class=\"panel-list\">" + events.map(function (e) {
      return "<li>" + link("/objects/" + encodeURIComponent(e.id), words(e.event_type)) + ": " + text(minute(e.start)) +
        " – " + (e.end ? text(minute(e.end)) : t("still open")) + ' <button type="button" class="link-button" data-lat="' +
        Number(e.lat) + '" data-lon="' + Number(e.lon) + '">' + text(t("show on map")) + '</button></li>';
    }).join("") + "</ul>";
  }
  function incidentList(body) {
    if (!body.nearby_incidents.length) {
      return "<p>" + text(t("No incident report within {km} km of its last position, nor one naming it.", { km: num(body.nearby_km) })) + "</p>";
    }
    var said = body.nearby_total > body.nearby_incidents.length ?
      "<p>" + text(t("Showing the nearest {shown} of {total}.", { shown: num(body.nearby_incidents.length), total: num(body.nearby_total) })) + "</p>" : "";
    return said + "<ul class=\"panel-list\">" + body.nearby_incidents.map(function (i) {
      return "<li>" + link("/maritime/incidents/" + encodeURIComponent(i.id), i.name) + "<br><small>" + text(day(i.occurred_at)) +
        (i.km === null ? "" : ", " + t("{km} km away", { km: num(i.km, 1) })) + (i.names_vessel ? ", " + t("names this vessel") : "") + "</small></li>";
    }).join("") + "</ul>";
  }
  function describeVessel(body) {
    var fix = body.last_fix;
    var fixRows = fix ? [
      [t("Last fix"), text(when(fix.at)) + "<br><small>" + text(age(fix.at)) +
        (pictureAsOf && pictureAsOf !== fix.at ? "; " + text(span(fix.at, pictureAsOf)) + " " + t("before the picture's time") : "") + "</small>", true],
      [t("Position"), position(fix.lat, fix.lon)],
      [t("Speed"), fix.sog === null ? t("not available") : num(fix.sog, 1) + " kn"],
      [t("Course"), fix.cog === null ? t("not available") : num(fix.cog, 1) + "°"],
      [t("Heading"), fix.heading === null ? t("not available") : fix.heading + "°"],
      [t("Navigational status"), fix.status_name || t("not given")]
    ] : [[t("Last fix"), t("no position in this window")]];
    return dl([
      ["MMSI", mmsi(body.mmsi)],
      [t("Name"), body.name || t("not given")],
      [t("Call sign"), body.callsign],
      [t("IMO number"), body.imo],
      [t("Type"), body.ship_type_name]
    ].concat(fixRows).concat([
      [t("Destination"), body.destination ? text(body.destination) + "<br><small>" + text(t("as given {time}", { time: minute(body.destination_at) })) + "</small>" : t("not given"), true],
      [t("Positions in the window"), num(body.positions)]
    ])) +
      "<h3>" + t("Identity history (oldest first)") + "</h3>" + identityTable(body.identities) +
      "<h3>" + text(t("Detected events ({n})", { n: num(body.events.length) })) + "</h3>" + eventList(body.events) +
      "<h3>" + t("Incidents nearby") + "</h3>" + incidentList(body);
  }
  function closePanel() {
    if (panel.hidden) { return; }
    stopReplay();
    panel.hidden = true;
    layers.track.clearLayers();
    replayMarker = null;
    el.dataset.panel = "closed";
    map.invalidateSize();
    if (opener && document.body.contains(opener)) { opener.focus(); }
  }
  function openVessel(v, from) {
    opener = from || document.activeElement;
    panelMmsi = v.mmsi;
    var liveLine = document.getElementById("vessel-live");
    if (liveLine) { liveLine.textContent = ""; }
    panel.hidden = false;
    map.invalidateSize();
    panelTitle.textContent = vesselName(v);
    panelBody.innerHTML = "<p>" + t("loading…") + "</p>";
    replay.hidden = true;
    el.dataset.panel = "loading";
    var params = new URLSearchParams(query());
    params.delete("box");
    params.set("mmsi", v.mmsi);
    panel.focus();
    getJSON(el.dataset.vessel + "?" + params.toString()).then(function (body) {
      panelTitle.textContent = vesselName(body);
      panelBody.innerHTML = describeVessel(body);
      el.dataset.panel = "open";
    }).catch(function (error) {
      panelBody.innerHTML = "<p class=\"error\">" + text(t("Could not load this vessel: {error}", { error: error.message })) + "</p>";
      el.dataset.panel = "error";
    });
    showTrack(v, params);
  }
  function showTrack(v, params) {
    layers.track.clearLayers();
    stopReplay();
    getJSON(el.dataset.track + "?" + params.toString()).then(function (body) {
      trackPoints = body.positions;
      var points = trackPoints.map(function (p) { return [p.lat, p.lon]; });
      if (points.length > 1) {
        var line = L.polyline(points, { color: "#1b6ac9", weight: 3, className: "vessel-track" }).addTo(layers.track);
        map.fitBounds(line.getBounds(), { padding: [30, 30], maxZoom: 12 });
      } else if (points.length === 1) {
        map.setView(points[0], Math.max(map.getZoom(), 10));
      }
      el.dataset.trackPoints = String(points.length);
      if (points.length) {
        replayMarker = L.circleMarker(points[points.length - 1], {
          radius: 7, color: "#fff", weight: 2, fillColor: "#0d3c75", fillOpacity: 1, className: "replay-marker"
        }).addTo(layers.track);
        slider.max = String(points.length - 1);
        slider.value = slider.max;
        replay.hidden = false;
        moveReplay();
      }
    }).catch(function (error) { status.textContent = t("track: {error}", { error: error.message }); });
  }
  function moveReplay() {
    var i = Number(slider.value);
    var p = trackPoints[i];
    if (!p || !replayMarker) { return; }
    replayMarker.setLatLng([p.lat, p.lon]);
    replayIndex.textContent = t("{n} of {total}", { n: (i + 1).toLocaleString(LOCALE), total: trackPoints.length.toLocaleString(LOCALE) });
    replayTime.textContent = when(p.at) + (p.sog === null || p.sog === undefined ? "" : ", " + num(p.sog, 1) + " kn");
    slider.setAttribute("aria-valuetext", when(p.at));
  }
  function stopReplay() {
    if (playing) { window.clearInterval(playing); playing = null; }
    if (playButton) { playButton.textContent = t("Play"); }
  }
  if (slider) { slider.addEventListener("input", function () { stopReplay(); moveReplay(); }); }
  if (playButton) {
    playButton.addEventListener("click", function () {
      if (playing) { stopReplay(); return; }
      if (Number(slider.value) >= trackPoints.length - 1) { slider.value = "0"; }
      playButton.textContent = t("Pause");
      var step = Math.max(1, Math.round(trackPoints.length / 200));
      playing = window.setInterval(function () {
        var next = Math.min(trackPoints.length - 1, Number(slider.value) + step);
        slider.value = String(next);
        moveReplay();
        if (next >= trackPoints.length - 1) { stopReplay(); }
      }, 60);
    });
  }
  document.getElementById("vessel-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) {
      var popupOpen = document.querySelector(".leaflet-popup");
      if (!popupOpen || panel.contains(document.activeElement)) { closePanel(); }
    }
  });
  panelBody.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.classList && target.classList.contains("link-button")) {
      map.setView([Number(target.dataset.lat), Number(target.dataset.lon)], Math.max(map.getZoom(), 11));
    }
  });

  // A focusable marker: a small shape (class ``kind-marker``), a label read aloud, Enter for its click.
  function pointMarker(kind, lat, lon, label) {
    var marker = L.marker([lat, lon], {
      icon: L.divIcon({ className: "map-point " + kind + "-marker", iconSize: kind === "vessel" ? [10, 10] : [12, 12] }),
      title: label,
      alt: label,
      keyboard: true,
      riseOnHover: true
    });
    marker.on("add", function () {
      var icon = marker.getElement();
      if (icon && !icon.dataset.keyed) {
        icon.dataset.keyed = "true";
        icon.setAttribute("aria-label", label);
        icon.setAttribute("role", "button");
        icon.addEventListener("keydown", function (event) {  // Enter (or Space) does what a click does
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            marker.fire("click", { latlng: marker.getLatLng(), originalEvent: event });
          }
        });
      }
    });
    return marker;
  }
  function incidentPopup(i) {
    return "<strong>" + text(i.name) + "</strong><br>" + text(words(i.category)) + (i.attempted ? " " + t("(attempted)") : "") +
      " · " + (i.severity ? text(i.severity) : t("not graded")) + "<br>" + text(occurred(i.occurred_at)) +
      (i.area ? "<br>" + text(i.area) : "") + (i.vessel_name ? "<br>" + text(t("Vessel: {name}", { name: i.vessel_name })) : "") +
      "<br>TLP:" + text(String(i.tlp).toUpperCase()) +
      "<br>" + link("/maritime/incidents/" + encodeURIComponent(i.id), t("Open the incident"));
  }
  function eventPopup(e) {
    var v = vesselMarkers[e.mmsi];
    return "<strong>" + text(words(e.event_type)) + "</strong><br>MMSI " + text(mmsi(e.mmsi)) +
      (v && v.name ? " " + text(v.name) : "") + "<br>" + text(minute(e.start)) + " – " + (e.end ? text(minute(e.end)) : t("still open")) +
      "<br>" + text(words(e.status)) + " · TLP:" + text(String(e.tlp).toUpperCase()) +
      "<br>" + link("/objects/" + encodeURIComponent(e.id), t("Open the event")) +
      (v ? ' · <button type="button" class="link-button open-vessel" data-mmsi="' + Number(e.mmsi) + '">' + text(t("Open the vessel")) + '</button>' : "");
  }
  map.on("popupopen", function (event) {
    var node = event.popup.getElement();
    var button = node && node.querySelector(".open-vessel");
    if (button) {
      button.addEventListener("click", function () {
        var v = vesselMarkers[Number(button.dataset.mmsi)];
        map.closePopup();
        if (v) { openVessel(v.vessel, null); }
      });
    }
  });

  function shownOf(shown, total, one, many, rest) {
    if (shown >= total) { return ""; }
    return "<p>" + text(t(total === 1 ? one : many, { shown: num(shown), total: num(total) })) + " " + rest + "</p>";
  }
  function listLink() {
    var params = new URLSearchParams();
    if (since && since.value) { params.set("since", since.value); }
    if (until && until.value) { params.set("until", until.value); }
    return "/maritime/incidents" + (params.toString() ? "?" + params.toString() : "");
  }
  var objectMarkers = {};  // id -> the marker drawn for an event or alert, so a new version replaces it
  var totals = null;  // what the picture holds, counted on as live objects and vessels arrive
  function sayTotals() {
    var body = totals.body;
    status.textContent = count(totals.incidents, "{n} incident", "{n} incidents") + ", " + count(totals.events, "{n} event", "{n} events") +
      ", " + (body.positions_shown ? count(totals.vessels, "{n} vessel", "{n} vessels") : t("vessel positions not available to you")) +
      (body.box ? " " + t("in the chosen area") : "") +
      (body.positions_untimed ? "; " + t("{n} positions of unknown time held, not shown (their source gave no time)",
        { n: body.positions_untimed.toLocaleString(LOCALE) }) : "");
  }
  function drawPicture(body) {
    ["areas", "incidents", "events", "vessels", "track", "stations", "sar", "aids"].forEach(function (name) {
      layers[name].clearLayers();
    });
    pictureAsOf = body.as_of;
    var asOf = document.getElementById("picture-as-of");
    if (asOf) {
      asOf.textContent = body.as_of ?
        t("Picture as of {time} — {basis} ({age})", { time: minute(body.as_of), basis: t(body.as_of_basis), age: age(body.as_of) }) :
        t("No position, event or incident in this window: the picture has no time.");
    }
    L.geoJSON(body.areas, {
      style: { color: "#008060", weight: 1.5, fillOpacity: 0.12, className: "area-shape" },
      onEachFeature: function (feature, layer) { layer.bindTooltip(text(feature.properties.name)); }
    }).addTo(layers.areas);
    vesselMarkers = {};
    var names = document.getElementById("vessel-names");
    var options = [];
    var vesselList = body.vessels.map(function (v) {
      var label = vesselName(v) + ", " + t("last fix {time}", { time: minute(v.at) });
      var marker = pointMarker("vessel", v.lat, v.lon, label);
      marker.bindTooltip(text(vesselName(v)) + " · " + (v.sog === null ? t("speed not available") : num(v.sog, 1) + " kn") + " · " + text(minute(v.at)));
      marker.on("click", function () { openVessel(v, marker.getElement()); });
      vesselMarkers[v.mmsi] = { vessel: v, marker: marker };
      options.push('<option value="' + text(mmsi(v.mmsi) + (v.name ? " " + v.name : "")) + '"></option>');
      return marker;
    });
    if (names) { names.innerHTML = options.join(""); }
    layers.vessels.addLayers ? layers.vessels.addLayers(vesselList) : vesselList.forEach(function (m) { m.addTo(layers.vessels); });
    var incidentList = body.incidents.map(function (i) {
      return pointMarker("incident", i.lat, i.lon, t("Incident: {name}, {day}", { name: i.name, day: day(i.occurred_at) })).bindPopup(incidentPopup(i));
    });
    layers.incidents.addLayers ? layers.incidents.addLayers(incidentList) : incidentList.forEach(function (m) { m.addTo(layers.incidents); });
    objectMarkers = {};
    var eventList = body.events.map(function (e) {
      var marker = pointMarker("event", e.lat, e.lon, words(e.event_type) + ", MMSI " + mmsi(e.mmsi) + ", " + minute(e.start))
        .bindPopup(function () { return eventPopup(e); });
      objectMarkers[e.id] = { marker: marker, layer: layers.events };
      return marker;
    });
    layers.events.addLayers ? layers.events.addLayers(eventList) : eventList.forEach(function (m) { m.addTo(layers.events); });
    (body.alerts || []).forEach(function (a) {  // not closed: drawn as the live feed draws them, on the events' layer
      var marker = pointMarker("alert", a.lat, a.lon, t("Alert: {title}", { title: a.title || "" }));
      marker.bindPopup("<strong>" + text(a.title || t("Alert")) + "</strong>" + fromWhom(a) + "<br>" + link(a.url, t("Open the alert")));
      objectMarkers[a.id] = { marker: marker, layer: layers.events };
      layers.events.addLayer(marker);
    });

    var narrow = text(t("Narrow the window or the area (“Only what is in view”) to see the rest."));
    var shownHtml = shownOf(body.vessels.length, body.vessels_total, "Showing {shown} of {total} vessel (the newest).", "Showing {shown} of {total} vessels (the newest).", narrow) +
      shownOf(body.events.length, body.events_total, "Showing {shown} of {total} event (the newest).", "Showing {shown} of {total} events (the newest).", narrow) +
      shownOf(body.incidents.length, body.incidents_total, "Showing {shown} of {total} incident (the newest).",
        "Showing {shown} of {total} incidents (the newest).",
        narrow + " " + text(t("Every one is in {list}.")).split("{list}").join(link(listLink(), t("the incident list"))));
    document.getElementById("picture-shown").innerHTML = shownHtml;
    totals = { incidents: body.incidents_total, events: body.events_total, vessels: body.vessels_total, body: body };
    sayTotals();
    if (!fitted) {
      fitted = true;
      var all = L.latLngBounds([]);
      [vesselList, incidentList, eventList].forEach(function (list) {
        list.forEach(function (m) { all.extend(m.getLatLng()); });
      });
      if (all.isValid()) { map.fitBounds(all, { padding: [20, 20], maxZoom: 9 }); }
    }
    el.dataset.incidents = String(body.incidents.length);
    el.dataset.areas = String(body.areas.features.length);
    el.dataset.vessels = String(body.vessels.length);
    el.dataset.events = String(body.events.length);
    if (body.positions_shown) {
      drawStations(body.base_stations);
      drawSar(body.sar_aircraft);
      drawAids(body.aids_to_navigation);
      aisStatus.textContent = "AIS: " + describe(body.base_stations, "{n} base station", "{n} base stations") + "; " +
        describe(body.sar_aircraft, "{n} SAR aircraft", "{n} SAR aircraft") + "; " +
        describe(body.aids_to_navigation, "{n} aid to navigation", "{n} aids to navigation") + ".";
      el.dataset.stations = String(located(body.base_stations));
      el.dataset.sar = String(located(body.sar_aircraft));
      el.dataset.aids = String(located(body.aids_to_navigation));
    } else {
      aisStatus.textContent = t("AIS base stations, SAR aircraft and aids to navigation: not available to you.");
    }
    drawSafety(body.safety_messages, body.positions_shown);
  }

  var finder = document.getElementById("vessel-find");
  function findVessel() {
    var wanted = (finder.value || "").trim().toLowerCase();
    if (!wanted) { return false; }
    var digits = wanted.match(/^\d{1,9}/);
    var found = null;
    Object.keys(vesselMarkers).some(function (key) {
      var v = vesselMarkers[key].vessel;
      var label = (mmsi(v.mmsi) + (v.name ? " " + v.name : "")).toLowerCase();
      if ((digits && Number(digits[0]) === v.mmsi) || label === wanted || (v.name && v.name.toLowerCase() === wanted)) {
        found = v;
        return true;
      }
      return false;
    });
    if (found) { openVessel(found, finder); } else { status.textContent = t("No vessel “{name}” in this picture.", { name: finder.value }); }
    return true;
  }
  if (finder) {
    finder.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); findVessel(); }
    });
    finder.addEventListener("change", findVessel);
  }
  var boxInput = document.getElementById("box");
  var boxView = document.getElementById("box-view");
  var boxClear = document.getElementById("box-clear");
  function reload() {
    var url = new URL(window.location.href);
    url.search = query();
    window.history.replaceState(null, "", url.toString());
    if (boxClear) { boxClear.hidden = !(boxInput && boxInput.value); }
    load();
  }
  if (boxView && boxInput) {
    boxView.addEventListener("click", function () {
      var b = map.getBounds();
      boxInput.value = [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()].map(function (x) { return x.toFixed(3); }).join(",");
      reload();
    });
  }
  if (boxClear && boxInput) { boxClear.addEventListener("click", function () { boxInput.value = ""; reload(); }); }

  function load() {
    status.textContent = t("loading…");
    el.dataset.ready = "false";
    return getJSON(el.dataset.picture + "?" + query()).then(drawPicture).then(function () {
      el.dataset.ready = "true";
    }).catch(function (error) {
      status.textContent = t("could not load the picture: {error}", { error: error.message });
      el.dataset.ready = "error";
    });
  }

  var form = document.getElementById("picture-filter");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      reload();
    });
  }

  // Live: while the picture shows "now" (no end of the window chosen), it follows what the node stores — vessels
  // move, new events, incidents and alerts appear (and flash), the "as of" time ticks — over Server-Sent Events.
  var liveState = document.getElementById("picture-live");
  var liveList = document.getElementById("live-alerts");
  var liveSource = null;
  var liveFixes = 0;
  var liveObjects = 0;
  function sayLive(words, state) {
    if (liveState) { liveState.textContent = words; liveState.dataset.state = state; }
    el.dataset.live = state;
  }
  function setAsOf(value, basis) {
    if (!value || (pictureAsOf && new Date(value) <= new Date(pictureAsOf))) { return; }
    pictureAsOf = value;
    var asOf = document.getElementById("picture-as-of");
    if (asOf) { asOf.textContent = t("Picture as of {time} — {basis} ({age})", { time: minute(value), basis: t(basis || "live feed"), age: age(value) }); }
  }
  function counted(kind) {
    if (!totals) { return; }
    totals[kind] += 1;
    sayTotals();
  }
  function flash(marker) {
    var icon = marker.getElement && marker.getElement();
    if (icon) { icon.classList.add("live-new"); window.setTimeout(function () { icon.classList.remove("live-new"); }, 6000); }
  }
  function moveVessel(fix) {
    var held = vesselMarkers[fix.mmsi];
    if (held) {
      held.vessel.lat = fix.lat; held.vessel.lon = fix.lon; held.vessel.sog = fix.sog; held.vessel.cog = fix.cog; held.vessel.at = fix.at;
      held.marker.setLatLng([fix.lat, fix.lon]);
      if (layers.vessels.refreshClusters) { layers.vessels.refreshClusters(held.marker); }
    } else {
      var v = { mmsi: fix.mmsi, name: null, lat: fix.lat, lon: fix.lon, sog: fix.sog, cog: fix.cog, at: fix.at };
      var marker = pointMarker("vessel", v.lat, v.lon, vesselName(v) + ", " + t("last fix {time}", { time: minute(v.at) }));
      marker.bindTooltip(function () { var w = vesselMarkers[v.mmsi].vessel; return text(vesselName(w)) + " · " + (w.sog === null ? t("speed not available") : num(w.sog, 1) + " kn") + " · " + text(minute(w.at)); });
      marker.on("click", function () { openVessel(vesselMarkers[v.mmsi].vessel, marker.getElement()); });
      vesselMarkers[v.mmsi] = { vessel: v, marker: marker };
      layers.vessels.addLayer(marker);
      held = vesselMarkers[v.mmsi];
      counted("vessels");
    }
    if (!panel.hidden && panelMmsi === fix.mmsi) {
      var line = document.getElementById("vessel-live");
      if (line) {
        line.textContent = t("Live: {position}, {speed}, {time}", {
          position: position(fix.lat, fix.lon), speed: fix.sog === null ? t("speed not available") : num(fix.sog, 1) + " kn", time: when(fix.at)
        });
      }
      if (replayMarker && !playing) { replayMarker.setLatLng([fix.lat, fix.lon]); }
    }
  }
  function announce(html) {
    if (!liveList) { return; }
    var item = document.createElement("li");
    item.innerHTML = html;
    liveList.insertBefore(item, liveList.firstChild);
    while (liveList.children.length > 20) { liveList.removeChild(liveList.lastChild); }
    liveList.closest("section").hidden = false;
  }
  function fromWhom(message) { return message.received ? " " + text(t("(from {nation})", { nation: message.originator })) : ""; }
  // A live object replaces the marker of its earlier version; a revoked or withdrawn one (or a closed alert) only removes it.
  function liveObject(message, kind, draw) {
    liveObjects += 1;
    el.dataset.liveObjects = String(liveObjects);
    var held = objectMarkers[message.id];
    if (held) { held.layer.removeLayer(held.marker); delete objectMarkers[message.id]; }
    var gone = message.revoked || (message.event && message.event.status === "withdrawn") || (message.alert && message.alert.status === "closed");
    if (gone) {
      if (held && totals && kind in totals) { totals[kind] -= 1; sayTotals(); }
      return;
    }
    if (!held && kind in (totals || {})) { counted(kind); }
    var marker = draw(message);
    if (marker) {
      var layer = kind === "incidents" ? layers.incidents : layers.events;
      layer.addLayer(marker);
      flash(marker);
      objectMarkers[message.id] = { marker: marker, layer: layer };
    }
  }
  function startLive() {
    if (!el.dataset.liveUrl || !window.EventSource) { sayLive(t("Live updates are not available in this browser."), "off"); return; }
    if (until && until.value) { sayLive(t("Live updates paused: the picture shows a window that ends in the past. Clear “To” to follow the feed."), "paused"); return; }
    if (liveSource) { return; }
    sayLive(t("Connecting to the live feed…"), "connecting");
    liveSource = new EventSource(el.dataset.liveUrl);
    liveSource.addEventListener("hello", function (e) {
      var body = JSON.parse(e.data);
      sayLive(body.positions ? t("Live: vessels move as the feed brings their positions.") : t("Live: new events, incidents and alerts appear as they are stored."), "live");
      setAsOf(body.as_of);
    });
    liveSource.addEventListener("positions", function (e) {
      var body = JSON.parse(e.data);
      body.fixes.forEach(moveVessel);
      liveFixes += body.fixes.length;
      el.dataset.liveFixes = String(liveFixes);
      el.dataset.vessels = String(Object.keys(vesselMarkers).length);
      setAsOf(body.as_of);
    });
    liveSource.addEventListener("tick", function (e) { setAsOf(JSON.parse(e.data).as_of); });
    liveSource.addEventListener("event", function (e) {
      liveObject(JSON.parse(e.data), "events", function (message) {
        var ev = message.event;
        setAsOf(ev.end || ev.start, "newest detected event");
        announce("<strong>" + text(words(ev.event_type)) + "</strong> · MMSI " + text(mmsi(ev.mmsi)) + " · " + text(minute(ev.start)) + fromWhom(message) +
          " · " + link("/objects/" + encodeURIComponent(ev.id), t("Open the event")));
        return pointMarker("event", ev.lat, ev.lon, words(ev.event_type) + ", MMSI " + mmsi(ev.mmsi) + ", " + minute(ev.start)).bindPopup(function () { return eventPopup(ev); });
      });
    });
    liveSource.addEventListener("incident", function (e) {
      liveObject(JSON.parse(e.data), "incidents", function (message) {
        var i = message.incident;
        announce("<strong>" + text(t("Incident")) + "</strong> · " + text(i.name) + fromWhom(message) + " · " + link("/maritime/incidents/" + encodeURIComponent(i.id), t("Open the incident")));
        return pointMarker("incident", i.lat, i.lon, t("Incident: {name}, {day}", { name: i.name, day: day(i.occurred_at) })).bindPopup(incidentPopup(i));
      });
    });
    liveSource.addEventListener("alert", function (e) {
      liveObject(JSON.parse(e.data), "alerts", function (message) {
        var a = message.alert || {};
        announce('<strong class="alert-word">' + text(t("Alert")) + "</strong> · " + text(a.title || "") + fromWhom(message) + (a.url ? " · " + link(a.url, t("Open the alert")) : ""));
        if (typeof a.lat !== "number" || typeof a.lon !== "number") { return null; }
        var marker = pointMarker("alert", a.lat, a.lon, t("Alert: {title}", { title: a.title || "" }));
        if (a.url) { marker.bindPopup("<strong>" + text(a.title || t("Alert")) + "</strong>" + fromWhom(message) + "<br>" + link(a.url, t("Open the alert"))); }
        return marker;
      });
    });
    liveSource.addEventListener("gone", function (e) {  // revoked or withdrawn since: only its id is said
      var message = JSON.parse(e.data);
      var held = objectMarkers[message.id];
      if (!held) { return; }
      held.layer.removeLayer(held.marker);
      delete objectMarkers[message.id];
      var kind = held.layer === layers.incidents ? "incidents" : "events";
      if (totals) { totals[kind] -= 1; sayTotals(); }
    });
    liveSource.addEventListener("resync", function () { sayLive(t("The live feed ran ahead of this page; the picture was reloaded."), "live"); load(); });
    liveSource.onerror = function () {
      if (liveSource.readyState === EventSource.CLOSED) { sayLive(t("Live updates stopped; reload the page to follow the feed again."), "stopped"); return; }
      sayLive(t("Live feed interrupted; reconnecting…"), "reconnecting");
    };
  }
  drawBasemap().catch(function (error) { status.textContent = t("basemap: {error}", { error: error.message }); }).then(load).then(startLive);
}());
