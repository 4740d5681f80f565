// /lapor: the location from a tap on the map or the phone's GPS, and a check of the
// photos before a slow upload. The form works without this script (type the location).
// No innerHTML: every text goes in as textContent.
// The map's credit line as text (Leaflet's attribution option is parsed as HTML).
function credit(map, text) {
  if (!text) return;
  var c = window.L.control({ position: "bottomright" });
  c.onAdd = function () {
    var d = document.createElement("div");
    d.className = "leaflet-control-attribution";
    d.textContent = text;
    return d;
  };
  c.addTo(map);
}
(function () {
  "use strict";
  var cfg = {};
  try {
    cfg = JSON.parse(document.getElementById("lapor-config").textContent || "{}");
  } catch (e) { cfg = {}; }
  var lat = document.getElementById("lat");
  var lon = document.getElementById("long");
  var gpsBtn = document.getElementById("gps");
  var gpsStatus = document.getElementById("gps-status");
  var fotos = document.getElementById("foto");
  var fotoStatus = document.getElementById("foto-status");
  var form = document.getElementById("lapor-form");
  var kirim = document.getElementById("kirim");
  var map = null;
  var marker = null;

  function say(el, text) { el.textContent = text; }

  function place(la, lo, zoom) {
    lat.value = la.toFixed(6);
    lon.value = lo.toFixed(6);
    if (!map) { return; }
    if (marker) { marker.setLatLng([la, lo]); } else { marker = window.L.marker([la, lo]).addTo(map); }
    map.setView([la, lo], zoom || map.getZoom());
  }

  function startMap() {
    var el = document.getElementById("map");
    if (!window.L || !el) { if (el) { el.hidden = true; } return; }
    var start = [-6.2072, 106.979];
    var la0 = parseFloat(lat.value), lo0 = parseFloat(lon.value);
    var has = isFinite(la0) && isFinite(lo0);
    map = window.L.map(el, { zoomControl: true }).setView(has ? [la0, lo0] : start, has ? 17 : 14);
    if (cfg.tileUrl) {
      window.L.tileLayer(cfg.tileUrl, { maxZoom: 19 }).addTo(map);
      credit(map, cfg.tileAttribution);
    }
    if (has) { place(la0, lo0); }
    map.on("click", function (ev) { place(ev.latlng.lat, ev.latlng.lng); say(gpsStatus, "Lokasi dipilih dari peta."); });
  }

  function startGps() {
    if (!("geolocation" in navigator)) { return; }
    gpsBtn.hidden = false;
    gpsBtn.addEventListener("click", function () {
      say(gpsStatus, "Mencari lokasi…");
      gpsBtn.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        gpsBtn.disabled = false;
        place(pos.coords.latitude, pos.coords.longitude, 18);
        say(gpsStatus, "Lokasi GPS dipakai (ketelitian ± " + Math.round(pos.coords.accuracy) + " m). Geser dengan mengetuk peta bila perlu.");
      }, function () {
        gpsBtn.disabled = false;
        say(gpsStatus, "Lokasi GPS tidak tersedia. Ketuk peta di tempat kejadian.");
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  function checkPhotos() {
    var max = cfg.maxPhotos || 3, maxBytes = cfg.maxPhotoBytes || 20971520;
    var files = fotos.files || [];
    if (files.length > max) { say(fotoStatus, "Paling banyak " + max + " foto."); return false; }
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > maxBytes) { say(fotoStatus, "Foto \"" + files[i].name + "\" terlalu besar."); return false; }
    }
    say(fotoStatus, files.length ? files.length + " foto dipilih." : "");
    return true;
  }

  fotos.addEventListener("change", checkPhotos);
  form.addEventListener("submit", function (ev) {
    if (!checkPhotos()) { ev.preventDefault(); return; }
    kirim.disabled = true;
    say(kirim, "Mengirim…");
  });
  startMap();
  startGps();
}());
