"""The report table's CSV (issue 15): labels, one date format, formula-safe cells."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from k3zones.exports import REPORT_TABLE_HEADER, report_table_csv, report_table_row, wib_datetime

ROW = {
    "id": "00000000-0000-0000-0000-000000000001",
    "started_at": datetime(2024, 3, 15, 3, 0, tzinfo=UTC),
    "type": "penertiban",
    "zone": "Jl. Sultan Agung",
    "team": None,
    "officer": "Budi Santoso",
    "review_state": "perlu_perbaikan",
    "violation_total": 1234,
    "findings": [{"kind": "bangunan_liar", "count": 2}],
    "actions": [{"kind": "teguran_tertulis", "count": 1}],
    "flags": {"photo_no_gps": {"photos": 1}, "outside_zone": {"distance_m": 80}},
    "notes": None,
}


def test_one_date_format_in_wib():
    assert wib_datetime(datetime(2024, 3, 15, 3, 0, tzinfo=UTC)) == "15 Mar 2024 10.00 WIB"
    assert wib_datetime(datetime(2024, 12, 31, 17, 5, tzinfo=UTC)) == "1 Jan 2025 00.05 WIB"


def test_a_row_shows_labels_not_codes():
    row = report_table_row(ROW)
    assert len(row) == len(REPORT_TABLE_HEADER)
    assert row[:7] == [
        "15 Mar 2024 10.00 WIB",
        "Penertiban",
        "Jl. Sultan Agung",
        "-",
        "Budi Santoso",
        "Perlu perbaikan",
        "1.234",
    ]
    assert row[7:10] == [
        "Bangunan liar 2",
        "Teguran tertulis 1",
        "Di luar area pantau zona; Foto: tanpa lokasi GPS",
    ]
    assert not any("_" in c for c in row[:10])


@settings(max_examples=50)
@given(st.text())
def test_any_note_is_a_cell_of_text_never_a_formula(note):
    raw = report_table_csv([report_table_row({**ROW, "notes": note})]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw, newline=""), delimiter=";"))
    assert rows[0] == REPORT_TABLE_HEADER
    cell = rows[1][10]
    assert not cell.startswith(("=", "+", "@", "\t", "\r"))
    assert cell in (note, "'" + note)
