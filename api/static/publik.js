// The public page's map: zones and kelurahan from this app's OGC API, drawn with Leaflet.
// Every string from the server goes into the page as DOM text (textContent), never HTML.
"use strict";
(function () {
  const cfg = JSON.parse(document.getElementById("publik-config").textContent);
  const STATUS = {
    belum_tertib: "Belum tertib",
    dalam_penertiban: "Dalam penertiban",
    layak_tertib: "Layak tertib (menunggu verifikasi)",
    tertib: "Tertib",
  };

  function zoneStyle(p) {
    const color = p.kategori === "merah" ? "#b71c1c" : "#b58100";
    const s = { color, weight: 5, opacity: 0.9, fillOpacity: 0.25, fillColor: color, dashArray: null };
    if (p.status === "belum_tertib") s.dashArray = "2 8";
    if (p.status === "dalam_penertiban") s.dashArray = "10 6";
    if (p.status === "layak_tertib") s.weight = 3;
    if (p.status === "tertib") { s.weight = 9; s.opacity = 1; }
    return s;
  }

  function line(text, cls) {
    const el = document.createElement("div");
    if (cls) el.className = cls;
    el.textContent = text;
    return el;
  }

  function zonePopup(p) {
    const box = document.createElement("div");
    box.appendChild(line(p.name, "popup-title"));
    box.appendChild(line("Zona " + p.kategori + (p.kelurahan_name ? " · Kel. " + p.kelurahan_name : "")));
    let st = STATUS[p.status] || p.status;
    if (p.status_kategori) st += " (" + p.status_kategori + ")";
    box.appendChild(line(st));
    box.appendChild(line("SK " + p.decree_nomor, "muted"));
    return box;
  }

  function kelurahanPopup(p) {
    const box = document.createElement("div");
    box.appendChild(line("Kelurahan " + p.name, "popup-title"));
    if (p.boundary_approximate) box.appendChild(line("Batas perkiraan, bukan batas resmi.", "muted"));
    if (p.boundary_source) box.appendChild(line("Sumber: " + p.boundary_source, "muted"));
    return box;
  }

  async function getJSON(url) {
    const r = await fetch(url, { headers: { Accept: "application/geo+json" }, credentials: "omit" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    return r.json();
  }

  async function main() {
    const el = document.getElementById("map");
    const map = L.map(el, { maxZoom: 19 });
    if (cfg.tileUrl) {
      L.tileLayer(cfg.tileUrl, { maxZoom: 19 }).addTo(map);
      if (cfg.tileAttribution) {
        // The credit line as text: Leaflet's attribution option is parsed as HTML.
        const credit = L.control({ position: "bottomright" });
        credit.onAdd = () => {
          const d = document.createElement("div");
          d.className = "leaflet-control-attribution";
          d.textContent = cfg.tileAttribution;
          return d;
        };
        credit.addTo(map);
      }
    }
    const [kel, zones] = await Promise.all([getJSON(cfg.kelurahan), getJSON(cfg.zones)]);
    const kelLayer = L.geoJSON(kel, {
      style: (f) => ({
        color: "#455a64", weight: 1.5, fillOpacity: 0.04,
        dashArray: f.properties.boundary_approximate ? "6 6" : null,
      }),
    }).bindPopup((layer) => kelurahanPopup(layer.feature.properties)).addTo(map);
    const zoneLayer = L.geoJSON(zones, {
      style: (f) => zoneStyle(f.properties),
      pointToLayer: (f, ll) => L.circleMarker(ll, Object.assign(zoneStyle(f.properties), { radius: 10 })),
    }).bindPopup((layer) => zonePopup(layer.feature.properties)).addTo(map);
    el.dataset.zones = String(zones.features.length);
    const bounds = kelLayer.getBounds().isValid() ? kelLayer.getBounds() : zoneLayer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12] });
    else map.setView([-6.2, 106.85], 12);
  }

  main().catch((err) => {
    const el = document.getElementById("map");
    el.textContent = "Peta tidak dapat dimuat (" + err.message + ").";
    el.classList.add("map-error");
  });
})();
