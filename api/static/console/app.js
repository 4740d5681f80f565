// Konsol Seksi Trantib: plain JavaScript over the k3zones API (no build step).
"use strict";

// Every string from the API or from people reaches the page as text (textContent, text
// nodes, attributes set one by one), never as HTML: no innerHTML, no HTML strings given to
// Leaflet. The Content-Security-Policy (api/headers.py) is the second wall behind this.
// Configuration is JSON data in <script type="application/json">, never executed.
const cfg = JSON.parse(document.getElementById("k3-config")?.textContent || "{}");
const state = { access: null, refresh: null, me: null, zones: {}, zoneLayer: null, reports: null,
                selectedZone: null };

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...kids) => {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "onclick") n.addEventListener("click", v);
    else if (/^on/i.test(k)) throw new Error("el(): event handler attribute " + k);
    else if (v !== undefined) n.setAttribute(k, v);
  }
  for (const k of kids) n.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return n;
};
// A node showing `s` as plain text: what Leaflet's bindTooltip/bindPopup must be given
// (a string there is parsed as HTML).
const textNode = (s) => el("span", {}, String(s ?? ""));
// The configured credit line may be written as HTML (e.g. "&copy; <a>OpenStreetMap</a>"):
// keep only its text (parsed inert by DOMParser: no script runs, nothing loads).
const creditText = (html) => new DOMParser().parseFromString(String(html || ""), "text/html").body.textContent.trim();
// The map's credit line as DOM text in a control of its own (Leaflet's attribution option
// is parsed as HTML), as /lapor and /publik do.
function credit(m, text) {
  if (!text) return;
  const c = L.control({ position: "bottomright" });
  c.onAdd = () => el("div", { class: "leaflet-control-attribution", id: "map-credit" }, text);
  c.addTo(m);
}
const fmt = (x) => x === null || x === undefined ? "-" :
  Number(x).toLocaleString("id-ID", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const STATUS = { belum_tertib: "Belum tertib", dalam_penertiban: "Dalam penertiban",
                 layak_tertib: "Layak tertib", tertib: "Tertib" };
const ACTIVITY = { patroli: "Patroli", penertiban: "Penertiban" };
const TASK_STATE = { selesai: "Selesai", terlambat: "Terlambat", terlewat: "Terlewat", terbuka: "Terbuka",
                     none: "Tidak ada" };
const UNIT = { kecamatan: "Kecamatan", polsek: "Polsek", koramil: "Koramil", satpol_pp: "Satpol PP", dlh: "DLH" };
const CHANNEL = { formulir: "Formulir /lapor", open311: "Aplikasi mitra (Open311)", telepon: "Telepon",
                  whatsapp: "WhatsApp", langsung: "Datang langsung", surat: "Surat", lainnya: "Lainnya" };
const label = (table, code) => table[code] ?? String(code ?? "-");

// Labels for the API's codes: the server's table (GET /api/v1/labels, shared with the
// exports) first, then these fallbacks (an older server), then the code itself.
const FALLBACK = {
  report_type: ACTIVITY, zone_status: STATUS,
  kategori_zona: { merah: "Merah", kuning: "Kuning" },
  tertib_kategori: { baik: "Baik", cukup: "Cukup", kurang: "Kurang" },
  review_state: { menunggu: "Menunggu tinjauan", diterima: "Diterima", perlu_perbaikan: "Perlu perbaikan", ditolak: "Ditolak" },
  report_status: { draf: "Draf", lengkap: "Lengkap", menunggu_foto: "Menunggu foto", diterima: "Diterima" },
  violation_kind: { pkl: "PKL (pedagang kaki lima)", bangunan_liar: "Bangunan liar", spanduk: "Spanduk", reklame_kain: "Reklame kain",
               parkir_liar: "Parkir liar", sampah: "Sampah", lainnya: "Lainnya" },
  enforcement_action: { teguran_lisan: "Teguran lisan", teguran_tertulis: "Teguran tertulis", pembongkaran: "Pembongkaran",
            penyitaan: "Penyitaan", relokasi: "Relokasi", pembersihan: "Pembersihan" },
  team_unit: UNIT, complaint_channel: CHANNEL,
  role: { petugas: "Petugas", trantib: "Seksi Trantib", pimpinan: "Pimpinan", admin: "Admin", kota: "Pemerintah kota" },
  complaint_rejection: { duplikat: "Duplikat", bukan_wewenang: "Bukan wewenang", tidak_lengkap: "Tidak lengkap" },
};
function lbl(vocab, code) {
  if (code === null || code === undefined || code === "") return "-";
  const server = state.labels || {};
  const hit = server[vocab]?.[code] ?? FALLBACK[vocab]?.[code];
  if (hit) return hit;
  for (const table of [...Object.values(server), ...Object.values(FALLBACK)]) {
    if (table && typeof table === "object" && typeof table[code] === "string") return table[code];
  }
  return String(code);
}
async function loadLabels() {
  try { state.labels = await getJSON("/api/v1/labels"); } catch (e) { state.labels = {}; } // older server: fallbacks
}

// Dates: days are WIB calendar days ("YYYY-MM-DD"), shown as "Sen 30 Nov" / "30 Nov 2026".
const WIB_MS = 7 * 3600e3;
const HARI = ["Min", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab"];
const BULAN = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"];
const utcDay = (iso) => new Date(iso + "T00:00:00Z");
const todayWib = () => new Date(Date.now() + WIB_MS).toISOString().slice(0, 10);
const addDays = (iso, n) => { const d = utcDay(iso); d.setUTCDate(d.getUTCDate() + n); return d.toISOString().slice(0, 10); };
const mondayOf = (iso) => addDays(iso, -((utcDay(iso).getUTCDay() + 6) % 7));
const dayLabel = (iso) => { const d = utcDay(iso); return `${HARI[d.getUTCDay()]} ${d.getUTCDate()} ${BULAN[d.getUTCMonth()]}`; };
const dateLabel = (iso) => { const d = utcDay(String(iso).slice(0, 10)); return `${d.getUTCDate()} ${BULAN[d.getUTCMonth()]} ${d.getUTCFullYear()}`; };
// The one format for a moment: "15 Mar 2024 10.00 WIB" (Asia/Jakarta, whatever the browser's zone).
const WIB_FMT = new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Jakarta", year: "numeric", month: "numeric",
  day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const wibDateTime = (iso) => {
  if (!iso) return "-";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "-";
  const p = Object.fromEntries(WIB_FMT.formatToParts(d).map((x) => [x.type, x.value]));
  return `${Number(p.day)} ${BULAN[Number(p.month) - 1]} ${p.year} ${p.hour}.${p.minute} WIB`;
};
const histTable = (id, rows) => el("table", { class: "hist", id },
  el("thead", {}, el("tr", {}, ...["Waktu", "Status", "Alasan", "Oleh"].map((h) => el("th", { scope: "col" }, h)))),
  el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", {}, c))))));

async function api(path, opts = {}, retry = true) {
  const headers = Object.assign({}, opts.headers || {});
  if (state.access) headers.Authorization = "Bearer " + state.access;
  if (opts.json !== undefined) { headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(opts.json); }
  const r = await fetch(path, Object.assign({}, opts, { headers }));
  if (r.status === 401 && retry && state.refresh) {
    if (await refresh()) return api(path, opts, false);
    logout();
  }
  if (!r.ok) {
    let detail = r.statusText, problem = null;
    try { problem = await r.json(); detail = problem.detail || detail; } catch (e) { /* not JSON */ }
    const err = new Error(detail);
    err.status = r.status;
    err.fields = Array.isArray(problem?.errors) ? problem.errors : []; // [{pointer, message}]
    throw err;
  }
  return r;
}
const getJSON = async (p) => (await api(p)).json();

async function refresh() {
  const r = await fetch("/api/v1/auth/refresh", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: state.refresh }) });
  if (!r.ok) return false;
  const t = await r.json();
  state.access = t.access_token; state.refresh = t.refresh_token;
  sessionStorage.setItem("k3.refresh", state.refresh);
  return true;
}

function logout() {
  if (state.access) fetch("/api/v1/auth/logout", { method: "POST", headers: { Authorization: "Bearer " + state.access } });
  sessionStorage.removeItem("k3.refresh");
  location.reload();
}

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("login-error").textContent = "";
  const r = await fetch("/api/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: $("username").value, password: $("password").value, device_id: "konsol-web" }) });
  const body = await r.json();
  if (!r.ok) { $("login-error").textContent = body.detail || "Gagal masuk."; return; }
  state.access = body.access_token; state.refresh = body.refresh_token;
  sessionStorage.setItem("k3.refresh", state.refresh);
  start(body.user);
});
$("logout").addEventListener("click", logout);

// --- map ----------------------------------------------------------------------------
let map;
function zoneStyle(p) {
  const color = p.kategori === "merah" ? "#b71c1c" : "#b58100";
  const s = { color, weight: 5, opacity: 0.9, fillOpacity: 0.25, fillColor: color, dashArray: null };
  if (p.status === "belum_tertib") s.dashArray = "2 8";
  if (p.status === "dalam_penertiban") s.dashArray = "10 6";
  if (p.status === "layak_tertib") s.weight = 3;
  if (p.status === "tertib") { s.weight = 9; s.opacity = 1; } // kategori colour kept
  return s;
}

async function loadZones() {
  const fc = await getJSON("/api/v1/zones");
  state.zones = {};
  if (state.zoneLayer) state.zoneLayer.remove();
  state.zoneLayer = L.geoJSON(fc, {
    style: (f) => zoneStyle(f.properties),
    pointToLayer: (f, ll) => L.circleMarker(ll, Object.assign(zoneStyle(f.properties), { radius: 10 })),
    onEachFeature: (f, layer) => {
      state.zones[f.id] = { feature: f, layer };
      // The zone's name always on the map (a permanent label, text), hidden below LABEL_ZOOM.
      layer.bindTooltip(textNode(f.properties.name), { permanent: true, direction: "center", className: "zone-label" });
      // Below LABEL_ZOOM the name shows while the pointer is on the zone.
      layer.on("mouseover", () => layer.getTooltip()?.getElement()?.classList.add("hover"));
      layer.on("mouseout", () => layer.getTooltip()?.getElement()?.classList.remove("hover"));
      layer.on("click", () => { if (!picker.target) showZone(f.id); }); // a pick goes to the map
    },
  }).addTo(map);
  if (!state.fitted && fc.features.length) { map.fitBounds(state.zoneLayer.getBounds(), { padding: [20, 20] }); state.fitted = true; }
  const list = $("zone-list");
  list.replaceChildren(...fc.features.map((f) => el("li", {},
    el("button", { onclick: () => showZone(f.id), "data-zone": f.id },
      f.properties.name, el("span", { class: "chip" }, lbl("kategori_zona", f.properties.kategori)),
      el("span", { class: "chip" + (f.properties.status === "tertib" ? " status-tertib" : "") }, STATUS[f.properties.status])))));
  if (fc.features.some((f) => f.properties.is_sample)) $("sample-banner").hidden = false;
  applyZoneFilter();
}

function filterQuery() {
  const q = new URLSearchParams({ format: "geojson", limit: "200" });
  const b = map.getBounds();
  q.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(5)).join(","));
  for (const [id, key] of [["f-from", "date_from"], ["f-to", "date_to"], ["f-type", "type"],
                           ["f-kelurahan", "kelurahan"], ["f-team", "team"]]) {
    if ($(id).value) q.set(key, $(id).value);
  }
  return q;
}

async function loadReports() {
  // Only what the view needs: the visible box, the chosen period, at most 200 at a time.
  const fc = await getJSON("/api/v1/reports?" + filterQuery());
  state.reports.clearLayers();
  for (const f of fc.features) {
    const [lon, lat] = f.geometry.coordinates;
    const flagged = Object.keys(f.properties.flags || {}).length > 0;
    const m = L.circleMarker([lat, lon], { radius: 7, color: flagged ? "#e65100" : "#0b57d0", weight: 2, fillOpacity: 0.7,
                                           pane: "reports" });
    m.on("click", () => { if (!picker.target) showReport(f.id); });
    m.bindTooltip(textNode(lbl("report_type", f.properties.type) + " " + dateLabel(f.properties.period)));
    state.reports.addLayer(m);
  }
  state.reportCount = fc.features.length;
}

// --- offline map: kelurahan boundaries, labels, scale, the base map's state ------------------
const LABEL_ZOOM = 15; // zone names from this zoom on (below it they would pile up)
function syncLabels() {
  map.getContainer().classList.toggle("labels-off", map.getZoom() < LABEL_ZOOM);
}

function mapNotice(m) {
  // "No base map" as DOM text in a control of its own (no tiles configured, or none loaded).
  const c = L.control({ position: "topright" });
  c.onAdd = () => el("div", { class: "map-notice", id: "map-notice", role: "status", hidden: "" },
    "Peta dasar tidak tersedia: batas kelurahan dan zona tetap tampil.");
  c.addTo(m);
  return $("map-notice");
}

function baseMap(m) {
  const notice = mapNotice(m);
  if (!cfg.tileUrl) { notice.hidden = false; return; }
  const tiles = L.tileLayer(cfg.tileUrl, { maxZoom: 19 }).addTo(m);
  credit(m, creditText(cfg.tileAttribution));
  let loaded = 0, failed = 0;
  tiles.on("tileload", () => { loaded += 1; notice.hidden = true; });
  tiles.on("tileerror", () => { failed += 1; if (!loaded) notice.hidden = false; });
}

async function loadKelurahan() {
  // The kelurahan boundaries (public OGC collection), drawn under the zones, named.
  const layer = L.layerGroup().addTo(map);
  for (const k of state.kecamatan || []) {
    let fc;
    try {
      fc = await getJSON(`/ogc/kecamatan/${encodeURIComponent(k.slug)}/collections/kelurahan/items?f=json&limit=1000`);
    } catch (e) { continue; }
    L.geoJSON(fc, {
      pane: "kelurahan", interactive: false,
      style: () => ({ color: "#455a64", weight: 2, dashArray: "6 4", fill: true, fillOpacity: 0.03, fillColor: "#455a64" }),
      onEachFeature: (f, l) => l.bindTooltip(textNode(f.properties.name +
        (f.properties.boundary_approximate ? " (batas perkiraan)" : "")),
        { permanent: true, direction: "center", className: "kel-label", interactive: false }),
    }).addTo(layer);
  }
  state.kelurahanLayer = layer;
}

// --- zone panel -----------------------------------------------------------------------
async function showZone(id) {
  selectTab("zona");
  state.selectedZone = id;
  const z = state.zones[id].feature;
  const st = await getJSON(`/api/v1/zones/${id}/status`);
  const recent = await getJSON(`/api/v1/reports?zone=${id}&limit=5`);
  const canVerify = ["trantib", "admin"].includes(state.me.role);
  const box = $("zone-detail");
  box.replaceChildren(
    el("button", { class: "print-btn", id: "print-zone", onclick: () => printSheet("zona") }, "Cetak lembar zona"),
    el("h2", {}, z.properties.name),
    el("p", {}, "Kategori: Zona ", lbl("kategori_zona", z.properties.kategori), " · Kelurahan: ", z.properties.kelurahan_name || "-"),
    z.properties.decree_nomor ? el("p", { id: "zone-decree" }, "SK: ", z.properties.decree_nomor) : el("span"),
    z.properties.notes ? el("p", { class: "muted", id: "zone-notes" }, z.properties.notes) : el("span"),
    el("p", {}, "Status: ", el("strong", { id: "zone-status", class: st.status === "tertib" ? "status-tertib" : "" },
      lbl("zone_status", st.status) + (st.kategori ? " (" + lbl("tertib_kategori", st.kategori) + ")" : ""))),
    el("p", { class: "muted" }, (st.evidence.alasan || []).join(" ")),
    patrolLine(st),
    evidenceLinks(st.evidence),
    validityLine(st),
    canVerify ? verifyForm(id, st) : el("span"),
    el("h3", {}, "Riwayat"),
    histTable("zone-history", st.history.slice(0, 10).map((h) => [wibDateTime(h.at), lbl("zone_status", h.to),
      h.reason || "-", h.actor_name || h.actor || "-"])),
    el("h3", {}, "Pengaduan terbuka"),
    el("ul", { class: "list", id: "zone-complaints" }, ...(await zoneComplaints(id)).map((c) => el("li", {},
      el("button", { onclick: () => showComplaint(c.id) }, c.code, " · ", c.category_name, " · ", C_STATE[c.state] || c.state,
        el("span", { class: "chip sla-" + c.sla.phase }, label(SLA_PHASE, c.sla.phase)))))),
    el("h3", {}, "Laporan terbaru"),
    el("ul", { class: "list" }, ...recent.items.map((r) => el("li", {},
      el("button", { onclick: () => showReport(r.id) }, dateLabel(r.period), " · ", lbl("report_type", r.type), " · pelanggaran ", r.violation_total,
        ...flagChips(r.flags))))),
  );
  const layer = state.zones[id].layer;
  if (layer.getBounds) map.fitBounds(layer.getBounds(), { maxZoom: 17 }); else map.setView(layer.getLatLng(), 17);
}

function validityLine(st) {
  // How long the verification holds (fields of a newer server; nothing shown without them).
  if (!st.verified_at) return el("span");
  const until = st.verification_expires_at ? wibDateTime(st.verification_expires_at) : null;
  if (st.perlu_verifikasi_ulang === true) {
    return el("p", { id: "zone-validity" }, el("span", { class: "chip warn" },
      "Perlu verifikasi ulang" + (until ? ` (berlaku sampai ${until})` : "")));
  }
  return el("p", { id: "zone-validity", class: "muted" }, "Diverifikasi ", wibDateTime(st.verified_at),
    until ? ` · berlaku sampai ${until}` : "");
}

// Print: the zone sheet or the indicator page alone (styles in app.css, @media print).
function printSheet(kind) {
  document.body.dataset.print = kind;
  window.print();
}
window.addEventListener("afterprint", () => { delete document.body.dataset.print; });

function patrolLine(st) {
  // Fields of the zone status that may be missing on an older server: shown only if there.
  const kids = [];
  if (st.stale === true) {
    const limit = Number.isFinite(st.stale_days) ? ` (batas ${st.stale_days} hari)` : "";
    kids.push(el("span", { class: "chip warn", id: "zone-stale" }, (Number.isFinite(st.days_without_patrol)
      ? `Tidak dipatroli ${st.days_without_patrol} hari` : "Belum pernah dipatroli") + limit));
  }
  if ("last_patrol_at" in st) {
    kids.push(el("span", { id: "zone-last-patrol" }, " Patroli terakhir: ",
      st.last_patrol_at ? wibDateTime(st.last_patrol_at) : "belum ada"));
  }
  return kids.length ? el("p", { id: "zone-patrol" }, ...kids) : el("span");
}

async function zoneComplaints(id) {
  // Open complaints whose point lies in the zone's monitoring area.
  if (!["trantib", "pimpinan", "admin", "kota"].includes(state.me.role)) return [];
  const q = new URLSearchParams({ zone: id, limit: "20" });
  for (const st of ["baru", "diterima", "ditugaskan", "ditangani"]) q.append("state", st);
  try { return (await getJSON("/api/v1/complaints?" + q)).items; } catch (e) { return []; }
}

function evidenceLinks(ev) {
  // The reports the status rests on, each one click away.
  const ids = [...(ev.penertiban || []).map((i) => ["Penertiban", i]),
               ...(ev.patroli_dalam_jendela || []).map((i) => ["Patroli", i])];
  if (!ids.length) return el("span");
  return el("p", { id: "evidence" }, "Bukti: ",
    ...ids.slice(0, 12).map(([label, i], n) => el("button", { class: "link", onclick: () => showReport(i) },
      `${label} ${n + 1}`)));
}

function verifyForm(id, st) {
  const kategori = el("select", { id: "verify-kategori", "aria-label": "Kategori tertib" },
    el("option", { value: "baik" }, "Baik"), el("option", { value: "cukup" }, "Cukup"), el("option", { value: "kurang" }, "Kurang"));
  const note = el("input", { id: "verify-note", placeholder: "Catatan", "aria-label": "Catatan verifikasi" });
  const msg = el("p", { role: "status", id: "verify-msg" });
  const verify = el("button", { class: "primary", id: "verify", onclick: async () => {
    try {
      await api(`/api/v1/zones/${id}/verify`, { method: "POST", json: { kategori: kategori.value, note: note.value || null } });
      msg.textContent = "Zona diverifikasi tertib.";
      await loadZones(); await showZone(id); await loadIndicator(); await loadDue();
    } catch (e) { msg.textContent = e.message; }
  } }, "Verifikasi tertib");
  const withdraw = el("button", { id: "withdraw", onclick: async () => {
    const why = prompt("Alasan mencabut verifikasi:");
    if (!why) return;
    try { await api(`/api/v1/zones/${id}/withdraw`, { method: "POST", json: { note: why } });
          await loadZones(); await showZone(id); await loadIndicator(); }
    catch (e) { msg.textContent = e.message; }
  } }, "Cabut verifikasi");
  // A zone already tertib with a verification that still holds is not offered "Verifikasi tertib".
  const holds = st.status === "tertib" && st.verified_at && st.perlu_verifikasi_ulang !== true;
  return el("div", { class: "row" }, ...(holds ? [] : [kategori, note, verify]),
    st.verified_at ? withdraw : el("span"), msg);
}

function flagChips(flags) {
  return Object.entries(flags || {}).map(([k, v]) => el("span", { class: "chip flag", title: v.message || k }, v.message || k));
}

// --- report detail and review -------------------------------------------------------------
// Photos of reports are access-checked: fetched with the token, shown from a blob: URL.
const blobUrl = async (path) => URL.createObjectURL(await (await api(path)).blob());

async function photoImg(p, open) {
  const camera = [p.exif?.make, p.exif?.model].filter(Boolean).join(" ");
  return el("figure", {},
    el("button", { class: "thumb", onclick: open, "aria-label": "Perbesar foto laporan" },
      el("img", { src: await blobUrl(p.urls.thumb), alt: "Foto laporan" })),
    el("figcaption", { class: "photo-camera" }, camera || "Kamera tidak diketahui"));
}

// --- photo viewer: the web-size image large, next/previous, Esc closes (a modal <dialog>) ------
const viewer = { items: [], i: 0, url: null };
async function openViewer(items, i) {
  viewer.items = items; viewer.i = i;
  const d = $("viewer");
  if (!d.open) d.showModal();
  await showViewerItem();
}
async function showViewerItem() {
  const it = viewer.items[viewer.i], img = $("viewer-img");
  $("viewer-count").textContent = `${viewer.i + 1} dari ${viewer.items.length}`;
  $("viewer-prev").disabled = viewer.i === 0;
  $("viewer-next").disabled = viewer.i >= viewer.items.length - 1;
  $("viewer-caption").textContent = it.caption || "";
  $("viewer-facts").replaceChildren(...viewerFacts(it));
  $("viewer-facts").hidden = !it.facts;
  $("viewer-original").replaceChildren();
  if (it.original) {
    const a = el("a", { href: it.original, id: "viewer-original-link" }, "Foto asli (dengan EXIF)");
    a.addEventListener("click", async (ev) => {
      // The original is access-checked too: fetched with the token, then saved.
      ev.preventDefault();
      try {
        const save = el("a", { href: await blobUrl(it.original), download: `foto-asli-${it.id || "k3"}.jpg` });
        save.click();
      } catch (e) { $("viewer-caption").textContent = e.message; }
    });
    $("viewer-original").append(a);
  }
  img.alt = it.alt || "Foto";
  try {
    const src = it.public ? it.web : await blobUrl(it.web);
    if (viewer.url) URL.revokeObjectURL(viewer.url);
    viewer.url = it.public ? null : src;
    img.src = src;
  } catch (e) { $("viewer-caption").textContent = e.message; }
}
// A report photo's evidence, as DOM text: when it was taken (EXIF, WIB), how far its GPS
// point is from the report's zone, and its flags (labels from GET /api/v1/labels) with their
// numbers. Items without facts (a citizen's photo) show none.
const distText = (m) => (m >= 1000 ? `${(m / 1000).toFixed(1).replace(".", ",")} km` : `${m} m`);
const durText = (min) => (min >= 2880 ? `${Math.floor(min / 1440)} hari` : min >= 120 ? `${Math.floor(min / 60)} jam` : `${min} menit`);
function flagNumbers(code, f) {
  const out = [];
  if (Number.isFinite(f.distance_m)) out.push(`${distText(f.distance_m)} dari titik laporan`);
  if (Number.isFinite(f.minutes)) out.push(`${durText(f.minutes)} di luar waktu kegiatan`);
  if (Number.isFinite(f.distance_bits)) out.push(`beda ${f.distance_bits} dari 64 bit`);
  if (Array.isArray(f.problems) && f.problems.length) out.push(f.problems.map(String).join("; "));
  if (f.kecamatan_lain) out.push("laporan di kecamatan lain");
  return out.join(", ");
}
function viewerFacts(it) {
  if (!it.facts) return [];
  const p = it.facts, d = p.zone_distance_m;
  const flags = Object.entries(p.flags || {});
  return [
    el("dt", {}, "Diambil"), el("dd", { id: "viewer-taken" }, p.taken_at ? wibDateTime(p.taken_at) : "Tanpa waktu EXIF"),
    el("dt", {}, "Jarak dari zona"), el("dd", { id: "viewer-distance" },
      !Number.isFinite(d) ? (p.zone_known ? "Tanpa lokasi GPS" : "Laporan tanpa zona")
        : d === 0 ? "0 m (di dalam area pantau zona)" : `${distText(d)} di luar area pantau zona`),
    el("dt", {}, "Temuan bukti"), el("dd", {}, flags.length
      ? el("ul", { id: "viewer-flags" }, ...flags.map(([code, f]) => {
          const nums = flagNumbers(code, f || {});
          return el("li", { "data-flag": code, title: (f && f.message) || "" }, lbl("evidence_flag", code), nums ? ": " + nums : "");
        }))
      : el("span", { id: "viewer-flags-none" }, "Tidak ada")),
  ];
}
const viewerStep = (n) => {
  const j = viewer.i + n;
  if (j >= 0 && j < viewer.items.length) { viewer.i = j; showViewerItem(); }
};
$("viewer-prev").addEventListener("click", () => viewerStep(-1));
$("viewer-next").addEventListener("click", () => viewerStep(1));
$("viewer-close").addEventListener("click", () => $("viewer").close());
$("viewer").addEventListener("keydown", (ev) => {
  if (ev.key === "ArrowLeft") viewerStep(-1);
  if (ev.key === "ArrowRight") viewerStep(1);
});
$("viewer").addEventListener("close", () => { $("viewer-img").removeAttribute("src"); });

async function showReport(id) {
  const r = await getJSON(`/api/v1/reports/${id}`);
  const box = $("report-detail");
  const imgs = el("div", { class: "thumbs" });
  const canReview = ["trantib", "admin"].includes(state.me.role) && r.officer_id !== state.me.id;
  const review = async (st) => {
    let note = null;
    if (st !== "diterima") { note = prompt("Catatan untuk petugas:"); if (!note) return; }
    try {
      await api(`/api/v1/reports/${id}/review`, { method: "POST", json: { state: st, note } });
      await showReport(id); await loadQueue(); await loadReports();
    } catch (e) { alert(e.message); }
  };
  box.replaceChildren(
    el("h2", {}, "Laporan ", lbl("report_type", r.type), " · ", dateLabel(r.period)),
    el("dl", { class: "facts", id: "report-facts" },
      ...[["Zona", r.zone || "-"],
          ["Petugas", r.officer_name || r.officer || "-"],
          ["Tim", r.team || "-"],
          ["Unit", (r.units || []).map((u) => lbl("team_unit", u)).join(", ") || "-"],
          ["Mulai", wibDateTime(r.started_at)],
          ["Selesai", wibDateTime(r.ended_at)],
          ["Diterima server", wibDateTime(r.received_at)],
          ["Akurasi lokasi", Number.isFinite(r.accuracy_m) ? `${Math.round(r.accuracy_m)} m` : "-"],
          ["Foto", `${r.photos_received ?? 0} dari ${r.photos_expected ?? 0}`]]
        .flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]),
      el("dt", {}, "Tinjauan"), el("dd", {}, el("strong", { id: "review-state" }, lbl("review_state", r.review_state)),
        r.reviewed_at ? " · " + wibDateTime(r.reviewed_at) : "")),
    el("p", {}, "Temuan: ", r.findings.map((f) => `${lbl("violation_kind", f.kind)} ${f.count}`).join(", ") || "tidak ada",
      r.actions.length ? " · Tindakan: " + r.actions.map((a) => `${lbl("enforcement_action", a.kind)} ${a.count}`).join(", ") : ""),
    el("ul", { class: "notes", id: "report-notes" },
      ...(r.notes ? [el("li", {}, "Catatan petugas: ", r.notes)] : []),
      ...r.findings.filter((i) => i.notes).map((i) => el("li", {}, lbl("violation_kind", i.kind), ": ", i.notes)),
      ...r.actions.filter((i) => i.notes).map((i) => el("li", {}, lbl("enforcement_action", i.kind), ": ", i.notes)),
      ...(r.review_note ? [el("li", {}, "Catatan tinjauan: ", r.review_note)] : [])),
    el("div", { id: "report-flags" }, ...flagChips(r.flags)),
    imgs,
    canReview ? el("div", { class: "row" },
      el("button", { class: "primary", id: "accept", onclick: () => review("diterima") }, "Terima"),
      el("button", { id: "needs-fix", onclick: () => review("perlu_perbaikan") }, "Perlu perbaikan"),
      el("button", { id: "reject", onclick: () => review("ditolak") }, "Tolak")) : el("span"),
  );
  const shown = r.photos.filter((p) => p.urls.thumb && p.urls.web);
  const items = shown.map((p, n) => ({ id: p.id, web: p.urls.web, original: p.urls.original || null,
    alt: `Foto laporan ${n + 1}`,
    facts: { taken_at: p.taken_at, zone_distance_m: p.zone_distance_m, zone_known: !!r.zone_id, flags: p.flags },
    caption: [[p.exif?.make, p.exif?.model].filter(Boolean).join(" "), p.taken_at ? "diambil " + wibDateTime(p.taken_at) : ""]
      .filter(Boolean).join(" · ") }));
  for (const [n, p] of shown.entries()) imgs.append(await photoImg(p, () => openViewer(items, n)));
  // The map flies to where the report was made.
  const c = r.location?.coordinates;
  if (Array.isArray(c) && Number.isFinite(c[0]) && Number.isFinite(c[1])) map.flyTo([c[1], c[0]], Math.max(map.getZoom(), 17));
}

async function loadQueue() {
  const q = await getJSON("/api/v1/reports?review_state=menunggu&order=terlama&limit=100");
  $("queue").replaceChildren(...q.items.map((r) => el("li", {},
    el("button", { onclick: () => showReport(r.id), "data-report": r.id },
      dateLabel(r.period), " · ", lbl("report_type", r.type), " · ", r.zone || "tanpa zona", ...flagChips(r.flags)))));
  state.queueCount = q.items.length;
}

// --- indicator and export -----------------------------------------------------------------
async function loadIndicator() {
  const y = $("i-year").value, m = $("i-month").value;
  const q = new URLSearchParams({ year: y }); if (m) q.set("month", m);
  const box = $("indicator");
  try {
    const data = await getJSON("/api/v1/indicators/wilayah-tertib?" + q);
    const i = data.items[0];
    const need = i.zones_needed === null ? "-" : Math.max(0, i.zones_needed - i.zones_tertib);
    box.replaceChildren(
      el("p", {}, data.period, i.source === "manual" ? " (angka tercatat)" : ""),
      el("p", { class: "big", id: "realisasi" }, fmt(i.realisasi_pct), " %"),
      el("p", {}, "Target ", fmt(i.target_pct), " % · Capaian ", fmt(i.capaian_pct), " %"),
      el("p", { id: "tertib-count" }, `${i.zones_tertib} dari ${i.zones_designated} zona tertib`),
      el("p", {}, "Masih dibutuhkan: ", el("strong", { id: "still-needed" }, need), " zona"));
  } catch (e) { box.replaceChildren(el("p", { class: "error" }, e.message)); }
}

// --- the LKIP loop: the period's snapshot, what changed, pimpinan's approval --------------------
const canApprove = () => state.me.role === "pimpinan";
const FIGURES = [["zones_designated", "Zona ditetapkan", String], ["zones_tertib", "Zona tertib", String],
                 ["realisasi_pct", "Realisasi (%)", fmt]];
function periodOf() {
  const y = Number($("i-year").value), m = $("i-month").value;
  return m ? { kind: "month", start: `${y}-${String(m).padStart(2, "0")}-01`, body: { year: y, month: Number(m) } }
           : { kind: "year", start: `${y}-01-01`, body: { year: y } };
}
function approvalLine(s) {
  if (!s.approved) return el("strong", { id: "snapshot-state", class: "warn-text" }, "Belum disetujui pimpinan");
  const who = s.approved_by_name || null;
  return el("strong", { id: "snapshot-state", class: "status-tertib" },
    "Disetujui" + (s.approved_at ? " " + wibDateTime(s.approved_at) : "") + (who ? " oleh " + who : ""));
}
async function snapshotChanges(id) {
  // What changed since the last approved snapshot (an older server has no /changes).
  let ch;
  try { ch = await getJSON(`/api/v1/snapshots/${id}/changes`); } catch (e) { return el("span"); }
  if (!ch || !ch.previous_id) return el("p", { class: "muted", id: "snapshot-changes" }, "Belum ada snapshot yang disetujui sebelumnya.");
  const figs = ch.figures || {};
  const rows = FIGURES.filter(([k]) => Array.isArray(figs[k])).map(([k, name, f]) =>
    el("tr", {}, el("th", { scope: "row" }, name), el("td", {}, f(figs[k][0])), el("td", {}, f(figs[k][1]))));
  return el("div", { id: "snapshot-changes" },
    el("p", {}, "Perubahan sejak snapshot disetujui ", wibDateTime(ch.previous_approved_at), ":"),
    el("table", { class: "hist" },
      el("thead", {}, el("tr", {}, ...["Angka", "Sebelumnya", "Sekarang"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...rows)),
    (ch.zones || []).length ? el("table", { class: "hist", id: "snapshot-zones" },
      el("thead", {}, el("tr", {}, ...["Zona", "Sebelumnya", "Sekarang"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...ch.zones.map((z) => el("tr", {}, el("th", { scope: "row" }, z.name),
        el("td", {}, lbl("zone_status", z.before)), el("td", {}, lbl("zone_status", z.after))))))
      : el("p", { class: "muted" }, "Tidak ada zona yang berubah status."));
}
async function loadSnapshot() {
  const box = $("snapshot-body"), msg = $("snapshot-msg");
  if (!["trantib", "pimpinan", "admin"].includes(state.me.role)) return;
  $("snapshot").hidden = false;
  const p = periodOf(), kec = kecamatanSlug();
  let list;
  try { list = await getJSON("/api/v1/snapshots" + (kec ? "?kecamatan=" + encodeURIComponent(kec) : "")); }
  catch (e) { box.replaceChildren(el("p", { class: "error" }, e.message)); return; }
  const mine = list.filter((s) => s.period_kind === p.kind && s.period_start === p.start);
  const snap = mine.find((s) => s.approved) || mine[0];
  const take = el("button", { id: "snapshot-take", onclick: async () => {
    try { await api("/api/v1/snapshots", { method: "POST", json: Object.assign({}, p.body, kec ? { kecamatan: kec } : {}) });
          msg.textContent = "Snapshot dihitung."; await loadSnapshot(); } catch (e) { msg.textContent = e.message; }
  } }, snap ? "Hitung ulang" : "Hitung snapshot");
  if (!snap) { box.replaceChildren(el("p", { class: "muted" }, "Belum ada snapshot untuk periode ini."), take); return; }
  const approve = el("button", { class: "primary", id: "snapshot-approve", onclick: async () => {
    try {
      await api(`/api/v1/snapshots/${snap.id}/approve`, { method: "POST" });
      msg.textContent = "Snapshot disetujui.";
      await loadSnapshot(); await loadIndicator();
    } catch (e) { msg.textContent = e.message; }
  } }, "Setujui");
  box.replaceChildren(
    el("p", { id: "snapshot-info" }, "Snapshot dihitung ", wibDateTime(snap.computed_at), " · ",
      `${snap.zones_tertib} dari ${snap.zones_designated} zona tertib · realisasi ${fmt(snap.realisasi_pct)} %`),
    el("p", {}, approvalLine(snap)),
    await snapshotChanges(snap.id),
    el("div", { class: "row" }, canApprove() && !snap.approved ? approve : el("span"), snap.approved ? el("span") : take));
}

async function loadDue() {
  // Zones whose verification ran out (or runs out soon): verify them again.
  if (!["trantib", "pimpinan", "admin", "kota"].includes(state.me.role)) return;
  const kec = kecamatanSlug();
  let due;
  try { due = await getJSON("/api/v1/verifications/due" + (kec ? "?kecamatan=" + encodeURIComponent(kec) : "")); }
  catch (e) { return; } // an older server: no list
  $("due").hidden = false;
  $("due-list").replaceChildren(...(due.items || []).map((d) => el("li", {},
    el("button", { onclick: () => state.zones[d.zone_id] && showZone(d.zone_id), "data-zone": d.zone_id },
      d.name, " · ", d.kelurahan || "-", " · Zona ", lbl("kategori_zona", d.kategori_zona),
      el("span", { class: "chip warn" }, (d.expired ? "berakhir " : "berlaku sampai ") + wibDateTime(d.expires_at))))));
  if (!(due.items || []).length) $("due-list").replaceChildren(el("li", { class: "muted" }, "Tidak ada."));
}

$("export").addEventListener("click", async () => {
  const status = $("export-status");
  const y = $("i-year").value, m = $("i-month").value;
  const body = { format: $("x-format").value, year: Number(y) }; if (m) body.month = Number(m);
  try {
    const job = await (await api("/api/v1/exports", { method: "POST", json: body })).json();
    status.textContent = "Ekspor menunggu...";
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const s = await getJSON(job.status_url);
      status.textContent = "Ekspor " + s.status + "...";
      if (s.status === "gagal") { status.textContent = s.error || "Ekspor gagal."; return; }
      if (s.status === "selesai") {
        const blob = await (await api(s.download_url)).blob();
        const a = el("a", { href: URL.createObjectURL(blob), download: s.filename, id: "export-link" }, "Unduh " + s.filename);
        status.replaceChildren("Ekspor selesai. ", a);
        a.click();
        return;
      }
    }
  } catch (e) { status.textContent = e.message; }
});

// --- complaints (pengaduan) -------------------------------------------------------------------
const C_STATE = { baru: "Baru", diterima: "Diterima", ditolak: "Ditolak", ditugaskan: "Ditugaskan",
                  ditangani: "Ditangani", selesai: "Selesai" };
const SLA_COLOR = { aman: "#1e8e3e", peringatan: "#f29900", lewat: "#d93025", tanpa_sla: "#80868b" };
const OPEN_STATES = ["baru", "diterima", "ditugaskan", "ditangani"];
const SLA_PHASE = { aman: "Aman", peringatan: "Hampir lewat", lewat: "Lewat SLA", tanpa_sla: "Tanpa SLA" };
const canHandle = () => ["trantib", "admin"].includes(state.me.role);
const canReadComplaint = () => ["trantib", "pimpinan", "admin"].includes(state.me.role);
const when = wibDateTime;

function complaintQuery(after) {
  const q = new URLSearchParams({ limit: "50" });
  const chosen = $("c-state").value;
  for (const st of chosen ? [chosen] : OPEN_STATES) q.append("state", st);
  if (after) q.set("after", after);
  return q;
}

async function loadComplaints(after) {
  // The queue by SLA due time (most urgent first), in keyset pages of 50.
  const page = await getJSON("/api/v1/complaints?" + complaintQuery(after));
  if (!after) { $("complaint-list").replaceChildren(); state.complaints.clearLayers(); }
  for (const c of page.items) {
    $("complaint-list").append(el("li", {},
      el("button", { onclick: () => showComplaint(c.id), "data-complaint": c.id },
        c.code, " · ", c.category_name, " · ", C_STATE[c.state] || c.state,
        el("span", { class: "chip sla-" + c.sla.phase }, c.sla.due_at ? "batas " + when(c.sla.due_at) : "tanpa SLA"))));
    if (c.lat !== null && c.lon !== null) {
      const m = L.circleMarker([c.lat, c.lon], { radius: 8, color: SLA_COLOR[c.sla.phase], weight: 3, fillOpacity: 0.5 });
      m.bindTooltip(textNode(c.code + " · " + c.category_name));
      m.on("click", () => { if (!picker.target) showComplaint(c.id); });
      state.complaints.addLayer(m);
    }
  }
  state.complaintNext = page.next;
  $("complaint-more").hidden = !page.next;
}

async function complaintStep(id, body, msg) {
  try {
    await api(`/api/v1/complaints/${id}/actions`, { method: "POST", json: body });
    await loadComplaints(); await showComplaint(id);
  } catch (e) { msg.textContent = e.message; }
}

async function complaintActions(c) {
  const msg = el("p", { role: "status", id: "complaint-msg" });
  const ask = (text) => { const v = prompt(text); return v && v.trim() ? v.trim() : null; };
  const step = (label, id, build) => el("button", { id, onclick: async () => {
    const body = await build(); if (body) await complaintStep(c.id, body, msg);
  } }, label);
  const buttons = [];
  if (c.state === "baru" || c.state === "diterima") {
    if (c.state === "baru") buttons.push(step("Terima", "c-accept", () => ({ action: "terima", reason: ask("Alasan menerima:") || "Diterima" })));
    const reason = el("select", { id: "c-reject-reason", "aria-label": "Alasan penolakan" },
      el("option", { value: "duplikat" }, "Duplikat"), el("option", { value: "bukan_wewenang" }, "Bukan wewenang"),
      el("option", { value: "tidak_lengkap" }, "Tidak lengkap"));
    buttons.push(reason, step("Tolak", "c-reject", () => {
      const note = ask("Catatan untuk pelapor (tampil di halaman status):"); if (!note) return null;
      return { action: "tolak", reason: reason.value, reject_reason: reason.value, public_note: note };
    }));
  }
  if (c.state === "diterima") {
    const team = el("select", { id: "c-team", "aria-label": "Tim" },
      ...state.teams.map((t) => el("option", { value: t.id }, t.name)));
    const due = el("input", { id: "c-due", type: "datetime-local", "aria-label": "Batas waktu tim" });
    buttons.push(team, due, step("Tugaskan", "c-assign", () => ({ action: "tugaskan", reason: "Penugasan tim",
      team_id: team.value, due_at: due.value ? new Date(due.value).toISOString() : null })));
  }
  if (c.state === "ditugaskan" && c.team_id) {
    const reports = await getJSON(`/api/v1/reports?team=${c.team_id}&limit=20`);
    const pick = el("select", { id: "c-report", "aria-label": "Laporan tim" },
      ...reports.items.map((r) => el("option", { value: r.id }, dateLabel(r.period) + " · " + lbl("report_type", r.type))));
    buttons.push(pick, step("Tautkan laporan tim", "c-handle", () => pick.value ? { action: "tangani", reason: "Laporan tim", report_id: pick.value } : null));
  }
  if (c.state === "ditangani") {
    buttons.push(step("Selesai", "c-close", () => ({ action: "selesai", reason: "Laporan tim diterima",
      public_note: ask("Catatan penyelesaian untuk pelapor:") })));
  }
  if (["ditugaskan", "ditangani", "ditolak"].includes(c.state)) {
    buttons.push(step("Kembalikan", "c-back", () => { const why = ask("Alasan mengembalikan:"); return why ? { action: "kembali", reason: why } : null; }));
  }
  if (OPEN_STATES.includes(c.state)) {
    buttons.push(el("button", { id: "c-merge", onclick: async () => {
      const code = ask("Gabungkan ke kode pengaduan (mis. ADU-XXXXXXXX):"); if (!code) return;
      const all = await getJSON("/api/v1/complaints?limit=100&" + OPEN_STATES.map((s) => "state=" + s).join("&"));
      const target = all.items.find((x) => x.code === code.toUpperCase());
      if (!target) { msg.textContent = "Kode tidak ditemukan di antrean terbuka."; return; }
      try { await api(`/api/v1/complaints/${c.id}/merge`, { method: "POST", json: { into: target.id, reason: "Duplikat" } });
            await loadComplaints(); await showComplaint(c.id); } catch (e) { msg.textContent = e.message; }
    } }, "Gabungkan (duplikat)"));
  }
  return el("div", { class: "actions row" }, ...buttons, msg);
}

async function showComplaint(id) {
  selectTab("pengaduan");
  const box = $("complaint-detail");
  if (!canReadComplaint()) { box.replaceChildren(el("p", { class: "muted" }, "Rincian pengaduan hanya untuk staf kecamatan.")); return; }
  const c = await getJSON(`/api/v1/complaints/${id}`);
  const sla = c.sla;
  box.replaceChildren(
    el("h2", {}, "Pengaduan ", el("span", { id: "complaint-code" }, c.code)),
    el("p", {}, c.category_name, " · ", el("strong", { id: "complaint-state" }, C_STATE[c.state] || c.state),
      c.reject_reason ? " (" + lbl("complaint_rejection", c.reject_reason) + ")" : ""),
    el("p", { id: "complaint-sla" }, "SLA: ", el("span", { class: "chip sla-" + sla.phase }, label(SLA_PHASE, sla.phase)),
      " · sejak ", when(sla.state_since), " · batas ", when(sla.due_at),
      sla.remaining_hours !== null ? ` · sisa ${sla.remaining_hours} jam kerja` : "",
      sla.within_sla ? "" : " · pernah lewat SLA"),
    el("p", { id: "complaint-description" }, c.description),
    c.address ? el("p", { class: "muted", id: "complaint-address" }, "Patokan: ", c.address) : el("span"),
    c.channel ? el("p", { class: "muted" }, "Diterima lewat: ", label(CHANNEL, c.channel)) : el("span"),
    el("p", { class: "reporter" }, "Pelapor (rahasia): ", [c.reporter.name, c.reporter.phone, c.reporter.email].filter(Boolean).join(" · ") || "tanpa kontak"),
    c.public_note ? el("p", {}, "Catatan publik: ", c.public_note) : el("span"),
    complaintPhotos(c),
    canHandle() ? locationForm(c) : el("span"),
    canHandle() ? await complaintActions(c) : el("span"),
    el("h3", {}, "Riwayat"),
    // A header row (column headers) and row headers (the time of each step), one body row
    // per step (tests/e2e/test_lapor.py counts the body rows).
    el("table", { class: "hist", id: "complaint-history" }, el("caption", { class: "sr-only" }, "Riwayat pengaduan: waktu, status, alasan, oleh"),
      el("thead", {}, el("tr", {}, ...["Waktu", "Status", "Alasan", "Oleh"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...c.transitions.map((t) => el("tr", {}, el("th", { scope: "row" }, when(t.at)),
        el("td", {}, C_STATE[t.to_state] || t.to_state), el("td", {}, t.reason || "-"), el("td", {}, t.actor_name || t.actor || "-"))))),
  );
  if (c.lat !== null && c.lon !== null) map.setView([c.lat, c.lon], 17);
}

function complaintPhotos(c) {
  // Thumbnails open the web-size image large; the original (with EXIF) only when the API
  // gives its address (Seksi Trantib/admin).
  const shown = (c.photos || []).filter((p) => p.thumb_url && p.web_url);
  const items = shown.map((p, n) => ({ id: p.id, web: p.web_url, public: true, original: p.original_url || null,
    alt: `Foto pelapor ${n + 1}`, caption: `Foto pelapor ${n + 1} (tanpa EXIF)` }));
  return el("div", { class: "thumbs", id: "complaint-photos" }, ...shown.map((p, n) =>
    el("button", { class: "thumb", onclick: () => openViewer(items, n), "aria-label": `Perbesar foto pelapor ${n + 1}` },
      el("img", { src: p.thumb_url, alt: "Foto pelapor" }))));
}

// --- locations: a tap on the map or typed lintang/bujur -------------------------------------
const picker = { target: null, marker: null };
function startPick(lat, lon, status) {
  picker.target = { lat, lon, status };
  map.getContainer().classList.add("picking");
  status.textContent = "Ketuk peta pada lokasi pengaduan.";
}
function onMapPick(ev) {
  if (!picker.target) return;
  const { lat, lon, status } = picker.target;
  lat.value = ev.latlng.lat.toFixed(6); lon.value = ev.latlng.lng.toFixed(6);
  picker.target = null;
  map.getContainer().classList.remove("picking");
  status.textContent = "Lokasi dipilih dari peta.";
  showPickMarker(ev.latlng.lat, ev.latlng.lng);
}
document.addEventListener("keydown", (ev) => {
  // Esc leaves the "tap the map" mode without choosing a point.
  if (ev.key !== "Escape" || !picker.target) return;
  picker.target.status.textContent = "Pemilihan lokasi dibatalkan.";
  picker.target = null;
  map.getContainer().classList.remove("picking");
});
function showPickMarker(lat, lon) {
  if (picker.marker) picker.marker.remove();
  picker.marker = L.circleMarker([lat, lon], { radius: 9, color: "#6a1b9a", weight: 3, fillOpacity: 0.3 }).addTo(map);
}
function clearPick() {
  picker.target = null;
  if (map) map.getContainer().classList.remove("picking");
  if (picker.marker) { picker.marker.remove(); picker.marker = null; }
}
// Typed coordinates: numbers (a decimal comma is taken), lintang -90..90, bujur -180..180.
function readLatLon(latText, lonText, required) {
  const errors = {};
  const num = (t) => { const x = String(t).trim().replace(",", "."); return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(x) ? Number(x) : NaN; };
  const a = String(latText).trim(), b = String(lonText).trim();
  if (!a && !b) {
    if (required) errors.lat = "Isi lintang dan bujur, atau ketuk peta.";
    return { lat: null, lon: null, errors };
  }
  const lat = num(a), lon = num(b);
  if (!a) errors.lat = "Lintang wajib diisi bersama bujur.";
  else if (!Number.isFinite(lat)) errors.lat = "Lintang harus berupa angka, mis. -6.2072.";
  else if (lat < -90 || lat > 90) errors.lat = "Lintang harus antara -90 dan 90.";
  if (!b) errors.lon = "Bujur wajib diisi bersama lintang.";
  else if (!Number.isFinite(lon)) errors.lon = "Bujur harus berupa angka, mis. 106.979.";
  else if (lon < -180 || lon > 180) errors.lon = "Bujur harus antara -180 dan 180.";
  return { lat, lon, errors };
}

// Server errors (problem+json `errors`, JSON pointers) next to their fields: the box
// `${prefix}${field}-err`; the rest in the form's message line.
function clearFieldErrors(form) {
  for (const n of form.querySelectorAll(".field-error")) n.textContent = "";
  for (const n of form.querySelectorAll("[aria-invalid]")) n.removeAttribute("aria-invalid");
}
function putFieldError(prefix, field, message) {
  const box = $(`${prefix}${field}-err`);
  if (!box) return false;
  box.textContent = box.textContent ? box.textContent + " " + message : message;
  const input = $(box.dataset.for || "");
  if (input) input.setAttribute("aria-invalid", "true");
  return true;
}
function showFieldErrors(prefix, form, err, msg) {
  clearFieldErrors(form);
  const rest = [];
  for (const e of err.fields || []) {
    const field = String(e.pointer || "").split("/")[1] || "";
    if (!field || !putFieldError(prefix, field, e.message)) rest.push(e.message);
  }
  msg.textContent = [err.fields?.length ? "Periksa isian yang ditandai." : err.message, ...rest].join(" ");
}
// Each error box names its input (aria-describedby), so a screen reader reads the message.
function linkErrors(prefix, pairs) {
  for (const [field, input] of Object.entries(pairs)) {
    const box = $(`${prefix}${field}-err`);
    if (!box || !$(input)) continue;
    box.dataset.for = input;
    $(input).setAttribute("aria-describedby", box.id);
  }
}

function locationForm(c) {
  // Set a location on a complaint that came without one (an address only), or correct it.
  const lat = el("input", { id: "cl-lat", inputmode: "decimal", autocomplete: "off", "aria-describedby": "cl-lat-err" });
  const lon = el("input", { id: "cl-lon", inputmode: "decimal", autocomplete: "off", "aria-describedby": "cl-lon-err" });
  if (c.lat !== null && c.lat !== undefined) { lat.value = String(c.lat); lon.value = String(c.lon); }
  const status = el("p", { role: "status", id: "cl-msg" });
  const latErr = el("span", { class: "field-error", id: "cl-lat-err", "data-for": "cl-lat" });
  const lonErr = el("span", { class: "field-error", id: "cl-lon-err", "data-for": "cl-lon" });
  const form = el("form", { id: "cl-form", class: "stack-form", novalidate: "", hidden: "" },
    el("div", { class: "row" }, el("label", {}, "Lintang ", lat), el("label", {}, "Bujur ", lon),
      el("button", { type: "button", id: "cl-pick", onclick: () => startPick(lat, lon, status) }, "Pilih di peta")),
    latErr, lonErr,
    el("div", { class: "row" }, el("button", { type: "submit", class: "primary", id: "cl-save" }, "Simpan lokasi"),
      el("button", { type: "button", onclick: () => { form.hidden = true; clearPick(); } }, "Batal")),
    status);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    const got = readLatLon(lat.value, lon.value, true);
    if (Object.keys(got.errors).length) {
      for (const [f, m] of Object.entries(got.errors)) putFieldError("cl-", f, m);
      status.textContent = "Periksa lintang dan bujur.";
      return;
    }
    try {
      await api(`/api/v1/complaints/${c.id}/location`, { method: "POST", json: { lat: got.lat, lon: got.lon, version: c.version } });
      clearPick();
      await loadComplaints(); await showComplaint(c.id);
      $("complaint-msg")?.replaceChildren("Lokasi pengaduan disimpan.");
    } catch (e) { showFieldErrors("cl-", form, e, status); }
  });
  for (const i of [lat, lon]) i.addEventListener("change", () => {
    const got = readLatLon(lat.value, lon.value, false);
    if (!Object.keys(got.errors).length && got.lat !== null) showPickMarker(got.lat, got.lon);
  });
  const has = c.lat !== null && c.lat !== undefined;
  return el("div", { class: "location" },
    el("button", { id: "c-locate", onclick: () => { form.hidden = !form.hidden; } },
      has ? "Perbaiki lokasi" : "Tetapkan lokasi"),
    has ? el("span") : el("span", { class: "chip warn" }, "Belum ada titik lokasi"),
    form);
}

const randomKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)),
  (b) => b.toString(16).padStart(2, "0")).join("");

// --- complaint intake at the desk (telepon, WhatsApp, datang langsung, surat) --------------
async function loadCategories() {
  if (state.categories) return state.categories;
  const kec = kecamatanSlug();
  const q = kec ? "?jurisdiction_id=" + encodeURIComponent(kec) : "";
  state.categories = await getJSON("/open311/v2/services.json" + q);
  return state.categories;
}

function setupComplaintForm() {
  const form = $("c-form");
  linkErrors("cf-", { category: "cf-category", description: "cf-description", channel: "cf-channel", lat: "cf-lat",
    lon: "cf-lon", address: "cf-address", reporter_name: "cf-name", reporter_phone: "cf-phone",
    reporter_email: "cf-email" });
  $("c-new").hidden = !canHandle();
  $("c-new").addEventListener("click", async () => {
    const open = form.hidden;
    form.hidden = !open; $("c-new").setAttribute("aria-expanded", String(open));
    if (!open) { clearPick(); return; }
    // One key per complaint written down: a double click or a retry after a lost answer
    // records it once (the API's Idempotency-Key).
    state.intakeKey = state.intakeKey || randomKey();
    try {
      const cats = await loadCategories();
      if (!$("cf-category").options.length) {
        $("cf-category").append(el("option", { value: "" }, "Pilih jenis masalah"),
          ...cats.map((c) => el("option", { value: c.service_code }, c.service_name)));
      }
    } catch (e) { $("cf-msg").textContent = e.message; }
    $("cf-category").focus();
  });
  $("cf-cancel").addEventListener("click", () => { form.hidden = true; $("c-new").setAttribute("aria-expanded", "false"); clearPick(); });
  $("cf-pick").addEventListener("click", () => startPick($("cf-lat"), $("cf-lon"), $("cf-msg")));
  for (const id of ["cf-lat", "cf-lon"]) $(id).addEventListener("change", () => {
    const got = readLatLon($("cf-lat").value, $("cf-lon").value, false);
    if (!Object.keys(got.errors).length && got.lat !== null) showPickMarker(got.lat, got.lon);
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    const msg = $("cf-msg");
    const bad = {};
    const got = readLatLon($("cf-lat").value, $("cf-lon").value, false);
    Object.assign(bad, got.errors);
    const address = $("cf-address").value.trim();
    if (!$("cf-category").value) bad.category = "Pilih jenis masalah.";
    if (!$("cf-description").value.trim()) bad.description = "Keterangan wajib diisi.";
    if (got.lat === null && !address && !bad.lat) bad.lat = "Isi lokasi (ketuk peta atau ketik lintang/bujur) atau patokan alamat.";
    if (Object.keys(bad).length) {
      for (const [f, m] of Object.entries(bad)) putFieldError("cf-", f, m);
      msg.textContent = "Periksa isian yang ditandai.";
      return;
    }
    const body = { category: $("cf-category").value, description: $("cf-description").value.trim(),
                   channel: $("cf-channel").value };
    if (got.lat !== null) { body.lat = got.lat; body.lon = got.lon; }
    if (address) body.address = address;
    for (const [id, key] of [["cf-name", "reporter_name"], ["cf-phone", "reporter_phone"], ["cf-email", "reporter_email"]]) {
      if ($(id).value.trim()) body[key] = $(id).value.trim();
    }
    try {
      const c = await (await api("/api/v1/complaints", { method: "POST", json: body,
        headers: { "Idempotency-Key": state.intakeKey || randomKey() } })).json();
      state.intakeKey = null;
      form.reset(); form.hidden = true; $("c-new").setAttribute("aria-expanded", "false"); clearPick();
      msg.textContent = "";
      await loadComplaints(); await showComplaint(c.id);
    } catch (e) { showFieldErrors("cf-", form, e, msg); }
  });
}

$("c-state").addEventListener("change", () => loadComplaints().catch((e) => alert(e.message)));
$("complaint-more").addEventListener("click", () => loadComplaints(state.complaintNext));

// --- jadwal: this week's grid (zones x days) and the plan editor ------------------------------
const jadwal = { monday: null, plans: [], decrees: null, editing: null, seq: 0 };
const canPlan = () => ["trantib", "admin"].includes(state.me.role);
const canSeeCoverage = () => ["trantib", "pimpinan", "admin", "kota"].includes(state.me.role);
const kecamatanSlug = () => state.me.kecamatan || state.kecamatan?.[0]?.slug || "";

// One state per cell: a missed task shows first, then an open one, then a late one.
function cellState(r) {
  if (!r || !r.planned) return "none";
  if (r.terlewat) return "terlewat";
  if (r.terjadwal) return "terbuka";
  if (r.terlambat) return "terlambat";
  return "selesai";
}

async function loadJadwal() {
  const today = todayWib();
  if (!jadwal.monday) jadwal.monday = mondayOf(today);
  const days = [...Array(7).keys()].map((i) => addDays(jadwal.monday, i));
  const seq = ++jadwal.seq; // a later click wins: an older answer arriving last is dropped
  $("week-label").textContent = `${dayLabel(days[0])} – ${dayLabel(days[6])} ${days[6].slice(0, 4)}`;
  const rows = {};
  let stale = null;
  const kec = kecamatanSlug();
  try {
    // Coverage per zone and WIB day, one call per calendar month the week touches.
    for (const ym of [...new Set(days.map((d) => d.slice(0, 7)))]) {
      const q = new URLSearchParams({ year: ym.slice(0, 4), month: String(Number(ym.slice(5, 7))),
                                      group_by: "zona", bucket: "hari" });
      if (kec) q.set("kecamatan", kec);
      const cov = await getJSON("/api/v1/coverage?" + q);
      for (const r of cov.rows) rows[r.key + "|" + r.bucket] = r;
      stale = cov;
    }
    $("jadwal-msg").textContent = "";
  } catch (e) { if (seq === jadwal.seq) $("jadwal-msg").textContent = "Cakupan jadwal tidak dapat dimuat: " + e.message; }
  if (seq !== jadwal.seq) return;
  const zones = Object.values(state.zones).map((z) => z.feature)
    .sort((a, b) => String(a.properties.name).localeCompare(String(b.properties.name), "id"));
  $("jadwal-grid").querySelector("thead").replaceChildren(el("tr", {},
    el("th", { scope: "col" }, "Zona"),
    ...days.map((d) => el("th", d === today ? { scope: "col", class: "today", "aria-current": "date" } : { scope: "col" },
      dayLabel(d)))));
  $("jadwal-grid").querySelector("tbody").replaceChildren(...zones.map((z) => el("tr", {},
    el("th", { scope: "row" }, z.properties.name),
    ...days.map((d) => {
      const r = rows[z.id + "|" + d];
      const st = cellState(r);
      const text = label(TASK_STATE, st) + (r && r.planned > 1 ? ` ${r.selesai + r.terlambat}/${r.planned}` : "");
      const detail = r ? `${z.properties.name}, ${dayLabel(d)}: ${r.planned} tugas; selesai ${r.selesai}, ` +
        `terlambat ${r.terlambat}, terlewat ${r.terlewat}, terbuka ${r.terjadwal}` : `${z.properties.name}, ${dayLabel(d)}: tanpa tugas`;
      return el("td", { class: "st-" + st, "data-zone": z.id, "data-day": d, "data-state": st, title: detail }, text);
    }))));
  const box = $("stale-zones");
  if (stale && stale.zones_without_patrol.length) {
    box.replaceChildren(el("h3", {}, `Zona tanpa patroli ${stale.stale_days} hari atau lebih`),
      el("ul", { class: "list", id: "stale-list" }, ...stale.zones_without_patrol.slice(0, 20).map((z) => el("li", {},
        z.name, " · ", z.last_patrol ? "patroli terakhir " + dateLabel(z.last_patrol) : "belum pernah dipatroli"))),
      stale.zones_without_patrol.length > 20
        ? el("p", { class: "muted" }, `dan ${stale.zones_without_patrol.length - 20} zona lainnya`) : el("span"));
  } else box.replaceChildren();
  if (canPlan()) await loadPlans();
}

// RRULE presets of the editor. A triwulan: the first day of January, April, July and
// October (calendar quarters, whatever the plan's start date).
const TRIWULAN = "FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=1";
const BYDAY_LABEL = { MO: "Sen", TU: "Sel", WE: "Rab", TH: "Kam", FR: "Jum", SA: "Sab", SU: "Min" };
const ruleParts = (rule) => Object.fromEntries(String(rule || "").split(";").filter(Boolean).map((p) => p.split("=")));
function rulePreset(rule) {
  const r = ruleParts(rule), keys = Object.keys(r).filter((k) => !(k === "INTERVAL" && r[k] === "1")).sort().join(",");
  if (r.FREQ === "DAILY" && keys === "FREQ") return { preset: "harian" };
  if (r.FREQ === "WEEKLY" && keys === "BYDAY,FREQ" && r.BYDAY.split(",").every((d) => d in BYDAY_LABEL)) {
    return { preset: "mingguan", days: r.BYDAY.split(",") };
  }
  if ((r.FREQ === "YEARLY" && r.BYMONTH === "1,4,7,10" && r.BYMONTHDAY === "1" && keys === "BYMONTH,BYMONTHDAY,FREQ") ||
      (r.FREQ === "MONTHLY" && r.INTERVAL === "3" && ["FREQ,INTERVAL", "BYMONTHDAY,FREQ,INTERVAL"].includes(keys))) {
    return { preset: "triwulan" };
  }
  return { preset: "lain" };
}
function repeatLabel(rule) {
  const p = rulePreset(rule);
  if (p.preset === "harian") return "Setiap hari";
  if (p.preset === "mingguan") return "Setiap " + p.days.map((d) => BYDAY_LABEL[d]).join(", ");
  if (p.preset === "triwulan") return "Setiap triwulan";
  return "Aturan " + rule;
}

async function loadPlans() {
  const kec = kecamatanSlug();
  jadwal.plans = await getJSON("/api/v1/plans" + (kec ? "?kecamatan=" + encodeURIComponent(kec) : ""));
  $("plan-list").replaceChildren(...jadwal.plans.map((p) => {
    const v = p.latest;
    return el("li", {}, el("button", { onclick: () => editPlan(p), "data-plan": p.id },
      el("strong", {}, p.name), " · ", label(ACTIVITY, v.activity), " · ", v.target_label, " · ", v.team_name, " · ",
      repeatLabel(v.rrule), ` ${v.window_start}–${v.window_end} WIB`,
      v.span_days > 1 ? ` (${v.span_days} hari)` : "",
      v.units.length ? " · unit " + v.units.map((u) => label(UNIT, u)).join(", ") : "",
      el("span", { class: "chip" }, `versi ${p.current_version}, berlaku ${dateLabel(v.valid_from)}`),
      v.active ? "" : el("span", { class: "chip warn" }, "dihentikan")));
  }));
}

async function fillTargets(kind, selected) {
  const sel = $("p-target");
  $("p-target-label").textContent = { zona: "Zona", kelurahan: "Kelurahan", sk: "SK" }[kind];
  let opts = [];
  if (kind === "zona") {
    opts = Object.values(state.zones).map((z) => [z.feature.id, z.feature.properties.name])
      .sort((a, b) => String(a[1]).localeCompare(String(b[1]), "id"));
  } else if (kind === "kelurahan") {
    const k = (state.kecamatan || []).find((x) => x.slug === kecamatanSlug()) || state.kecamatan?.[0];
    opts = (k?.kelurahan || []).map((kel) => [kel.slug, kel.name]);
  } else {
    if (!jadwal.decrees) {
      const kec = kecamatanSlug();
      jadwal.decrees = await getJSON("/api/v1/decrees" + (kec ? "?kecamatan=" + encodeURIComponent(kec) : ""));
    }
    opts = jadwal.decrees.map((d) => [d.id, d.nomor]);
  }
  sel.replaceChildren(...opts.map(([v, t]) => el("option", { value: v }, t)));
  if (selected) sel.value = selected;
}

function syncPlanForm() {
  const preset = $("p-repeat").value;
  $("p-days").hidden = preset !== "mingguan";
  $("p-rrule-wrap").hidden = preset !== "lain";
  const team = (state.teams || []).find((t) => t.id === $("p-team").value);
  $("p-units").hidden = !($("p-activity").value === "penertiban" || team?.kind === "tiga_pilar");
}

async function editPlan(p) {
  const form = $("plan-form");
  jadwal.editing = p;
  form.reset();
  clearFieldErrors(form);
  $("p-msg").textContent = "";
  $("plan-saved").textContent = "";
  $("plan-form-title").textContent = p ? `Ubah rencana (versi baru ${p.current_version + 1})` : "Rencana baru";
  $("p-team").replaceChildren(...(state.teams || []).filter((t) => t.active !== false)
    .map((t) => el("option", { value: t.id }, t.name)));
  $("p-valid").value = todayWib();
  if (p) {
    const v = p.latest, [kind, ...ref] = v.target.split(":");
    $("p-name").value = p.name;
    $("p-target-kind").value = kind;
    await fillTargets(kind, ref.join(":"));
    $("p-activity").value = v.activity;
    $("p-team").value = v.team_id;
    $("p-start").value = v.window_start;
    $("p-end").value = v.window_end === "24:00" ? "00:00" : v.window_end;
    $("p-span").value = String(v.span_days);
    $("p-late").value = String(v.late_minutes);
    const pr = rulePreset(v.rrule);
    $("p-repeat").value = pr.preset;
    for (const c of $("p-days").querySelectorAll("input")) c.checked = (pr.days || []).includes(c.value);
    $("p-rrule").value = v.rrule;
    for (const c of $("p-units").querySelectorAll("input")) c.checked = v.units.includes(c.value);
    $("p-active").checked = v.active;
    $("p-note").value = v.note || "";
  } else {
    $("p-target-kind").value = "zona";
    await fillTargets("zona", state.selectedZone);
  }
  syncPlanForm();
  form.hidden = false;
  $("p-name").focus();
}

function planRule() {
  const preset = $("p-repeat").value;
  if (preset === "harian") return "FREQ=DAILY";
  if (preset === "triwulan") return TRIWULAN;
  if (preset === "mingguan") {
    const days = [...$("p-days").querySelectorAll("input:checked")].map((c) => c.value);
    return days.length ? "FREQ=WEEKLY;BYDAY=" + days.join(",") : null;
  }
  return $("p-rrule").value.trim().toUpperCase();
}

function setupPlanEditor() {
  const form = $("plan-form");
  linkErrors("p-", { name: "p-name", target: "p-target", activity: "p-activity", team_id: "p-team",
    window_start: "p-start", window_end: "p-end", span_days: "p-span", late_minutes: "p-late", rrule: "p-repeat",
    units: "p-units", valid_from: "p-valid", note: "p-note" });
  $("plan-new").addEventListener("click", () => editPlan(null).catch((e) => { $("p-msg").textContent = e.message; }));
  $("p-cancel").addEventListener("click", () => { form.hidden = true; jadwal.editing = null; });
  $("p-target-kind").addEventListener("change", () => fillTargets($("p-target-kind").value)
    .catch((e) => { $("p-msg").textContent = e.message; }));
  for (const id of ["p-repeat", "p-activity", "p-team"]) $(id).addEventListener("change", syncPlanForm);
  $("p-repeat").addEventListener("change", () => {
    // A triwulan task stays open through its quarter unless a shorter window is set.
    if ($("p-repeat").value === "triwulan" && $("p-span").value === "1") $("p-span").value = "90";
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    const msg = $("p-msg");
    const rrule = planRule();
    if (!rrule) { putFieldError("p-", "rrule", "Pilih sedikitnya satu hari."); msg.textContent = "Periksa isian yang ditandai."; return; }
    const units = $("p-units").hidden ? null : [...$("p-units").querySelectorAll("input:checked")].map((c) => c.value);
    const int = (id) => { const t = $(id).value.trim(); return /^-?\d+$/.test(t) ? Number(t) : t; };
    const body = { name: $("p-name").value.trim(), rrule, activity: $("p-activity").value, team_id: $("p-team").value,
      target: $("p-target-kind").value + ":" + $("p-target").value, window_start: $("p-start").value,
      window_end: $("p-end").value, span_days: int("p-span"), late_minutes: int("p-late"),
      units: units && units.length ? units : null, valid_from: $("p-valid").value || null,
      active: $("p-active").checked, note: $("p-note").value.trim() || null };
    const editing = jadwal.editing;
    try {
      const saved = await (await api(editing ? `/api/v1/plans/${editing.id}` : "/api/v1/plans",
        { method: editing ? "PUT" : "POST", json: body })).json();
      form.hidden = true; jadwal.editing = null;
      await loadJadwal();
      $("jadwal-msg").textContent = "";
      $("plan-saved").textContent = `Rencana "${saved.name}" disimpan (versi ${saved.current_version}).`;
    } catch (e) { showFieldErrors("p-", form, e, msg); }
  });
  $("week-prev").addEventListener("click", () => { jadwal.monday = addDays(jadwal.monday, -7); loadJadwal(); });
  $("week-next").addEventListener("click", () => { jadwal.monday = addDays(jadwal.monday, 7); loadJadwal(); });
  $("week-reload").addEventListener("click", () => loadJadwal());
}

// --- office tools: zone search and filters; the report table for a period ---------------------
function zoneMatches(f) {
  const q = $("z-search").value.trim().toLocaleLowerCase("id");
  const p = f.properties;
  return (!q || String(p.name).toLocaleLowerCase("id").includes(q)) &&
    (!$("z-kategori").value || p.kategori === $("z-kategori").value) &&
    (!$("z-status").value || p.status === $("z-status").value) &&
    (!$("z-kelurahan").value || p.kelurahan === $("z-kelurahan").value);
}
function applyZoneFilter() {
  // The same choice on the list and on the map.
  const all = Object.values(state.zones);
  let shown = 0;
  for (const z of all) {
    const ok = zoneMatches(z.feature);
    shown += ok ? 1 : 0;
    const li = $("zone-list").querySelector(`button[data-zone="${CSS.escape(String(z.feature.id))}"]`)?.parentElement;
    if (li) li.hidden = !ok;
    if (ok && !state.zoneLayer.hasLayer(z.layer)) state.zoneLayer.addLayer(z.layer);
    if (!ok && state.zoneLayer.hasLayer(z.layer)) state.zoneLayer.removeLayer(z.layer);
  }
  $("zone-count").textContent = shown === all.length ? `${all.length} zona` : `${shown} dari ${all.length} zona`;
}

function reportFilters() {
  // The period's filters: the same names for /reports (the list), /reports/summary and /reports.csv.
  const sum = new URLSearchParams();
  for (const [id, key] of [["r-from", "date_from"], ["r-to", "date_to"], ["r-type", "type"], ["r-team", "team"],
                           ["r-flag", "flag"], ["r-review", "review_state"]]) {
    if ($(id).value) sum.set(key, $(id).value);
  }
  const list = new URLSearchParams(sum);
  list.set("limit", "200");
  return { list, sum };
}
async function loadReportTable() {
  const { list, sum } = reportFilters();
  const tbody = $("r-table").querySelector("tbody"), totals = $("r-totals");
  $("r-csv").href = "/api/v1/reports.csv?" + sum;
  try {
    const page = await getJSON("/api/v1/reports?" + list);
    tbody.replaceChildren(...page.items.map((r) => el("tr", {},
      el("td", {}, el("button", { class: "link", onclick: () => showReport(r.id), "data-report": r.id }, dateLabel(r.period))),
      el("td", {}, lbl("report_type", r.type)), el("td", {}, r.zone || "-"), el("td", {}, r.team || "-"),
      el("td", {}, String(r.violation_total)), el("td", {}, lbl("review_state", r.review_state)),
      el("td", {}, Object.values(r.flags || {}).map((f) => f.message).filter(Boolean).join("; ") || "-"))));
  } catch (e) { tbody.replaceChildren(el("tr", {}, el("td", { colspan: "7", class: "error" }, e.message))); }
  try {
    const t = await getJSON("/api/v1/reports/summary?" + sum);
    const parts = (obj, vocab) => Object.entries(obj || {}).map(([k, n]) => `${lbl(vocab, k)} ${n}`).join(", ") || "-";
    totals.replaceChildren(el("dl", { class: "facts", id: "r-summary" },
      el("dt", {}, "Jumlah laporan"), el("dd", { id: "r-total" }, String(t.total)),
      el("dt", {}, "Menurut jenis"), el("dd", { id: "r-by-type" }, parts(t.by_type, "report_type")),
      el("dt", {}, "Menurut tinjauan"), el("dd", { id: "r-by-review" }, parts(t.by_review_state, "review_state")),
      el("dt", {}, "Bertanda"), el("dd", { id: "r-flagged" }, String(t.flagged))));
  } catch (e) { totals.replaceChildren(el("p", { class: "muted" }, "Jumlah belum tersedia.")); }
}
function setupOfficeTools() {
  for (const id of ["z-search", "z-kategori", "z-status", "z-kelurahan"]) {
    $(id).addEventListener(id === "z-search" ? "input" : "change", applyZoneFilter);
  }
  $("zone-filters").addEventListener("submit", (ev) => ev.preventDefault());
  $("r-filters").addEventListener("submit", (ev) => { ev.preventDefault(); loadReportTable(); });
  $("r-csv").addEventListener("click", async (ev) => {
    // The CSV is for signed-in staff: fetched with the token, then saved.
    ev.preventDefault();
    try {
      const blob = await (await api($("r-csv").getAttribute("href"))).blob();
      const a = el("a", { href: URL.createObjectURL(blob), download: "laporan.csv" });
      a.click();
      $("r-csv-msg").textContent = "";
    } catch (e) { $("r-csv-msg").textContent = e.message; }
  });
  $("tab-laporan").addEventListener("click", () => loadReportTable());
}

// --- phone: legend and filters folded away, opened on demand --------------------------------------
function setupPhone() {
  const phone = window.matchMedia("(max-width: 800px)");
  if (phone.matches) $("legend").open = false; // it would cover the map on a phone
  $("filters-toggle").addEventListener("click", () => {
    const open = $("filters").classList.toggle("open");
    $("filters-toggle").setAttribute("aria-expanded", String(open));
    if (map) map.invalidateSize();
  });
}

// --- tabs and start -------------------------------------------------------------------------
const TABS = ["zona", "indikator", "antrean", "pengaduan", "jadwal", "laporan"];
function selectTab(name) {
  for (const t of TABS) {
    $("tab-" + t).setAttribute("aria-selected", String(t === name));
    $("panel-" + t).hidden = t !== name;
  }
  // The week's grid needs room: the side panel widens while it is open.
  const wide = name === "jadwal" || name === "laporan";
  if (document.querySelector(".layout").classList.toggle("wide", wide) !== state.wide) {
    state.wide = wide;
    if (map) map.invalidateSize();
  }
}
for (const t of TABS) $("tab-" + t).addEventListener("click", () => selectTab(t));
$("tab-jadwal").addEventListener("click", () => loadJadwal().catch((e) => { $("jadwal-msg").textContent = e.message; }));

async function start(user) {
  state.me = user;
  $("login").hidden = true; $("app").hidden = false;

  map = L.map("map", { maxZoom: 19 }); // set here too: without tiles nothing else sets it
  // Panes: kelurahan under the zones; reports above the zone lines (they keep the hover).
  map.createPane("kelurahan").style.zIndex = "350";
  map.createPane("reports").style.zIndex = "450";
  baseMap(map);
  L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(map);
  map.setView([-6.19, 106.985], 14);
  map.on("zoomend", syncLabels);
  syncLabels();
  state.reports = L.markerClusterGroup({ disableClusteringAtZoom: 17, clusterPane: "reports" }).addTo(map);
  state.complaints = L.layerGroup().addTo(map);
  map.on("moveend", () => loadReports().catch(() => {}));
  map.on("click", onMapPick);
  const now = new Date();
  $("i-year").value = now.getFullYear();
  const months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"];
  months.forEach((n, i) => $("i-month").append(el("option", { value: i + 1 }, n)));
  for (const id of ["i-year", "i-month"]) $(id).addEventListener("change", () => { loadIndicator(); loadSnapshot(); });
  for (const id of ["f-from", "f-to", "f-type", "f-kelurahan", "f-team"]) $(id).addEventListener("change", loadReports);
  await loadLabels();
  $("who").textContent = `${user.full_name} (${lbl("role", user.role)})`;
  const kec = await getJSON("/api/v1/kecamatan");
  state.kecamatan = kec;
  for (const k of kec) for (const kel of k.kelurahan) {
    $("f-kelurahan").append(el("option", { value: kel.slug }, kel.name));
    $("z-kelurahan").append(el("option", { value: kel.slug }, kel.name));
  }
  state.teams = await getJSON("/api/v1/teams");
  for (const t of state.teams) {
    $("f-team").append(el("option", { value: t.id }, t.name));
    $("r-team").append(el("option", { value: t.id }, t.name));
  }
  await loadKelurahan();
  await loadZones();
  const complaintsVisible = ["trantib", "pimpinan", "admin", "kota"].includes(user.role);
  $("tab-pengaduan").hidden = !complaintsVisible;
  $("tab-jadwal").hidden = !canSeeCoverage();
  $("plan-editor").hidden = !canPlan();
  setupComplaintForm();
  setupPlanEditor();
  setupOfficeTools();
  setupPhone();
  $("print-indicator").addEventListener("click", () => printSheet("indikator"));
  await Promise.all([loadReports(), loadIndicator(), loadQueue(), loadSnapshot(), loadDue(),
                     complaintsVisible ? loadComplaints() : Promise.resolve()]);
  // Loaded: scripts waiting on the console (and people using assistive tech) can tell.
  document.body.dataset.ready = "true";
}

(async () => {
  const saved = sessionStorage.getItem("k3.refresh");
  if (!saved) return;
  state.refresh = saved;
  if (await refresh()) start(await getJSON("/api/v1/me")); else sessionStorage.removeItem("k3.refresh");
})();
