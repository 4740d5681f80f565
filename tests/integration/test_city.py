"""The city view (GET /api/v1/kota/ringkasan) and the city recap (GET /api/v1/kota/rekap),
against real PostGIS: every kecamatan's row equals what its own endpoints answer."""

from __future__ import annotations

import io
import urllib.parse
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from k3zones.models import Kecamatan
from k3zones.periods import Period, today_wib
from k3zones.scope import Scope
from k3zones.services import city
from k3zones.services import indicator as ind
from tests.support.http import assert_problem, login_client
from tests.support.world import OTHER, OWN, make_world

INDICATOR_KEYS = [
    "zones_designated",
    "zones_tertib",
    "realisasi_pct",
    "target_pct",
    "capaian_pct",
    "zones_needed",
    "source",
    "approved",
]


@pytest.fixture()
def two(app: Any, sample_2024: Any) -> Any:
    """The 2024 sample beside a second kecamatan with three zones (one verified today)."""
    w = make_world(app)
    w.zone(OTHER)
    w.zone(OTHER)
    w.verified_zone(OTHER)
    return w


def _kota(login: Any) -> Any:
    return login("demo.kota")


def test_each_row_equals_the_kecamatan_own_answers(two, login):
    kota = _kota(login)
    r = kota.get("/api/v1/kota/ringkasan?year=2024")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["period_label"] == "Tahun 2024"
    rows = {i["kecamatan"]: i for i in body["items"]}
    assert {OWN, OTHER} <= set(rows)
    for slug, row in rows.items():
        [own] = kota.get(
            f"/api/v1/indicators/wilayah-tertib?year=2024&kecamatan={slug}"
        ).get_json()["items"]
        assert {k: row[k] for k in INDICATOR_KEYS} == {k: own[k] for k in INDICATOR_KEYS}, slug
        figs = kota.get(f"/api/v1/complaint-figures?kecamatan={slug}&period=2024").get_json()
        assert row["complaints"] == {
            k: figs[k]
            for k in ("received", "open", "closed", "closed_within_sla", "pct_within_sla")
        }
        cov = kota.get(f"/api/v1/coverage?kecamatan={slug}&year=2024&group_by=kecamatan")
        cov = cov.get_json()
        assert row["coverage"]["zones_without_patrol"] == len(cov["zones_without_patrol"])
        assert row["coverage"]["planned"] == sum(c["planned"] for c in cov["rows"])
        # the trend: each triwulan as the indicator answers it for that triwulan
        for t in row["trend"]:
            q = kota.get(
                f"/api/v1/indicators/wilayah-tertib?year=2024&quarter={t['number']}"
                f"&kecamatan={slug}"
            ).get_json()["items"][0]
            assert (t["zones_tertib"], t["realisasi_pct"]) == (
                q["zones_tertib"],
                q["realisasi_pct"],
            )
    # the LKIP's own figures, and the neighbour's (verified only today: nothing in 2024)
    assert (rows[OWN]["zones_tertib"], rows[OWN]["realisasi_pct"]) == (3, 30)
    assert rows[OWN]["gap_pct"] == 0 and rows[OWN]["zones_still_needed"] == 0
    assert (rows[OTHER]["zones_designated"], rows[OTHER]["zones_tertib"]) == (3, 0)
    assert rows[OTHER]["zones_still_needed"] == 1 and rows[OTHER]["gap_pct"] == 30
    # ranked by realisasi against the target, best first
    ranked = [i["kecamatan"] for i in body["items"] if i["rank"] is not None]
    assert ranked.index(OWN) < ranked.index(OTHER)
    assert [i["rank"] for i in body["items"] if i["rank"]] == sorted(
        i["rank"] for i in body["items"] if i["rank"]
    )
    assert body["totals"]["zones_still_needed"] == sum(
        i["zones_still_needed"] or 0 for i in body["items"]
    )
    # this year: the neighbour's zone verified today counts
    now = kota.get(f"/api/v1/kota/ringkasan?year={today_wib().year}&trend=bulan")
    assert now.status_code == 200, now.get_json()
    other_now = next(i for i in now.get_json()["items"] if i["kecamatan"] == OTHER)
    assert len(other_now["trend"]) == 12


def test_a_finished_triwulan_reads_its_last_month_snapshot(app, two, login):
    uow = app.extensions["k3"].uow
    ind.create_snapshot(uow, Scope.everything(), OWN, Period("month", 2024, 9))
    kota = _kota(login)
    body = kota.get("/api/v1/kota/ringkasan?year=2024").get_json()
    own = next(i for i in body["items"] if i["kecamatan"] == OWN)
    q3 = own["trend"][2]
    assert q3["source"] == "snapshot" and own["trend"][1]["source"] == "langsung"
    # the same figures the triwulan's own computation gives (3 of 10 by September)
    [live] = kota.get(
        f"/api/v1/indicators/wilayah-tertib?year=2024&quarter=3&kecamatan={OWN}"
    ).get_json()["items"]
    assert (q3["zones_tertib"], q3["realisasi_pct"]) == (live["zones_tertib"], 30)
    assert live["realisasi_pct"] == 30


def test_kecamatan_roles_are_refused(two, login):
    for who in ("demo.admin", "demo.pimpinan", "demo.petugas"):
        assert_problem(login(who).get("/api/v1/kota/ringkasan?year=2024"), 403)
        assert_problem(login(who).get("/api/v1/kota/rekap?year=2024&format=csv"), 403)


def test_a_scope_sees_only_its_kecamatan(app, two):
    uow = app.extensions["k3"].uow
    with uow() as s:
        own = s.scalar(select(Kecamatan.id).where(Kecamatan.slug == OWN))
    assert own is not None
    view = city.city_view(uow, Scope.of(own), Period("year", 2024))
    assert [i.kecamatan for i in view.items] == [OWN]
    assert view.totals.kecamatan == 1


def test_a_kecamatan_without_decree_is_listed_unranked(app, sample_2024, login):
    make_world(app)  # Bantargebang: no decree, no zone
    items = _kota(login).get("/api/v1/kota/ringkasan?year=2024").get_json()["items"]
    other = next(i for i in items if i["kecamatan"] == OTHER)
    assert other["status"] == "belum_ada_sk" and other["rank"] is None and other["note"]
    assert items[-1]["rank"] is None  # unranked rows come last


def test_recap_xlsx_has_a_table_per_kecamatan_with_numbers(two, login):
    from openpyxl import load_workbook  # why: only this test reads a workbook

    kota = _kota(login)
    r = kota.get("/api/v1/kota/rekap?year=2024&format=xlsx")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert "rekap-kota-wilayah-tertib-tahun-2024.xlsx" in r.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.data)).active
    assert ws is not None
    titles = [str(c.value) for c in ws["A"] if c.value]
    assert any(t.startswith("Rekap Kota: Capaian per Kecamatan") for t in titles)
    names = [
        i["kecamatan_name"]
        for i in kota.get("/api/v1/kota/ringkasan?year=2024").get_json()["items"]
    ]
    for name in names:
        assert any(t.startswith(f"Kecamatan {name} (Tahun 2024") for t in titles), name
    # the figures are numbers with a display format, not text
    realisasi = [
        ws.cell(c.row, 2)
        for c in ws["A"]
        if c.value == "Realisasi (%)" and ws.cell(c.row, 2).value != "-"
    ]
    assert realisasi and all(isinstance(c.value, int | float) for c in realisasi)
    assert all(c.number_format == "#,##0.00" for c in realisasi)
    footer = [t for t in titles if "Dibuat oleh k3zones" in t]
    assert footer and ("Akar rantai bukti" in footer[0] or "Rantai bukti" in footer[0])
    assert any(
        "disetujui pimpinan" in str(c.value) or "Dihitung langsung" in str(c.value)
        for row in ws.iter_rows()
        for c in row
    )


def test_recap_csv_and_docx_open(two, login):
    from docx import Document  # why: only this test reads a Word file

    kota = _kota(login)
    csv = kota.get("/api/v1/kota/rekap?year=2024&format=csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.data.decode("utf-8-sig")
    assert "Kecamatan Medansatria (Tahun 2024" in text and "30,00" in text
    docx = kota.get("/api/v1/kota/rekap?year=2024&format=docx&source=snapshot")
    assert docx.status_code == 200
    doc = Document(io.BytesIO(docx.data))
    assert len(doc.tables) >= 3  # the summary and one per kecamatan


BAD = [
    ("", "/year"),
    ("year=1999", "/year"),
    ("year=2024&quarter=5", "/quarter"),
    ("year=2024&month=1&quarter=1", "/quarter"),
    ("year=2024&source=x", "/source"),
    ("year=2024&trend=minggu", "/trend"),
    ("year=2099", "/year"),
    ("year=2024&kecamatan=medansatria", "/kecamatan"),
]


def test_bad_periods_are_422_at_their_field(sample, login):
    kota = _kota(login)  # one sample load for every case
    for query, pointer in BAD:
        body = assert_problem(kota.get(f"/api/v1/kota/ringkasan?{query}"), 422)
        assert pointer in {e["pointer"] for e in body["errors"]}, (query, body)
    body = assert_problem(kota.get("/api/v1/kota/rekap?year=2024&format=pdf"), 422)
    assert "/format" in {e["pointer"] for e in body["errors"]}


HOSTILE = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["\x00", "\ud800", "=1+1", "<b>x</b>", "1e309", "NaN", "9" * 40, "-0"]),
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(year=HOSTILE, fmt=HOSTILE)
def test_hostile_query_never_500(app, sample, year, fmt):
    c = login_client(app, "demo.kota")
    q = urllib.parse.urlencode({"year": year, "format": fmt}, errors="surrogatepass")
    r = c.get(f"/api/v1/kota/rekap?{q}")
    assert r.status_code < 500 and r.status_code in (200, 400, 422), r.get_data(as_text=True)
