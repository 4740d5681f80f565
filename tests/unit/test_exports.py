"""LKIP tables in Indonesian format."""

import csv
import io
from decimal import Decimal

from docx import Document
from openpyxl import load_workbook

from k3zones.exports import (
    ExportData,
    Num,
    YearFigures,
    csv_text,
    id_number,
    is_formula_like,
    tables,
    to_csv,
    to_docx,
    to_xlsx,
)


def test_indonesian_number_format():
    assert id_number(Decimal("1046227.5")) == "1.046.227,50"
    assert id_number(Decimal("96.8")) == "96,80"
    assert id_number(30) == "30,00"
    assert id_number(1046227500, 0) == "1.046.227.500"
    assert id_number(Decimal("-1234.565")) == "-1.234,57"
    assert id_number(None) == "-"


def data() -> ExportData:
    zones = [
        {
            "name": "Jl. Sultan Agung",
            "kategori_zona": "merah",
            "status": "tertib",
            "kategori": "baik",
        },
        {
            "name": "Contoh Zona Kuning 1",
            "kategori_zona": "kuning",
            "status": "dalam_penertiban",
            "kategori": None,
        },
    ]
    return ExportData(
        "Medansatria",
        "Tahun 2024",
        2024,
        zones,
        10,
        3,
        YearFigures(2024, Decimal(30), Decimal(30), Decimal(100)),
        YearFigures(2023, Decimal(83), Decimal(85), Decimal(102)),
        2026,
        Decimal(40),
        "Aturan versi 1",
    )


def test_tables_3_18_to_3_21():
    t = {title.split()[1]: (header, rows) for title, header, rows in tables(data())}
    header, rows = t["3.18"]
    assert header[3] == "Target Titik 2024"
    assert rows[0] == ["1", "Jl. Sultan Agung", "Zona Merah", "√", "Baik"]
    assert rows[1][3:] == ["-", "-"]
    assert rows[-2][3] == "3 dari 10" and rows[-1][3] == "30,00 %"
    assert t["3.19"][1][0][2:] == ["30,00", "30,00", "100,00"]
    assert t["3.20"][1][0][2:] == ["83,00", "85,00", "102,00", "30,00", "30,00", "100,00"]
    assert t["3.21"][1][0][2:] == ["40,00", "30,00", "75,00"]


def test_csv_is_semicolon_separated_utf8_with_footer():
    raw = to_csv(data()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    assert rows[0] == ["Kecamatan Medansatria", "Tahun 2024"]
    assert ["1", "Jl. Sultan Agung", "Zona Merah", "√", "Baik"] in rows
    assert rows[-1] == ["Aturan versi 1"]


HOSTILE = [
    '=HYPERLINK("http://evil","klik")',
    "+1+1",
    "@SUM(A1)",
    "-2+3",
    "\t=1",
    "\r=1",
    "\uff1dSUM(A1)",
]


def test_formula_like_text_is_recognised_but_figures_and_placeholders_are_not():
    for text in HOSTILE:
        assert is_formula_like(text) and csv_text(text) == "'" + text
    for text in ["Jl. Sultan Agung", "-", "", "30,00", "a=1", " =1"]:
        assert not is_formula_like(text) and csv_text(text) == text
    # A negative figure is a number: rendered as Indonesian text, never escaped.
    assert Num(Decimal("-1234.565")).text() == "-1.234,57"
    assert Num(None, suffix=" %").text() == "-"
    assert Num(Decimal("30"), 2, " %").excel_format() == '#,##0.00" %"'
    assert Num(7, 0).excel_format() == "#,##0"


def hostile_data() -> ExportData:
    d = data()
    d.zones = [
        {"name": name, "kategori_zona": "merah", "status": "tertib", "kategori": "baik"}
        for name in HOSTILE
    ] + [{"name": "Zona\x00\x01 kontrol", "kategori_zona": "kuning", "status": "x"}]
    d.footer = "=1+1"
    d.notes = ["-2+3"]
    d.previous = YearFigures(2023, Decimal("-5.5"), None, Decimal("1046227.5"))
    return d


def test_xlsx_keeps_hostile_text_as_text_and_figures_as_numbers():
    wb = load_workbook(io.BytesIO(to_xlsx(hostile_data())))
    ws = wb.active
    every = [c for row in ws.iter_rows() for c in row if c.value is not None]
    for text in HOSTILE:
        found = [c for c in every if c.value == text]
        assert found and all(c.data_type == "s" and c.quotePrefix for c in found), text
    assert "Zona kontrol" in {c.value for c in every}  # control characters dropped
    assert next(c for c in every if c.value == "=1+1").data_type == "s"
    assert all(c.data_type in ("s", "n") for c in every)  # no formula anywhere
    numbers = [c for c in every if c.data_type == "n"]
    assert [c.value for c in numbers[: len(HOSTILE) + 1]] == list(range(1, len(HOSTILE) + 2))
    by_value = {(c.value, c.number_format) for c in numbers}
    assert (30, '#,##0.00" %"') in by_value  # 3.18 Persentase
    assert (-5.5, "#,##0.00") in by_value and (1046227.5, "#,##0.00") in by_value
    assert (100, "#,##0.00") in by_value and (75, "#,##0.00") in by_value
    # A figure that is missing stays the text "-", as in the LKIP.
    t320 = next(
        row for row in ws.iter_rows() if row[0].value and len(row) == 8 and row[3].value == "-"
    )
    assert t320[3].data_type == "s"


def test_csv_escapes_hostile_text_with_an_apostrophe_but_not_figures():
    raw = to_csv(hostile_data()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    names = [r[1] for r in rows if len(r) == 5 and r[0].isdigit()]
    assert names[: len(HOSTILE)] == ["'" + t for t in HOSTILE]
    flat = [c for r in rows for c in r]
    assert "'=1+1" in flat and "'-2+3" in flat and "=1+1" not in flat
    # Negative and large figures: Indonesian text, no apostrophe.
    t320 = next(r for r in rows if len(r) == 8 and r[0].startswith("Persentase"))
    assert t320[2:5] == ["-5,50", "-", "1.046.227,50"]
    assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in flat)


def test_docx_holds_hostile_text_as_plain_text():
    doc = Document(io.BytesIO(to_docx(hostile_data())))
    names = [row.cells[1].text for row in doc.tables[0].rows[1:]]
    # Word shows text; CR becomes a line break. Nothing is lost or evaluated.
    assert names[: len(HOSTILE)] == [t.replace("\r", "\n") for t in HOSTILE]
    assert "Zona kontrol" in names
    assert [c.text for c in doc.tables[2].rows[1].cells][2:5] == ["-5,50", "-", "1.046.227,50"]


def test_xlsx_boxes_each_table_to_its_own_width_and_bolds_its_header():
    """The LKIP tables differ in width: a narrower table below a wider one gets no borders
    on the empty cells beside it (it did, when styles went to the whole sheet width)."""
    d = data()
    ws = load_workbook(io.BytesIO(to_xlsx(d))).active
    rows = list(ws.iter_rows())
    for title, header, body in tables(d):
        at = next(i for i, r in enumerate(rows) if r[0].value == title)
        assert rows[at][0].font.b
        for i, row in enumerate(rows[at + 1 : at + 2 + len(body)]):
            width = len(header)
            assert all(c.border.top.style == "thin" for c in row[:width]), title
            assert all(c.border.top.style is None and c.value is None for c in row[width:])
            assert all(c.font.b for c in row[:width]) == (i == 0)  # the header only
            if i == 0:
                assert [c.value for c in row[:width]] == header
                assert all(c.alignment.wrap_text for c in row[:width])
