"""The LKIP chapter-3 tables of the Wilayah Tertib indicator, as XLSX, DOCX and CSV.

Pure: figures in, file bytes out. Bahasa Indonesia, Indonesian numbers (1.046.227,50).
Tabel 3.18 zones designated and made orderly; 3.19 target, realisasi, capaian; 3.20 this
year beside last year; 3.21 against the Renstra end target. After them, when there is
something to show: realisasi kegiatan (jadwal patroli) per triwulan, and the complaints
received (pengaduan masyarakat) by category and by kelurahan.

Safe to open in a spreadsheet (OWASP CSV injection): text that starts with `=`, `+`, `-`,
`@`, tab or CR (zone names, notes...) is written as text, never as a formula: an XLSX
string cell (with Excel's quote prefix), a CSV cell behind a leading apostrophe. Figures
are `Num` cells: numbers in the XLSX (shown in the reader's locale), Indonesian text in
the CSV and DOCX, so a negative figure is a number and never escaped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from k3zones.labels import label
from k3zones.periods import WIB

INDIKATOR = "Persentase Peningkatan Wilayah yang Tertib"


def id_number(value: Decimal | int | None, places: int = 2) -> str:
    """Indonesian style: thousands with '.', decimals with ','. None is '-'."""
    if value is None:
        return "-"
    q = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _, frac = f"{abs(q):f}".partition(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = ".".join(groups) + ("," + frac if places else "")
    return ("-" if q < 0 else "") + text


# First characters that make a spreadsheet read a cell as a formula (OWASP), with the
# full-width forms some spreadsheet programs also accept.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# Characters XML 1.0 (XLSX, DOCX) cannot hold: dropped instead of failing the whole file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class Num:
    """A figure: stays a number in the XLSX, Indonesian text (`id_number`) elsewhere."""

    value: Decimal | int | None
    places: int = 2
    suffix: str = ""

    def text(self) -> str:
        return id_number(self.value, self.places) + (self.suffix if self.value is not None else "")

    def excel_format(self) -> str:
        """Excel number format; Excel shows the separators of the reader's locale."""
        digits = "#,##0" + ("." + "0" * self.places if self.places else "")
        return digits + (f'" {self.suffix.strip()}"' if self.suffix.strip() else "")


Cell = str | Num
Table = tuple[str, list[str], list[list[Cell]]]


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet take this text for a formula? The lone placeholder "-" would
    not (it is no expression), so it is left as it is."""
    return text.startswith(FORMULA_START) and text != "-"


def csv_text(text: str) -> str:
    """Text for a CSV cell: a leading apostrophe before formula-like text (OWASP)."""
    return "'" + text if is_formula_like(text) else text


def xml_text(text: str) -> str:
    """Text an XML document (XLSX, DOCX) can hold: control characters dropped."""
    return _NOT_XML.sub("", text)


def cell_text(c: Cell) -> str:
    return c.text() if isinstance(c, Num) else c


@dataclass
class YearFigures:
    year: int
    target_pct: Decimal | None
    realisasi_pct: Decimal | None
    capaian_pct: Decimal | None


@dataclass
class ExportData:
    kecamatan: str
    period_label: str
    year: int
    zones: list[dict[str, Any]]  # name, kategori_zona, status, kategori
    zones_designated: int
    zones_tertib: int
    current: YearFigures
    previous: YearFigures | None
    end_target_year: int | None
    end_target_pct: Decimal | None
    footer: str
    notes: list[str] = field(default_factory=list)
    # Realisasi kegiatan (jadwal patroli): per triwulan and activity, planned vs held and
    # the 3-pilar units present; the table is left out when the kecamatan has no plans.
    activities: list[dict[str, Any]] = field(default_factory=list)
    # Pengaduan masyarakat: the answer of services.complaints.complaint_figures for the
    # period (overall, by_category, by_kelurahan); the tables are left out when nothing
    # was received (a note says so instead).
    complaints: dict[str, Any] | None = None


def _pct_of(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if a is None or not b:
        return None
    return (a * 100 / b).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def tables(d: ExportData) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) for each table, all text in Indonesian format (CSV, DOCX)."""
    return [(t, h, [[cell_text(c) for c in row] for row in rows]) for t, h, rows in cells(d)]


def cells(d: ExportData) -> list[Table]:
    """(title, header, rows) for each table; figures as `Num` (numbers in the XLSX)."""
    t318: list[list[Cell]] = []
    for i, z in enumerate(d.zones, 1):
        tertib = z["status"] == "tertib"
        t318.append(
            [
                Num(i, 0),
                str(z["name"]),
                f"Zona {label('kategori_zona', z['kategori_zona'])}",
                "√" if tertib else "-",
                label("tertib_kategori", z.get("kategori")) if tertib else "-",
            ]
        )
    t318.append(["", "Jumlah Total Titik", "", f"{d.zones_tertib} dari {d.zones_designated}", ""])
    t318.append(["", "Persentase", "", Num(d.current.realisasi_pct, 2, " %"), ""])
    c = d.current
    t319: list[list[Cell]] = [
        [
            INDIKATOR,
            "Persen",
            Num(c.target_pct),
            Num(c.realisasi_pct),
            Num(c.capaian_pct),
        ]
    ]
    p = d.previous
    t320: list[list[Cell]] = [
        [
            INDIKATOR,
            "Persen",
            Num(p.target_pct if p else None),
            Num(p.realisasi_pct if p else None),
            Num(p.capaian_pct if p else None),
            Num(c.target_pct),
            Num(c.realisasi_pct),
            Num(c.capaian_pct),
        ]
    ]
    t321: list[list[Cell]] = [
        [
            INDIKATOR,
            "Persen",
            Num(d.end_target_pct),
            Num(c.realisasi_pct),
            Num(_pct_of(c.realisasi_pct, d.end_target_pct)),
        ]
    ]
    prev_year = p.year if p else d.year - 1
    end = d.end_target_year or "-"
    out: list[Table] = [
        (
            f"Tabel 3.18 Daftar Lokasi Kegiatan K3 yang Ditetapkan dan yang Telah Tertib "
            f"({d.period_label})",
            ["No", "Zona", "Kategori Zona", f"Target Titik {d.year}", "Kategori"],
            t318,
        ),
        (
            f"Tabel 3.19 Analisis Capaian Indikator Kinerja ({d.period_label})",
            ["Indikator", "Satuan", "Target", "Realisasi", "Capaian Kinerja (%)"],
            t319,
        ),
        (
            f"Tabel 3.20 Perbandingan Capaian Tahun {d.year} dengan Tahun {prev_year}",
            [
                "Indikator",
                "Satuan",
                f"Target {prev_year}",
                f"Realisasi {prev_year}",
                f"Capaian {prev_year} (%)",
                f"Target {d.year}",
                f"Realisasi {d.year}",
                f"Capaian {d.year} (%)",
            ],
            t320,
        ),
        (
            f"Tabel 3.21 Realisasi {d.year} terhadap Target Akhir Renstra ({end})",
            [
                "Indikator",
                "Satuan",
                f"Target Akhir Renstra {end}",
                f"Realisasi {d.year}",
                "Capaian terhadap Target Akhir (%)",
            ],
            t321,
        ),
    ]
    if d.activities:
        out.append(_realisasi_kegiatan(d))
    if d.complaints and d.complaints.get("received"):
        out.extend(_pengaduan(d))
    return out


PENGADUAN_HEADER = [
    "Diterima",
    "Duplikat",
    "Ditolak",
    "Selesai",
    "Selesai dalam SLA",
    "Selesai dalam SLA (%)",
    "Median Hari hingga Selesai",
    "Masih Diproses",
]


def _figure_cells(g: dict[str, Any]) -> list[Cell]:
    def num(key: str) -> Num:
        return Num(int(g.get(key) or 0), 0)

    def dec(key: str) -> Num:
        v = g.get(key)
        return Num(None if v is None else Decimal(str(v)), 2)

    return [
        num("received"),
        num("duplicates"),
        num("rejected"),
        num("closed"),
        num("closed_within_sla"),
        dec("pct_within_sla"),
        dec("median_days_to_close"),
        num("open"),
    ]


def no_complaints_note(d: ExportData) -> str | None:
    """The line the export carries instead of the complaint tables when none came in."""
    if d.complaints is not None and not d.complaints.get("received"):
        return f"Tidak ada pengaduan masyarakat yang diterima pada {d.period_label}."
    return None


def _pengaduan(d: ExportData) -> list[Table]:
    """Complaints received in the period (the complaints desk): by category and by
    kelurahan, each with a total row; % and median days are of the closed (selesai) ones."""
    f = d.complaints or {}
    by_cat: list[list[Cell]] = [
        [str(g.get("name") or g.get("category") or "-"), *_figure_cells(g)]
        for g in f.get("by_category", [])
    ]
    by_kel: list[list[Cell]] = [
        [str(g.get("kelurahan") or "-"), *_figure_cells(g)] for g in f.get("by_kelurahan", [])
    ]
    total: list[Cell] = ["Jumlah", *_figure_cells(f)]
    return [
        (
            f"Pengaduan Masyarakat per Kategori ({d.period_label})",
            ["Kategori", *PENGADUAN_HEADER],
            [*by_cat, total],
        ),
        (
            f"Pengaduan Masyarakat per Kelurahan ({d.period_label})",
            ["Kelurahan", *PENGADUAN_HEADER],
            [*by_kel, list(total)],
        ),
    ]


def _realisasi_kegiatan(d: ExportData) -> Table:
    """Patrols and penertiban planned and held per triwulan (jadwal patroli), with the
    share of expected 3-pilar units that were there."""
    rows: list[list[Cell]] = []
    for a in d.activities:
        due = int(a["planned"]) - int(a.get("open", 0))
        held = int(a["on_time"]) + int(a["late"])
        rows.append(
            [
                str(a["triwulan"]),
                label("activity", str(a["activity"])),
                Num(int(a["planned"]), 0),
                Num(held, 0),
                Num(int(a["on_time"]), 0),
                Num(int(a["late"]), 0),
                Num(int(a["missed"]), 0),
                Num(_pct_of(Decimal(held), Decimal(due)) if due else None),
                Num(
                    _pct_of(Decimal(int(a["units_present"])), Decimal(int(a["units_expected"])))
                    if a["units_expected"]
                    else None
                ),
            ]
        )
    return (
        f"Realisasi Kegiatan Patroli dan Penertiban per Triwulan ({d.year})",
        [
            "Triwulan",
            "Kegiatan",
            "Direncanakan",
            "Terlaksana",
            "Tepat Waktu",
            "Terlambat",
            "Terlewat",
            "Realisasi (%)",
            "Kehadiran Unit 3 Pilar (%)",
        ],
        rows,
    )


def _render_csv(
    heading: Sequence[Cell], tables_: list[Table], footer: str, notes: list[str]
) -> bytes:
    """A heading row, each table (title, header, rows) after a blank row, then the footer
    and the notes: semicolon CSV, UTF-8 with BOM, formula-safe text."""
    out = io.StringIO()
    # Semicolons: the decimal comma of Indonesian numbers would split a comma-CSV.
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")

    def row(values: Sequence[Cell]) -> None:
        # Figures are our own Indonesian text ("-1.234,57" is a number): never escaped.
        w.writerow([c.text() if isinstance(c, Num) else csv_text(c) for c in values])

    row(heading)
    for title, header, rows in tables_:
        row([])
        row([title])
        row(header)
        for r in rows:
            row(r)
    row([])
    row([footer])
    for n in notes:
        row([n])
    # BOM so spreadsheet programs read the text as UTF-8 (√, accented names).
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _render_xlsx(
    *,
    sheet: str,
    title: str,
    subtitle: str,
    tables_: list[Table],
    footer: str,
    notes: list[str],
    widths: Sequence[tuple[str, int]],
) -> bytes:
    """One sheet: the title (bold, larger) and subtitle, each table after a blank row
    (bold title, bold wrapped boxed header, boxed rows), then the footer and the notes;
    `widths` are (column letter, width) pairs."""
    # Loaded here: only the worker builds files, the API process never needs them.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    # One object of each style, assigned to every cell that has it, and the row number
    # counted here: openpyxl's max_row scans every cell, which made the file quadratic
    # in its rows (2.3 s for a 40-kecamatan city recap).
    thin = Side(style="thin")
    box = Border(top=thin, bottom=thin, left=thin, right=thin)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="center")
    row_no = 0

    def append(values: Sequence[Cell]) -> list[Any]:
        # Text goes in as text and is then pinned as a string cell: openpyxl would
        # otherwise store "=..." as a formula. Figures go in as numbers.
        nonlocal row_no
        row_no += 1
        cells = []
        for col, value in enumerate(values, 1):
            cell = ws.cell(row_no, col)
            cells.append(cell)
            if isinstance(value, Num):
                if value.value is None:
                    cell.value = "-"
                    cell.data_type = "s"
                else:
                    cell.value = Decimal(value.value)
                    cell.number_format = value.excel_format()
            elif value != "":
                cell.value = xml_text(value)
                cell.data_type = "s"
                if is_formula_like(value):
                    cell.quotePrefix = True  # stays text even when edited in Excel
        return cells

    append([title])
    ws["A1"].font = Font(bold=True, size=12)
    append([subtitle])
    for table_title, header, rows in tables_:
        append([])
        append([table_title])[0].font = bold
        for cell in append(header):
            cell.font = bold
            cell.border = box
            cell.alignment = wrap
        for row in rows:
            for cell in append(row):
                cell.border = box
    append([])
    append([footer])
    for n in notes:
        append([n])
    for col, width in widths:
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _render_docx(
    *,
    title: str,
    subtitle: str,
    tables_: list[Table],
    footer: str,
    notes: list[str],
    landscape: bool = False,
    table_pt: int | None = None,
) -> bytes:
    """A heading and subtitle, each table (bold title, "Table Grid" with a bold header)
    followed by an empty paragraph, then the footer and the notes in 8 pt. `table_pt`
    sets the size of the table text (the default size when None)."""
    # Loaded here: only the worker builds files, the API process never needs them.
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    def size(cell: Any) -> None:
        if table_pt is not None:
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(table_pt)

    doc = Document()
    if landscape:
        sec = doc.sections[0]
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = sec.page_height, sec.page_width
    doc.add_heading(xml_text(title), level=1)
    doc.add_paragraph(xml_text(subtitle))
    for table_title, header, rows in tables_:
        doc.add_paragraph(xml_text(table_title)).runs[0].bold = True
        table = doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = xml_text(text)
            for p in cell.paragraphs:
                for run in p.runs:
                    run.bold = True
            size(cell)
        for row in rows:
            for cell, value in zip(table.add_row().cells, row, strict=True):
                cell.text = xml_text(cell_text(value))
                size(cell)
        doc.add_paragraph()
    foot = doc.add_paragraph(xml_text(footer))
    foot.runs[0].font.size = Pt(8)
    for n in notes:
        doc.add_paragraph(xml_text(n)).runs[0].font.size = Pt(8)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def to_csv(d: ExportData) -> bytes:
    return _render_csv([f"Kecamatan {d.kecamatan}", d.period_label], cells(d), d.footer, d.notes)


def to_xlsx(d: ExportData) -> bytes:
    return _render_xlsx(
        sheet="Wilayah Tertib",
        title=f"Indikator {INDIKATOR} - Kecamatan {d.kecamatan}",
        subtitle=d.period_label,
        tables_=cells(d),
        footer=d.footer,
        notes=d.notes,
        widths=list(zip("ABCDEFGH", (6, 42, 16, 16, 16, 14, 14, 14), strict=True)),
    )


def to_docx(d: ExportData) -> bytes:
    return _render_docx(
        title=INDIKATOR,
        subtitle=f"Kecamatan {d.kecamatan} - {d.period_label}",
        tables_=cells(d),
        footer=d.footer,
        notes=d.notes,
    )


BUILDERS = {"csv": to_csv, "xlsx": to_xlsx, "docx": to_docx}
MIME = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


# --- the report table (GET /api/v1/reports.csv) --------------------------------------

MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
REPORT_TABLE_HEADER = [
    "Waktu Mulai",
    "Jenis",
    "Zona",
    "Tim",
    "Petugas",
    "Status Tinjauan",
    "Jumlah Pelanggaran",
    "Pelanggaran",
    "Tindakan",
    "Tanda Bukti",
    "Catatan",
    "Id Laporan",
]


def wib_datetime(at: datetime) -> str:
    """One date format for people: "15 Mar 2024 10.00 WIB"."""
    w = at.astimezone(WIB)
    return f"{w.day} {MONTHS_SHORT[w.month - 1]} {w.year} {w.hour:02d}.{w.minute:02d} WIB"


def _items(vocabulary: str, items: Any) -> str:
    """'PKL (pedagang kaki lima) 3; Spanduk 1' from [{"kind": ..., "count": ...}]."""
    out = []
    for it in items or []:
        if isinstance(it, dict):
            code = str(it.get("kind") or it.get("action") or "")
            count = it.get("count")
            text = label(vocabulary, code)
            out.append(f"{text} {count}" if isinstance(count, int) else text)
    return "; ".join(out)


def report_table_row(r: dict[str, Any]) -> list[str]:
    """One report as the CSV shows it: labels, not codes; the WIB date format."""
    return [
        wib_datetime(r["started_at"]),
        label("report_type", r["type"]),
        r["zone"] or "-",
        r["team"] or "-",
        r["officer"] or "-",
        label("review_state", r["review_state"]),
        id_number(int(r["violation_total"]), 0),
        _items("violation_kind", r["findings"]),
        _items("enforcement_action", r["actions"]),
        "; ".join(label("evidence_flag", f) for f in sorted(r["flags"] or {})),
        r["notes"] or "",
        str(r["id"]),
    ]


def report_table_csv(rows: list[list[str]]) -> bytes:
    """Semicolon CSV (Excel in Indonesian locale), UTF-8 with BOM, formula-safe cells."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(REPORT_TABLE_HEADER)
    for r in rows:
        w.writerow([csv_text(c) for c in r])
    return out.getvalue().encode("utf-8-sig")


# --- the city recap (rekap kota, built by the worker: POST /api/v1/kota/rekap) ----------


@dataclass
class CityRecap:
    """A summary table of every kecamatan and one table per kecamatan; text lines after."""

    title: str
    period_label: str
    tables: list[Table]
    footer: str
    notes: list[str] = field(default_factory=list)


CITY_SUMMARY_HEADER = [
    "Peringkat",
    "Kecamatan",
    "Zona Ditetapkan",
    "Zona Tertib",
    "Realisasi (%)",
    "Target Renstra (%)",
    "Capaian Kinerja (%)",
    "Selisih ke Target (poin %)",
    "Zona yang Masih Dibutuhkan",
    "Pengaduan Diterima",
    "Pengaduan Masih Diproses",
    "Selesai dalam SLA (%)",
    "Cakupan Jadwal Patroli (%)",
    "Status Angka",
]


def _dec(v: Any) -> Decimal | None:
    return None if v is None else Decimal(str(v))


def city_source_text(item: dict[str, Any]) -> str:
    """Where a kecamatan's figures come from, and whether the pimpinan approved them."""
    if item.get("status") != "ada":
        return "Belum ada SK penetapan zona"
    src = item.get("source")
    if src == "manual":
        return "Angka tahun lalu (diisi tangan)"
    if src == "snapshot":
        return "Snapshot " + (
            "disetujui pimpinan" if item.get("approved") else "belum disetujui pimpinan"
        )
    return "Dihitung langsung (belum snapshot)"


def city_recap(
    period_label: str,
    items: list[dict[str, Any]],
    totals: dict[str, Any],
    footer: str,
    notes: list[str] | None = None,
) -> CityRecap:
    """The recap's tables from the city view's rows (services.city.city_view, as dicts)."""
    summary: list[list[Cell]] = []
    for it in items:
        c, v = it["complaints"], it["coverage"]
        summary.append(
            [
                Num(it["rank"], 0) if it.get("rank") is not None else "-",
                str(it["kecamatan_name"]),
                Num(it["zones_designated"], 0),
                Num(it["zones_tertib"], 0),
                Num(_dec(it["realisasi_pct"])),
                Num(_dec(it["target_pct"])),
                Num(_dec(it["capaian_pct"])),
                Num(_dec(it["gap_pct"])),
                Num(it["zones_still_needed"], 0),
                Num(c["received"], 0),
                Num(c["open"], 0),
                Num(_dec(c["pct_within_sla"])),
                Num(_dec(v["realisasi_pct"])),
                city_source_text(it),
            ]
        )
    summary.append(
        [
            "",
            "Jumlah Kota",
            Num(totals["zones_designated"], 0),
            Num(totals["zones_tertib"], 0),
            Num(_dec(totals["realisasi_pct"])),
            "",
            "",
            "",
            Num(totals["zones_still_needed"], 0),
            Num(totals["complaints_received"], 0),
            Num(totals["complaints_open"], 0),
            "",
            "",
            f"{totals['target_met']} dari {totals['kecamatan_with_decree']} kecamatan "
            "mencapai target",
        ]
    )
    out: list[Table] = [
        (f"Rekap Kota: Capaian per Kecamatan ({period_label})", CITY_SUMMARY_HEADER, summary)
    ]
    for it in items:
        c, v = it["complaints"], it["coverage"]
        rows: list[list[Cell]] = [
            ["Zona ditetapkan", Num(it["zones_designated"], 0)],
            ["Zona tertib (terverifikasi)", Num(it["zones_tertib"], 0)],
            ["Realisasi (%)", Num(_dec(it["realisasi_pct"]))],
            ["Target Renstra (%)", Num(_dec(it["target_pct"]))],
            ["Capaian kinerja (%)", Num(_dec(it["capaian_pct"]))],
            ["Selisih ke target (poin %)", Num(_dec(it["gap_pct"]))],
            ["Zona dibutuhkan untuk target", Num(it["zones_needed"], 0)],
            ["Zona yang masih dibutuhkan", Num(it["zones_still_needed"], 0)],
            ["Pengaduan diterima", Num(c["received"], 0)],
            ["Pengaduan masih diproses", Num(c["open"], 0)],
            ["Pengaduan selesai dalam SLA (%)", Num(_dec(c["pct_within_sla"]))],
            ["Tugas patroli direncanakan", Num(v["planned"], 0)],
            ["Tugas selesai tepat waktu", Num(v["selesai"], 0)],
            ["Tugas terlambat", Num(v["terlambat"], 0)],
            ["Tugas terlewat", Num(v["terlewat"], 0)],
            ["Cakupan jadwal patroli (%)", Num(_dec(v["realisasi_pct"]))],
            ["Zona tanpa patroli (hari ini)", Num(v["zones_without_patrol"], 0)],
        ]
        rows += [
            [f"Realisasi {t['period_label']} (%)", Num(_dec(t["realisasi_pct"]))]
            for t in it["trend"]
        ]
        rows.append(["Status angka", city_source_text(it)])
        if it.get("note"):
            rows.append(["Catatan", str(it["note"])])
        rank = f"peringkat {it['rank']}" if it.get("rank") is not None else "tanpa peringkat"
        title = f"Kecamatan {it['kecamatan_name']} ({period_label}, {rank})"
        out.append((title, ["Uraian", "Nilai"], rows))
    return CityRecap(
        f"Rekap Kota Indikator {INDIKATOR}", period_label, out, footer, list(notes or [])
    )


def city_to_csv(d: CityRecap) -> bytes:
    return _render_csv([d.title, d.period_label], d.tables, d.footer, d.notes)


def city_to_xlsx(d: CityRecap) -> bytes:
    return _render_xlsx(
        sheet="Rekap Kota",
        title=d.title,
        subtitle=d.period_label,
        tables_=d.tables,
        footer=d.footer,
        notes=d.notes,
        widths=[("A", 34), ("B", 24), *((col, 14) for col in "CDEFGHIJKLM"), ("N", 32)],
    )


def city_to_docx(d: CityRecap) -> bytes:
    return _render_docx(
        title=d.title,
        subtitle=d.period_label,
        tables_=d.tables,
        footer=d.footer,
        notes=d.notes,
        landscape=True,  # the summary has 14 columns
        table_pt=7,
    )


CITY_BUILDERS = {"csv": city_to_csv, "xlsx": city_to_xlsx, "docx": city_to_docx}
