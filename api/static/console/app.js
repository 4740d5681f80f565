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
    el("h3", {}, "Pengaduan terbuka"),
    el("ul", { class: "list", id: "zone-complaints" }, ...(await zoneComplaints(id)).map((c) => el("li", {},
      el("button", { onclick: () => showComplaint(c.id) }, c.code, " · ", c.category_name, " · ", C_STATE[c.state] || c.state,
        el("span", { class: "chip sla-" + c.sla.phase }, c.sla.phase))))),
    el("h3", {}, "Laporan terbaru"),
    el("ul", { class: "list" }, ...recent.items.map((r) => el("li", {},
      el("button", { onclick: () => showReport(r.id) }, r.period, " · ", r.type, " · pelanggaran ", r.violation_total,
        ...flagChips(r.flags))))),
  );
  const layer = state.zones[id].layer;
  if (layer.getBounds) map.fitBounds(layer.getBounds(), { maxZoom: 17 }); else map.setView(layer.getLatLng(), 17);
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

// --- complaints (pengaduan) -------------------------------------------------------------------
const C_STATE = { baru: "Baru", diterima: "Diterima", ditolak: "Ditolak", ditugaskan: "Ditugaskan",
                  ditangani: "Ditangani", selesai: "Selesai" };
const SLA_COLOR = { aman: "#1e8e3e", peringatan: "#f29900", lewat: "#d93025", tanpa_sla: "#80868b" };
const OPEN_STATES = ["baru", "diterima", "ditugaskan", "ditangani"];
const canHandle = () => ["trantib", "admin"].includes(state.me.role);
const canReadComplaint = () => ["trantib", "pimpinan", "admin"].includes(state.me.role);
const when = (iso) => iso ? new Date(iso).toLocaleString("id-ID") : "-";

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
      m.on("click", () => showComplaint(c.id));
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
      ...reports.items.map((r) => el("option", { value: r.id }, r.period + " · " + r.type)));
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
      c.reject_reason ? " (" + c.reject_reason + ")" : ""),
    el("p", { id: "complaint-sla" }, "SLA: ", el("span", { class: "chip sla-" + sla.phase }, sla.phase),
      " · sejak ", when(sla.state_since), " · batas ", when(sla.due_at),
      sla.remaining_hours !== null ? ` · sisa ${sla.remaining_hours} jam kerja` : "",
      sla.within_sla ? "" : " · pernah lewat SLA"),
    el("p", { id: "complaint-description" }, c.description),
    c.address ? el("p", { class: "muted" }, "Patokan: ", c.address) : el("span"),
    el("p", { class: "reporter" }, "Pelapor (rahasia): ", [c.reporter.name, c.reporter.phone, c.reporter.email].filter(Boolean).join(" · ") || "tanpa kontak"),
    c.public_note ? el("p", {}, "Catatan publik: ", c.public_note) : el("span"),
    el("div", { class: "thumbs" }, ...c.photos.filter((p) => p.thumb_url).map((p) =>
      el("a", { href: p.web_url, target: "_blank", rel: "noopener" }, el("img", { src: p.thumb_url, alt: "Foto pelapor" })))),
    canHandle() ? await complaintActions(c) : el("span"),
    el("h3", {}, "Riwayat"),
    el("table", { class: "hist", id: "complaint-history" }, ...c.transitions.map((t) => el("tr", {},
      el("td", {}, when(t.at)), el("td", {}, C_STATE[t.to_state] || t.to_state), el("td", {}, t.reason), el("td", {}, t.actor)))),
  );
  if (c.lat !== null && c.lon !== null) map.setView([c.lat, c.lon], 17);
}

$("c-state").addEventListener("change", () => loadComplaints().catch((e) => alert(e.message)));
$("complaint-more").addEventListener("click", () => loadComplaints(state.complaintNext));

// --- tabs and start -------------------------------------------------------------------------
const TABS = ["zona", "indikator", "antrean", "pengaduan"];
function selectTab(name) {
  for (const t of TABS) {
    $("tab-" + t).setAttribute("aria-selected", String(t === name));
    $("panel-" + t).hidden = t !== name;
  }
}
for (const t of TABS) $("tab-" + t).addEventListener("click", () => selectTab(t));

async function start(user) {
  state.me = user;
  $("login").hidden = true; $("app").hidden = false;
  $("who").textContent = `${user.full_name} (${user.role})`;
  map = L.map("map", { maxZoom: 19 }); // set here too: without tiles nothing else sets it
  if (cfg.tileUrl) L.tileLayer(cfg.tileUrl, { maxZoom: 19, attribution: attributionText(cfg.tileAttribution) }).addTo(map);
  map.setView([-6.19, 106.985], 14);
  state.reports = L.markerClusterGroup({ disableClusteringAtZoom: 17 }).addTo(map);
  state.complaints = L.layerGroup().addTo(map);
  map.on("moveend", () => loadReports().catch(() => {}));
  const now = new Date();
  $("i-year").value = now.getFullYear();
  const months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"];
  months.forEach((n, i) => $("i-month").append(el("option", { value: i + 1 }, n)));
  for (const id of ["i-year", "i-month"]) $(id).addEventListener("change", loadIndicator);
  for (const id of ["f-from", "f-to", "f-type", "f-kelurahan", "f-team"]) $(id).addEventListener("change", loadReports);
  const kec = await getJSON("/api/v1/kecamatan");
  for (const k of kec) for (const kel of k.kelurahan) $("f-kelurahan").append(el("option", { value: kel.slug }, kel.name));
  state.teams = await getJSON("/api/v1/teams");
  for (const t of state.teams) $("f-team").append(el("option", { value: t.id }, t.name));
  await loadZones();
  const complaintsVisible = ["trantib", "pimpinan", "admin", "kota"].includes(user.role);
  $("tab-pengaduan").hidden = !complaintsVisible;
  await Promise.all([loadReports(), loadIndicator(), loadQueue(),
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
