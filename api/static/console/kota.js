// Tab "Kota": the city view for kota-level users (GET /api/v1/kota/ringkasan) and the
// city recap (POST /api/v1/kota/rekap, built by a worker, then downloaded). Loaded after app.js and uses its helpers
// ($, el, api, getJSON, state, selectTab, TABS, wibDateTime, fmt). Every string from the
// API is DOM text; bars and trend lines are SVG built element by element (no innerHTML,
// no style attributes: the CSP allows neither).
"use strict";

(() => {
  const KOTA_ROLES = ["kota", "admin_kota"];
  const SVG = "http://www.w3.org/2000/svg";
  const ROMAN = ["I", "II", "III", "IV"];
  const MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
                  "September", "Oktober", "November", "Desember"];
  const svg = (tag, attrs = {}, ...kids) => {
    const n = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
    for (const k of kids) n.append(k instanceof Node ? k : document.createTextNode(String(k)));
    return n;
  };
  const pct = (x) => x === null || x === undefined ? "-" : fmt(x) + " %";
  const int = (x) => x === null || x === undefined ? "-" : Number(x).toLocaleString("id-ID");

  // The tab and its panel are made here: console.html only loads this file.
  function build() {
    const tab = el("button", { role: "tab", id: "tab-kota", "aria-controls": "panel-kota",
                               "aria-selected": "false", hidden: "" }, "Kota");
    document.querySelector("nav.tabs").append(tab);
    const period = el("select", { id: "k-period" }, el("option", { value: "" }, "Setahun"),
      ...ROMAN.map((r, i) => el("option", { value: "q" + (i + 1) }, "Triwulan " + r)),
      ...MONTHS.map((m, i) => el("option", { value: "m" + (i + 1) }, m)));
    const panel = el("section", { id: "panel-kota", role: "tabpanel", "aria-labelledby": "tab-kota", hidden: "" },
      el("h2", { class: "kota-title" }, "Capaian kecamatan se-kota"),
      el("form", { id: "k-form", class: "row", "aria-label": "Periode tampilan kota" },
        el("label", {}, "Tahun ", el("input", { id: "k-year", type: "number", min: "2000", max: "2100", required: "" })),
        el("label", {}, "Periode ", period),
        el("label", {}, "Sumber ", el("select", { id: "k-source" },
          el("option", { value: "langsung" }, "Dihitung sekarang"),
          el("option", { value: "snapshot" }, "Snapshot (yang disetujui)"))),
        el("button", { type: "submit", class: "primary" }, "Tampilkan")),
      el("p", { id: "k-msg", class: "error", role: "alert" }),
      el("p", { id: "k-totals", class: "muted", role: "status" }),
      el("div", { class: "kota-scroll", tabindex: "0", role: "region", "aria-label": "Tabel kecamatan" },
        el("table", { id: "k-table", class: "hist kota-table" },
          el("caption", { class: "sr-only" }, "Kecamatan menurut peringkat capaian (realisasi terhadap target)"),
          el("thead", {}, el("tr", {}, ...["Peringkat", "Kecamatan", "Zona tertib", "Realisasi vs target",
            "Masih dibutuhkan", "Pengaduan", "Cakupan patroli", "Tren"].map((h) => el("th", { scope: "col" }, h)))),
          el("tbody", {}))),
      el("p", { id: "k-computed", class: "muted" }),
      el("form", { id: "k-rekap", class: "row", "aria-label": "Unduh rekap kota" },
        el("label", {}, "Format ", el("select", { id: "k-format" },
          el("option", { value: "xlsx" }, "XLSX (Excel)"), el("option", { value: "docx" }, "DOCX (Word)"),
          el("option", { value: "csv" }, "CSV"))),
        el("button", { type: "submit" }, "Unduh rekap kota"),
        el("span", { id: "k-download" })));
    document.querySelector("aside.side").append(panel);
    TABS.push("kota");
    tab.addEventListener("click", () => {
      selectTab("kota");
      // The table needs room: widen the side panel as the week grid does.
      if (!document.querySelector(".layout").classList.contains("wide")) {
        document.querySelector(".layout").classList.add("wide");
        state.wide = true;
        if (typeof map !== "undefined" && map) map.invalidateSize();
      }
      if (!state.kotaLoaded) load();
    });
    $("k-form").addEventListener("submit", (ev) => { ev.preventDefault(); load(); });
    $("k-rekap").addEventListener("submit", (ev) => { ev.preventDefault(); download(); });
    $("k-year").value = new Date().getFullYear();
  }

  function query() {
    const q = new URLSearchParams({ year: $("k-year").value, source: $("k-source").value });
    const p = $("k-period").value;
    if (p.startsWith("q")) q.set("quarter", p.slice(1));
    if (p.startsWith("m")) q.set("month", p.slice(1));
    return q;
  }

  // A bar of realisasi (filled) against the target (a tick), 0-100 %.
  function bar(item) {
    const w = 120, real = Math.max(0, Math.min(100, Number(item.realisasi_pct ?? 0)));
    const title = `Realisasi ${pct(item.realisasi_pct)}, target ${pct(item.target_pct)}`;
    const g = svg("svg", { width: w, height: 14, viewBox: `0 0 ${w} 14`, role: "img", "aria-label": title,
                           class: "kota-bar" },
      svg("title", {}, title),
      svg("rect", { x: 0, y: 2, width: w, height: 10, class: "kota-bar-bg" }),
      svg("rect", { x: 0, y: 2, width: (w * real) / 100, height: 10,
                    class: item.zones_still_needed === 0 ? "kota-bar-ok" : "kota-bar-real" }));
    if (item.target_pct !== null && item.target_pct !== undefined) {
      const x = (w * Math.max(0, Math.min(100, Number(item.target_pct)))) / 100;
      g.append(svg("line", { x1: x, x2: x, y1: 0, y2: 14, class: "kota-bar-target" }));
    }
    return el("div", { class: "kota-cell" }, g,
      el("span", {}, `${pct(item.realisasi_pct)} / ${pct(item.target_pct)}`));
  }

  // The year's realisasi per triwulan as a small line; points not yet reached are left out.
  function trend(item) {
    const pts = item.trend.map((t, i) => [i, t.realisasi_pct]).filter(([, v]) => v !== null && v !== undefined);
    const w = 90, h = 28, n = Math.max(item.trend.length - 1, 1);
    const xy = ([i, v]) => [(i * (w - 6)) / n + 3, h - 3 - ((h - 6) * Math.min(100, Number(v))) / 100];
    const desc = item.trend.map((t) => `${t.period_label}: ${pct(t.realisasi_pct)}`).join("; ");
    const g = svg("svg", { width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": "Tren " + desc,
                           class: "kota-trend" }, svg("title", {}, desc));
    if (pts.length > 1) g.append(svg("polyline", { points: pts.map((p) => xy(p).join(",")).join(" "), class: "kota-trend-line" }));
    for (const p of pts) { const [x, y] = xy(p); g.append(svg("circle", { cx: x, cy: y, r: 2.5, class: "kota-trend-dot" })); }
    return g;
  }

  function row(item) {
    const c = item.complaints, v = item.coverage;
    const name = el("td", {}, item.kecamatan_name);
    if (item.is_sample) name.append(el("span", { class: "chip" }, "contoh"));
    if (item.status !== "ada") {
      return el("tr", { "data-kecamatan": item.kecamatan }, el("td", {}, "-"), name,
        el("td", { colspan: "6", class: "muted" }, item.note || "Belum ada SK penetapan zona."));
    }
    const approved = item.source === "snapshot" ? (item.approved ? "disetujui" : "belum disetujui") : null;
    if (approved) name.append(el("span", { class: "chip" }, "snapshot " + approved));
    return el("tr", { "data-kecamatan": item.kecamatan },
      el("td", { class: "kota-rank" }, String(item.rank)),
      name,
      el("td", {}, `${int(item.zones_tertib)} dari ${int(item.zones_designated)}`),
      el("td", {}, bar(item)),
      el("td", {}, item.zones_still_needed === null ? "-" :
        item.zones_still_needed === 0 ? "Target tercapai" : `${int(item.zones_still_needed)} zona`),
      el("td", {}, `${int(c.received)} diterima, ${int(c.open)} terbuka`,
        el("br"), `SLA ${pct(c.pct_within_sla)}`),
      el("td", {}, v.planned ? pct(v.realisasi_pct) : "Tanpa jadwal",
        el("br"), `${int(v.zones_without_patrol)} zona tanpa patroli`),
      el("td", {}, trend(item)));
  }

  let asked = 0; // the latest request wins: an older answer arriving late is dropped
  async function load() {
    $("k-msg").textContent = "";
    state.kotaLoaded = true;
    const mine = ++asked;
    try {
      const v = await getJSON("/api/v1/kota/ringkasan?" + query());
      if (mine !== asked) return;
      const tbody = $("k-table").querySelector("tbody");
      tbody.replaceChildren(...v.items.map(row));
      const t = v.totals;
      $("k-totals").textContent = `${v.period_label}: ${int(t.kecamatan)} kecamatan, ` +
        `${int(t.zones_tertib)} dari ${int(t.zones_designated)} zona tertib (${pct(t.realisasi_pct)}); ` +
        `${int(t.target_met)} dari ${int(t.kecamatan_with_decree)} kecamatan mencapai target; ` +
        `${int(t.zones_still_needed)} zona masih dibutuhkan.`;
      $("k-computed").textContent = "Dihitung " + wibDateTime(v.computed_at) + ".";
    } catch (e) {
      if (mine === asked) $("k-msg").textContent = e.message;
    }
  }

  // The recap is built by a worker like an LKIP export: POST, follow the job, then fetch.
  async function download() {
    $("k-msg").textContent = "";
    const q = query();
    const body = { year: Number(q.get("year")), source: q.get("source"), format: $("k-format").value };
    if (q.has("quarter")) body.quarter = Number(q.get("quarter"));
    if (q.has("month")) body.month = Number(q.get("month"));
    const out = $("k-download");
    out.textContent = "Rekap menunggu...";
    try {
      const job = await (await api("/api/v1/kota/rekap", { method: "POST", json: body })).json();
      for (;;) {
        await new Promise((r) => setTimeout(r, 500));
        const s = await getJSON(job.status_url);
        out.textContent = "Rekap " + s.status + "...";
        if (s.status === "gagal") { out.textContent = s.error || "Rekap gagal dibuat."; return; }
        if (s.status === "selesai") {
          const blob = await (await api(s.download_url)).blob();
          const a = el("a", { href: URL.createObjectURL(blob), download: s.filename, id: "k-download-link" }, "Unduh " + s.filename);
          out.replaceChildren("Rekap selesai. ", a);
          a.click();
          return;
        }
      }
    } catch (e) {
      out.textContent = "";
      $("k-msg").textContent = e.message;
    }
  }

  build();
  // Shown to kota-level users once the console has started (app.js marks body data-ready).
  const show = () => {
    if (!state.me || !KOTA_ROLES.includes(state.me.role)) return;
    $("tab-kota").hidden = false;
  };
  new MutationObserver(show).observe(document.body, { attributes: true, attributeFilter: ["data-ready"] });
  show();
})();
