"""The LKIP chapter-3 tables of the Wilayah Tertib indicator, as XLSX, DOCX and CSV.

Pure: figures in, file bytes out. Bahasa Indonesia, Indonesian numbers (1.046.227,50).
Tabel 3.18 zones designated and made orderly; 3.19 target, realisasi, capaian; 3.20 this
year beside last year; 3.21 against the Renstra end target.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

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


def _pct_of(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if a is None or not b:
        return None
    return (a * 100 / b).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def tables(d: ExportData) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) for each table, all text already in Indonesian format."""
    t318 = []
    for i, z in enumerate(d.zones, 1):
        tertib = z["status"] == "tertib"
        t318.append(
            [
                str(i),
                z["name"],
                f"Zona {z['kategori_zona'].capitalize()}",
                "√" if tertib else "-",
                (z.get("kategori") or "-").capitalize() if tertib else "-",
            ]
        )
    t318.append(["", "Jumlah Total Titik", "", f"{d.zones_tertib} dari {d.zones_designated}", ""])
    t318.append(["", "Persentase", "", id_number(d.current.realisasi_pct) + " %", ""])
    c = d.current
    t319 = [
        [
            INDIKATOR,
            "Persen",
            id_number(c.target_pct),
            id_number(c.realisasi_pct),
            id_number(c.capaian_pct),
        ]
    ]
    p = d.previous
    t320 = [
        [
            INDIKATOR,
            "Persen",
            id_number(p.target_pct if p else None),
            id_number(p.realisasi_pct if p else None),
            id_number(p.capaian_pct if p else None),
            id_number(c.target_pct),
            id_number(c.realisasi_pct),
            id_number(c.capaian_pct),
        ]
    ]
    t321 = [
        [
            INDIKATOR,
            "Persen",
            id_number(d.end_target_pct),
            id_number(c.realisasi_pct),
            id_number(_pct_of(c.realisasi_pct, d.end_target_pct)),
        ]
    ]
    prev_year = p.year if p else d.year - 1
    end = d.end_target_year or "-"
    return [
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


def to_csv(d: ExportData) -> bytes:
    out = io.StringIO()
    # Semicolons: the decimal comma of Indonesian numbers would split a comma-CSV.
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow([f"Kecamatan {d.kecamatan}", d.period_label])
    for title, header, rows in tables(d):
        w.writerow([])
        w.writerow([title])
        w.writerow(header)
        w.writerows(rows)
    w.writerow([])
    w.writerow([d.footer])
    for n in d.notes:
        w.writerow([n])
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
    ws.append([f"Indikator {INDIKATOR} - Kecamatan {d.kecamatan}"])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append([d.period_label])
    for title, header, rows in tables(d):
        ws.append([])
        ws.append([title])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        ws.append(header)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in rows:
            ws.append(row)
            for cell in ws[ws.max_row]:
                cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    ws.append([])
    ws.append([d.footer])
    for n in d.notes:
        ws.append([n])
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
    doc.add_paragraph(f"Kecamatan {d.kecamatan} - {d.period_label}")
    for title, header, rows in tables(d):
        doc.add_paragraph(title).runs[0].bold = True
        table = doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = text
            for p in cell.paragraphs:
                for run in p.runs:
                    run.bold = True
        for row in rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = text
        doc.add_paragraph()
    foot = doc.add_paragraph(d.footer)
    foot.runs[0].font.size = Pt(8)
    for n in d.notes:
        doc.add_paragraph(n).runs[0].font.size = Pt(8)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


BUILDERS = {"csv": to_csv, "xlsx": to_xlsx, "docx": to_docx}
MIME = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
