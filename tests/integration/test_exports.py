"""The LKIP export, built by a real worker, read back from the real files."""

from __future__ import annotations

import csv
import io
import logging
import time
import uuid
from typing import Any

from docx import Document
from openpyxl import load_workbook
from sqlalchemy import text

from k3zones.audit import SYSTEM, acting_as
from k3zones.enums import ComplaintChannel
from k3zones.periods import Period
from k3zones.scope import Scope
from k3zones.services import complaints
from k3zones.services import exports as export_service
from tests.support.complaints import NO_MERGE, complaint_input
from tests.support.http import assert_problem
from tests.support.world import make_world


def export(client: Any, fmt: str, **period: int) -> bytes:
    """Ask for an export, wait for the real worker to build it, download the file."""
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
    cd = f.headers["Content-Disposition"]
    assert f.status_code == 200 and cd.startswith('attachment; filename="lkip-wilayah-tertib-')
    assert f"filename*=UTF-8''{job['filename']}" in cd
    return f.data


def test_2024_export_says_what_the_lkip_says(sample_2024, login, worker):
    pim = login("demo.pimpinan")
    trantib = login("demo.trantib")
    snap = trantib.post("/api/v1/snapshots", json={"year": 2024}).get_json()
    pim.post(f"/api/v1/snapshots/{snap['snapshot_id']}/approve")

    wb = load_workbook(io.BytesIO(export(trantib, "xlsx", year=2024)))
    # Figures are number cells (Excel shows them in the reader's locale), not text.
    figures = [c for row in wb.active.iter_rows() for c in row if isinstance(c.value, int | float)]
    assert any(c.value == 30 and c.number_format == '#,##0.00" %"' for c in figures)
    assert all(c.data_type == "n" for c in figures)
    cells = [
        tuple(c for c in row if c is not None) for row in wb.active.iter_rows(values_only=True)
    ]
    rows = {r[1]: r for r in cells if len(r) > 1 and str(r[0]).isdigit()}
    assert rows["Jl. Sultan Agung"][3:] == ("√", "Baik")
    assert rows["Jl. Jenderal Sudirman"][3:] == ("√", "Baik")
    assert rows["Jl. Alexindo"][3:] == ("√", "Baik")
    assert sum(1 for r in rows.values() if r[3] == "√") == 3 and len(rows) == 10
    flat = [c for r in cells for c in r]
    assert "3 dari 10" in flat
    t319 = next(r for r in cells if r and str(r[0]).startswith("Persentase") and len(r) == 5)
    assert t319[2:] == (30, 30, 100)
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


HOSTILE = [
    '=HYPERLINK("http://evil","klik")',
    "+1+1",
    "@SUM(A1)",
    "-2+3",
    "\t=1",
    "\r=cmd|' /C calc'!A0",
]


def test_zone_names_that_look_like_formulas_are_text_in_the_real_files(
    sample_2024, login, worker, engine
):
    """Zones renamed to formula-like text: the worker's XLSX holds string cells, the CSV
    an apostrophe before each, and the figures stay numbers."""
    with engine.begin() as c:
        # Medansatria's zones (the export's kecamatan; Bekasi Utara is the sample's other).
        ids = c.execute(
            text(
                "SELECT z.id FROM zone z JOIN kecamatan k ON k.id = z.kecamatan_id "
                "WHERE k.slug = 'medansatria' ORDER BY z.name LIMIT :n"
            ),
            {"n": len(HOSTILE)},
        )
        for zid, name in zip(list(ids.scalars()), HOSTILE, strict=True):
            c.execute(text("UPDATE zone SET name = :n WHERE id = :i"), {"n": name, "i": zid})
    trantib = login("demo.trantib")

    wb = load_workbook(io.BytesIO(export(trantib, "xlsx", year=2024)))
    every = [c for row in wb.active.iter_rows() for c in row if c.value is not None]
    for name in HOSTILE:
        [cell] = [c for c in every if c.value == name]
        assert cell.data_type == "s" and cell.quotePrefix, (name, cell.data_type)
    assert not any(c.data_type == "f" for c in every)
    assert [c.value for c in every if c.column == 1 and c.data_type == "n"] == list(range(1, 11))

    raw = export(trantib, "csv", year=2024).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    names = {r[1] for r in rows if len(r) == 5 and r[0].isdigit()}
    assert {"'" + n for n in HOSTILE} <= names
    assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for r in rows for c in r)
    assert not any(c.startswith("-") and c != "-" and not c[1:2].isdigit() for r in rows for c in r)

    doc = Document(io.BytesIO(export(trantib, "docx", year=2024)))
    docx_names = {row.cells[1].text for row in doc.tables[0].rows[1:]}
    assert '=HYPERLINK("http://evil","klik")' in docx_names


class BrokenStorage:
    """A store that fails the way a real one can, with details nobody should read."""

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        raise OSError("/var/lib/k3zones/rahasia: SELECT password_hash FROM app_user")


def test_a_failed_build_shows_a_plain_message_and_logs_the_details(
    sample_2024, uow, engine, caplog
):
    from k3zones.audit import Actor, acting_as
    from k3zones.models import Role
    from k3zones.periods import Period
    from k3zones.principal import Principal
    from k3zones.services import exports

    with engine.connect() as c:
        uid, kid = c.execute(
            text("SELECT id, kecamatan_id FROM app_user WHERE username = 'demo.trantib'")
        ).one()
    caller = Principal(uid, "demo.trantib", "Trantib", Role.TRANTIB, kid, "medansatria", None)
    # Asked for as an HTTP request would (its request id is audited), never relayed.
    with acting_as(Actor(uid, "demo.trantib", "req-h2-ekspor")):
        job = exports.request_export(uow, caller, "medansatria", Period("year", 2024), "xlsx")
    with caplog.at_level(logging.ERROR, logger="k3zones.services.exports"):
        assert exports.build(uow, BrokenStorage(), job.id) == "gagal"  # type: ignore[arg-type]
    shown = exports.get_job(uow, caller.scope, job.id)
    assert shown.status == "gagal"
    assert shown.error == f"Ekspor gagal dibuat; hubungi admin dengan kode {job.id}."
    assert "rahasia" not in shown.error and "SELECT" not in shown.error
    [record] = [r for r in caplog.records if str(job.id) in r.getMessage()]
    assert "req-h2-ekspor" in record.getMessage() and record.exc_info is not None
    assert "rahasia" in caplog.text  # the admin finds the cause under the code
    assert uuid.UUID(str(job.id))


def test_complaint_tables_in_the_real_files(app, sample_2024, uow, engine):
    """Pengaduan masyarakat (issue 13 point 6): five complaints, four of them received in
    Triwulan III 2024; the CSV, XLSX and DOCX carry the same figures as
    /api/v1/complaint-figures, by category and by kelurahan, with a total row."""
    w = make_world(app)
    ids = []
    with acting_as(SYSTEM):
        for cat in ("pkl", "pkl", "pkl", "sampah", "sampah"):
            ids.append(
                complaints.submit(
                    uow,
                    w.storage,
                    complaint_input("medansatria", cat),
                    channel=ComplaintChannel.FORMULIR,
                    duplicate=NO_MERGE,
                ).id
            )
    with engine.begin() as c:
        kel = c.execute(
            text(
                "SELECT k.id, k.name FROM kelurahan k JOIN kecamatan m ON m.id = k.kecamatan_id"
                " WHERE m.slug = 'medansatria' ORDER BY k.name LIMIT 2"
            )
        ).all()
        team, report = c.execute(
            text(
                "SELECT (SELECT t.id FROM team t WHERE t.kecamatan_id = r.kecamatan_id LIMIT 1),"
                " r.id FROM report r"
                " WHERE r.kecamatan_id = (SELECT id FROM kecamatan WHERE slug = 'medansatria')"
                " LIMIT 1"
            )
        ).one()
        # (received WIB, kelurahan, closed after days or None, within SLA)
        plan = [
            ("2024-08-01 10:00+07", kel[0][0], 2, True),
            ("2024-08-02 10:00+07", kel[0][0], 4, False),
            ("2024-08-03 10:00+07", kel[1][0], 1, True),
            ("2024-09-30 23:59+07", kel[1][0], None, True),  # still open
            ("2024-06-30 23:59+07", kel[1][0], None, True),  # Triwulan II: not counted
        ]
        for cid, (at, kid, days, within) in zip(ids, plan, strict=True):
            c.execute(
                text(
                    "UPDATE complaint SET received_at = CAST(:at AS timestamptz),"
                    " kelurahan_id = :kid, within_sla = :w WHERE id = :id"
                ),
                {"at": at, "kid": kid, "w": within, "id": cid},
            )
            if days is not None:
                c.execute(
                    text(
                        "UPDATE complaint SET state = 'selesai', team_id = :t, report_id = :r,"
                        " closed_at = received_at + make_interval(days => :d),"
                        " sla_due_at = NULL WHERE id = :id"
                    ),
                    {"t": team, "r": report, "d": days, "id": cid},
                )
    figures = complaints.complaint_figures(uow, Scope.everything(), "medansatria", "2024-T3")
    assert (figures["received"], figures["closed"], figures["closed_within_sla"]) == (4, 3, 2)

    def build(fmt: str) -> bytes:
        job = export_service.request_export(
            uow, w.principal("demo.trantib"), "medansatria", Period("quarter", 2024, 3), fmt
        )
        assert export_service.build(uow, w.storage, job.id) == "selesai"
        key, _, _ = export_service.job_file(uow, Scope.everything(), job.id)
        return w.storage.get_bytes(key)

    k1, k2 = kel[0][1], kel[1][1]
    pkl = "PKL (pedagang kaki lima)"
    # Diterima, Duplikat, Ditolak, Selesai, dalam SLA, %, median hari, masih diproses
    want_cat = [
        [pkl, "3", "0", "0", "3", "2", "66,67", "2,00", "0"],
        ["Sampah", "1", "0", "0", "0", "0", "-", "-", "1"],
        ["Jumlah", "4", "0", "0", "3", "2", "66,67", "2,00", "1"],
    ]
    want_kel = [
        [k1, "2", "0", "0", "2", "1", "50,00", "3,00", "0"],
        [k2, "2", "0", "0", "1", "1", "100,00", "1,00", "1"],
        ["Jumlah", "4", "0", "0", "3", "2", "66,67", "2,00", "1"],
    ]

    raw = build("csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    at = rows.index(["Pengaduan Masyarakat per Kategori (Triwulan III 2024)"])
    assert rows[at + 1][:3] == ["Kategori", "Diterima", "Duplikat"]
    assert rows[at + 2 : at + 5] == want_cat, rows[at:]
    at = rows.index(["Pengaduan Masyarakat per Kelurahan (Triwulan III 2024)"])
    assert rows[at + 2 : at + 5] == want_kel, rows[at:]
    assert "Tidak ada pengaduan" not in raw

    doc = Document(io.BytesIO(build("docx")))
    titles = [p.text for p in doc.paragraphs if p.text.startswith("Pengaduan Masyarakat")]
    assert titles == [
        "Pengaduan Masyarakat per Kategori (Triwulan III 2024)",
        "Pengaduan Masyarakat per Kelurahan (Triwulan III 2024)",
    ]
    by_cat, by_kel = doc.tables[-2], doc.tables[-1]
    assert [[c.text for c in r.cells] for r in by_cat.rows[1:]] == want_cat
    assert [[c.text for c in r.cells] for r in by_kel.rows[1:]] == want_kel

    ws = load_workbook(io.BytesIO(build("xlsx"))).active
    grid = [list(r) for r in ws.iter_rows()]
    start = next(
        i for i, r in enumerate(grid) if r[0].value and str(r[0].value).startswith("Pengaduan")
    )
    total = next(r for r in grid[start:] if r[0].value == "Jumlah")
    assert [c.value for c in total[1:9]] == [4, 0, 0, 3, 2, 66.67, 2, 1]
    assert all(c.data_type == "n" for c in total[1:9])
    assert total[6].number_format == "#,##0.00" and total[1].number_format == "#,##0"
    sampah = next(r for r in grid[start:] if r[0].value == "Sampah")
    assert sampah[6].value == "-" and sampah[6].data_type == "s"

    # A quarter without complaints: no empty table, one line saying so.
    with engine.begin() as c:
        c.execute(text("UPDATE complaint SET received_at = received_at - interval '1 year'"))
    raw = build("csv").decode("utf-8-sig")
    assert "Pengaduan Masyarakat per" not in raw
    assert "Tidak ada pengaduan masyarakat yang diterima pada Triwulan III 2024." in raw
