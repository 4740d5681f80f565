"""The LKIP export, built by a real worker, read back from the real files."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

from docx import Document
from openpyxl import load_workbook

from tests.support.http import assert_problem


def export(client: Any, fmt: str, **period: int) -> bytes:
    r = client.post("/api/v1/exports", json={"format": fmt, **period})
    assert r.status_code == 202, r.get_json()
    status_url = r.headers["Location"]
    end = time.monotonic() + 60
    while time.monotonic() < end:
        job = client.get(status_url).get_json()
        if job["status"] in ("selesai", "gagal"):
            break
        time.sleep(0.2)
    assert job["status"] == "selesai", job
    f = client.get(job["download_url"])
    assert f.status_code == 200 and "attachment" in f.headers["Content-Disposition"]
    return f.data


def test_2024_export_says_what_the_lkip_says(sample_2024, login, worker):
    pim = login("demo.pimpinan")
    trantib = login("demo.trantib")
    snap = trantib.post("/api/v1/snapshots", json={"year": 2024}).get_json()
    pim.post(f"/api/v1/snapshots/{snap['snapshot_id']}/approve")

    wb = load_workbook(io.BytesIO(export(trantib, "xlsx", year=2024)))
    cells = [
        tuple(c for c in row if c is not None) for row in wb.active.iter_rows(values_only=True)
    ]
    rows = {r[1]: r for r in cells if len(r) > 1 and str(r[0]).isdigit()}
    assert rows["Jl. Sultan Agung"][3:] == ("√", "Baik")
    assert rows["Jl. Jenderal Sudirman"][3:] == ("√", "Baik")
    assert rows["Jl. Alexindo"][3:] == ("√", "Baik")
    assert sum(1 for r in rows.values() if r[3] == "√") == 3 and len(rows) == 10
    flat = [c for r in cells for c in r]
    assert "3 dari 10" in flat and "30,00 %" in flat
    t319 = next(r for r in cells if r and r[0].startswith("Persentase") and len(r) == 5)
    assert t319[2:] == ("30,00", "30,00", "100,00")
    assert any("disetujui pimpinan" in str(c) and "belum" not in str(c) for c in flat)

    doc = Document(io.BytesIO(export(pim, "docx", year=2024)))
    t318 = doc.tables[0]
    names = {row.cells[1].text: row.cells[4].text for row in t318.rows[1:]}
    assert names["Jl. Alexindo"] == "Baik"
    assert [c.text for c in doc.tables[1].rows[1].cells][2:] == ["30,00", "30,00", "100,00"]
    # 3.20: 2023 as entered beside 2024.
    assert [c.text for c in doc.tables[2].rows[1].cells][2:5] == ["83,00", "85,00", "102,00"]

    raw = export(trantib, "csv", year=2024, quarter=3).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    assert rows[0] == ["Kecamatan Medansatria", "Triwulan III 2024"]
    assert any(r[:2] == ["", "Jumlah Total Titik"] and r[3] == "3 dari 10" for r in rows if r)


def test_bad_export_requests(sample_2024, login):
    trantib = login("demo.trantib")
    assert_problem(
        trantib.post("/api/v1/exports", json={"format": "pdf", "year": 2024}),
        422,
        "xlsx, docx, csv",
    )
    assert_problem(
        trantib.post("/api/v1/exports", json={"format": "csv", "year": 2099}), 422, "belum dimulai"
    )
    assert_problem(
        trantib.post(
            "/api/v1/exports", json={"format": "csv", "year": 2024, "kecamatan": "bekasi-utara"}
        ),
        404,
    )
    assert_problem(
        login("demo.petugas").post("/api/v1/exports", json={"format": "csv", "year": 2024}), 403
    )
