"""LKIP tables in Indonesian format."""

import csv
import io
from decimal import Decimal

from k3zones.exports import ExportData, YearFigures, id_number, tables, to_csv


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
