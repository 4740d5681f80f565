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
const textNode = (s) => { const n = document.createElement("span"); n.textContent = String(s ?? ""); return n; };
// Leaflet's attribution control takes HTML: keep only the text of the configured one
// (parsed inert by DOMParser: no script runs, nothing loads) and escape it again.
const attributionText = (html) => new DOMParser().parseFromString(String(html || ""), "text/html").body.textContent
  .replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
const fmt = (x) => x === null || x === undefined ? "-" :
  Number(x).toLocaleString("id-ID", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const STATUS = { belum_tertib: "Belum tertib", dalam_penertiban: "Dalam penertiban",
                 layak_tertib: "Layak tertib", tertib: "Tertib" };

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
    let detail = r.statusText;
    try { detail = (await r.json()).detail || detail; } catch (e) { /* not JSON */ }
    throw new Error(detail);
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
      layer.bindTooltip(textNode(f.properties.name));
      layer.on("click", () => showZone(f.id));
    },
  }).addTo(map);
  if (!state.fitted && fc.features.length) { map.fitBounds(state.zoneLayer.getBounds(), { padding: [20, 20] }); state.fitted = true; }
  const list = $("zone-list");
  list.replaceChildren(...fc.features.map((f) => el("li", {},
    el("button", { onclick: () => showZone(f.id), "data-zone": f.id },
      f.properties.name, el("span", { class: "chip" }, f.properties.kategori),
      el("span", { class: "chip" + (f.properties.status === "tertib" ? " status-tertib" : "") }, STATUS[f.properties.status])))));
  if (fc.features.some((f) => f.properties.is_sample)) $("sample-banner").hidden = false;
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
    const m = L.circleMarker([lat, lon], { radius: 7, color: flagged ? "#e65100" : "#0b57d0", weight: 2, fillOpacity: 0.7 });
    m.on("click", () => showReport(f.id));
    m.bindTooltip(textNode((f.properties.type === "penertiban" ? "Penertiban " : "Patroli ") + f.properties.period));
    state.reports.addLayer(m);
  }
  state.reportCount = fc.features.length;
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
    el("h2", {}, z.properties.name),
    el("p", {}, "Kategori: zona ", z.properties.kategori, " · Kelurahan: ", z.properties.kelurahan_name || "-"),
    z.properties.decree_nomor ? el("p", { id: "zone-decree" }, "SK: ", z.properties.decree_nomor) : el("span"),
    z.properties.notes ? el("p", { class: "muted", id: "zone-notes" }, z.properties.notes) : el("span"),
    el("p", {}, "Status: ", el("strong", { id: "zone-status", class: st.status === "tertib" ? "status-tertib" : "" },
      STATUS[st.status] + (st.kategori ? " (" + st.kategori + ")" : ""))),
    el("p", { class: "muted" }, (st.evidence.alasan || []).join(" ")),
    evidenceLinks(st.evidence),
    canVerify ? verifyForm(id, st) : el("span"),
    el("h3", {}, "Riwayat"),
    el("table", { class: "hist" }, ...st.history.slice(0, 10).map((h) => el("tr", {},
      el("td", {}, new Date(h.at).toLocaleString("id-ID")), el("td", {}, STATUS[h.to] || h.to),
      el("td", {}, h.reason), el("td", {}, h.actor)))),
    el("h3", {}, "Laporan terbaru"),
    el("ul", { class: "list" }, ...recent.items.map((r) => el("li", {},
      el("button", { onclick: () => showReport(r.id) }, r.period, " · ", r.type, " · pelanggaran ", r.violation_total,
        ...flagChips(r.flags))))),
  );
  const layer = state.zones[id].layer;
  if (layer.getBounds) map.fitBounds(layer.getBounds(), { maxZoom: 17 }); else map.setView(layer.getLatLng(), 17);
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
      await loadZones(); await showZone(id); await loadIndicator();
    } catch (e) { msg.textContent = e.message; }
  } }, "Verifikasi tertib");
  const withdraw = el("button", { id: "withdraw", onclick: async () => {
    const why = prompt("Alasan mencabut verifikasi:");
    if (!why) return;
    try { await api(`/api/v1/zones/${id}/withdraw`, { method: "POST", json: { note: why } });
          await loadZones(); await showZone(id); await loadIndicator(); }
    catch (e) { msg.textContent = e.message; }
  } }, "Cabut verifikasi");
  return el("div", { class: "row" }, kategori, note, verify, st.verified_at ? withdraw : el("span"), msg);
}

function flagChips(flags) {
  return Object.entries(flags || {}).map(([k, v]) => el("span", { class: "chip flag", title: v.message || k }, v.message || k));
}

// --- report detail and review -------------------------------------------------------------
async function photoImg(p) {
  const blob = await (await api(p.urls.thumb)).blob(); // photos are access-checked: fetched with the token
  const camera = [p.exif?.make, p.exif?.model].filter(Boolean).join(" ");
  return el("figure", {}, el("img", { src: URL.createObjectURL(blob), alt: "Foto laporan" }),
    el("figcaption", { class: "photo-camera" }, camera || "Kamera tidak diketahui"));
}

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
    el("h2", {}, "Laporan ", r.type, " ", r.period),
    el("p", {}, "Zona: ", r.zone || "-", " · Petugas: ", r.officer || "-", " · Tim: ", r.team || "-",
      " · Tinjauan: ", el("strong", { id: "review-state" }, r.review_state)),
    el("p", {}, "Temuan: ", r.findings.map((f) => `${f.kind} ${f.count}`).join(", ") || "tidak ada",
      r.actions.length ? " · Tindakan: " + r.actions.map((a) => `${a.kind} ${a.count}`).join(", ") : ""),
    el("ul", { class: "notes", id: "report-notes" },
      ...(r.notes ? [el("li", {}, "Catatan petugas: ", r.notes)] : []),
      ...[...r.findings, ...r.actions].filter((i) => i.notes).map((i) => el("li", {}, i.kind, ": ", i.notes)),
      ...(r.review_note ? [el("li", {}, "Catatan tinjauan: ", r.review_note)] : [])),
    el("div", { id: "report-flags" }, ...flagChips(r.flags)),
    imgs,
    canReview ? el("div", { class: "row" },
      el("button", { class: "primary", id: "accept", onclick: () => review("diterima") }, "Terima"),
      el("button", { id: "needs-fix", onclick: () => review("perlu_perbaikan") }, "Perlu perbaikan"),
      el("button", { id: "reject", onclick: () => review("ditolak") }, "Tolak")) : el("span"),
  );
  for (const p of r.photos) if (p.urls.thumb) imgs.append(await photoImg(p));
}

async function loadQueue() {
  const q = await getJSON("/api/v1/reports?review_state=menunggu&order=terlama&limit=100");
  $("queue").replaceChildren(...q.items.map((r) => el("li", {},
    el("button", { onclick: () => showReport(r.id), "data-report": r.id },
      r.period, " · ", r.type, " · ", r.zone || "tanpa zona", ...flagChips(r.flags)))));
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

// --- tabs and start -------------------------------------------------------------------------
function selectTab(name) {
  for (const t of ["zona", "indikator", "antrean"]) {
    $("tab-" + t).setAttribute("aria-selected", String(t === name));
    $("panel-" + t).hidden = t !== name;
  }
}
for (const t of ["zona", "indikator", "antrean"]) $("tab-" + t).addEventListener("click", () => selectTab(t));

async function start(user) {
  state.me = user;
  $("login").hidden = true; $("app").hidden = false;
  $("who").textContent = `${user.full_name} (${user.role})`;
  map = L.map("map", { maxZoom: 19 }); // set here too: without tiles nothing else sets it
  if (cfg.tileUrl) L.tileLayer(cfg.tileUrl, { maxZoom: 19, attribution: attributionText(cfg.tileAttribution) }).addTo(map);
  map.setView([-6.19, 106.985], 14);
  state.reports = L.markerClusterGroup({ disableClusteringAtZoom: 17 }).addTo(map);
  map.on("moveend", () => loadReports().catch(() => {}));
  const now = new Date();
  $("i-year").value = now.getFullYear();
  const months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"];
  months.forEach((n, i) => $("i-month").append(el("option", { value: i + 1 }, n)));
  for (const id of ["i-year", "i-month"]) $(id).addEventListener("change", loadIndicator);
  for (const id of ["f-from", "f-to", "f-type", "f-kelurahan", "f-team"]) $(id).addEventListener("change", loadReports);
  const kec = await getJSON("/api/v1/kecamatan");
  for (const k of kec) for (const kel of k.kelurahan) $("f-kelurahan").append(el("option", { value: kel.slug }, kel.name));
  for (const t of await getJSON("/api/v1/teams")) $("f-team").append(el("option", { value: t.id }, t.name));
  await loadZones();
  await Promise.all([loadReports(), loadIndicator(), loadQueue()]);
  // Loaded: scripts waiting on the console (and people using assistive tech) can tell.
  document.body.dataset.ready = "true";
}

(async () => {
  const saved = sessionStorage.getItem("k3.refresh");
  if (!saved) return;
  state.refresh = saved;
  if (await refresh()) start(await getJSON("/api/v1/me")); else sessionStorage.removeItem("k3.refresh");
})();
