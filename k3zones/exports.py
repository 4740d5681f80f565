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


def to_csv(d: ExportData) -> bytes:
    out = io.StringIO()
    # Semicolons: the decimal comma of Indonesian numbers would split a comma-CSV.
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")

    def row(values: list[Cell]) -> None:
        # Figures are our own Indonesian text ("-1.234,57" is a number): never escaped.
        w.writerow([c.text() if isinstance(c, Num) else csv_text(c) for c in values])

    row([f"Kecamatan {d.kecamatan}", d.period_label])
    for title, header, rows in cells(d):
        row([])
        row([title])
        row(list(header))
        for r in rows:
            row(r)
    row([])
    row([d.footer])
    for n in d.notes:
        row([n])
    # BOM so spreadsheet programs read the text as UTF-8 (√, accented names).
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(d: ExportData) -> bytes:
    # Loaded here: only the worker builds files, the API process never needs them.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Wilayah Tertib"
    thin = Side(style="thin")

    def append(values: list[Cell]) -> None:
        # Text goes in as text and is then pinned as a string cell: openpyxl would
        # otherwise store "=..." as a formula. Figures go in as numbers.
        ws.append([None] * len(values))
        for col, value in enumerate(values, 1):
            cell = ws.cell(ws.max_row, col)
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

    append([f"Indikator {INDIKATOR} - Kecamatan {d.kecamatan}"])
    ws["A1"].font = Font(bold=True, size=12)
    append([d.period_label])
    for title, header, rows in cells(d):
        append([])
        append([title])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        append(list(header))
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in rows:
            append(row)
            for cell in ws[ws.max_row]:
                cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    append([])
    append([d.footer])
    for n in d.notes:
        append([n])
    for col, width in zip("ABCDEFGH", (6, 42, 16, 16, 16, 14, 14, 14), strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_docx(d: ExportData) -> bytes:
    # Loaded here: only the worker builds files, the API process never needs them.
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.add_heading(f"{INDIKATOR}", level=1)
    doc.add_paragraph(xml_text(f"Kecamatan {d.kecamatan} - {d.period_label}"))
    for title, header, rows in tables(d):
        doc.add_paragraph(xml_text(title)).runs[0].bold = True
        table = doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = xml_text(text)
            for p in cell.paragraphs:
                for run in p.runs:
                    run.bold = True
        for row in rows:
            cells_ = table.add_row().cells
            for cell, text in zip(cells_, row, strict=True):
                cell.text = xml_text(text)
        doc.add_paragraph()
    foot = doc.add_paragraph(xml_text(d.footer))
    foot.runs[0].font.size = Pt(8)
    for n in d.notes:
        doc.add_paragraph(xml_text(n)).runs[0].font.size = Pt(8)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


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
