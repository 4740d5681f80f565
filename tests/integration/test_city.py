"""The city view (GET /api/v1/kota/ringkasan) and the city recap (POST /api/v1/kota/rekap,
built by a worker, followed and downloaded at the export job's addresses), against real
PostGIS: every kecamatan's row equals what its own endpoints answer."""

from __future__ import annotations

import io
import json
import time
import uuid
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from k3zones.errors import InvalidInput
from k3zones.models import ExportJob, Kecamatan, Kota
from k3zones.periods import Period, today_wib
from k3zones.scope import Scope
from k3zones.services import city
from k3zones.services import exports as export_service
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
        assert_problem(login(who).post("/api/v1/kota/rekap", json=RECAP_CSV), 403)


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


RECAP_CSV = {"year": 2024, "format": "csv"}


def _recap(app: Any, client: Any, body: dict[str, Any], build: bool = False) -> Any:
    """Ask for the recap (202, Location), follow the job until it is built (by the real
    worker, or here when `build`), download the file."""
    r = client.post("/api/v1/kota/rekap", json=body)
    assert r.status_code == 202, r.get_json()
    job = r.get_json()
    assert r.headers["Location"] == job["status_url"] == f"/api/v1/exports/{job['id']}"
    if build:
        ctx = app.extensions["k3"]
        # "sudah" when a worker of the module got there first
        assert export_service.build(ctx.uow, ctx.storage, job["id"]) in ("selesai", "sudah")
    end = time.monotonic() + 60
    while job["status"] not in ("selesai", "gagal") and time.monotonic() < end:
        time.sleep(0.2)
        job = client.get(job["status_url"]).get_json()
    assert job["status"] == "selesai", job
    f = client.get(job["download_url"])
    assert f.status_code == 200, f.get_data(as_text=True)[:300]
    assert f"filename*=UTF-8''{job['filename']}" in f.headers["Content-Disposition"]
    return job, f


def test_recap_csv_and_docx_are_export_jobs_of_the_kota(app, two, login):
    from docx import Document  # why: only this test reads a Word file

    kota = _kota(login)
    job, csv = _recap(app, kota, RECAP_CSV, build=True)
    assert job["filename"] == "rekap-kota-wilayah-tertib-tahun-2024.csv"
    assert csv.mimetype == "text/csv"
    text = csv.data.decode("utf-8-sig")
    assert "Kecamatan Medansatria (Tahun 2024" in text and "30,00" in text
    assert "Kecamatan Bantargebang (Tahun 2024" in text
    # the other kota-level user of the kota follows it; the kecamatan never see it
    assert login("demo.admin_kota").get(job["status_url"]).status_code == 200
    for who in ("demo.admin", "demo.pimpinan"):
        assert_problem(login(who).get(job["status_url"]), 404)
        assert_problem(login(who).get(job["download_url"]), 404)
    _, docx = _recap(app, kota, {"year": 2024, "format": "docx", "source": "snapshot"}, True)
    doc = Document(io.BytesIO(docx.data))
    assert len(doc.tables) >= 3  # the summary and one per kecamatan


def test_an_export_job_has_exactly_one_owner(app, sample):
    uow = app.extensions["k3"].uow
    with uow() as s:
        kota = s.scalar(select(Kota.id))
        kec = s.scalar(select(Kecamatan.id))
    both = {"kecamatan_id": kec, "kota_id": kota, "kind": "kota", "source": "langsung"}
    for owner in (both, {"kind": "kota", "kota_id": kota}, {"kind": "lkip", "kota_id": kota}):
        job = ExportJob(
            requested_by=uuid.uuid4(),
            format="csv",
            period_kind="year",
            period_year=2024,
            period_number=1,
            status="menunggu",
            **owner,
        )
        with pytest.raises(IntegrityError), uow() as s, s.begin():
            s.add(job)


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
    for body, pointer in [
        ({"year": 2024, "format": "pdf"}, "/format"),
        ({"year": 2024}, "/format"),
        ({"year": 2099, "format": "csv"}, "/year"),
        ({"year": 2024, "format": "csv", "month": 1, "quarter": 1}, "/quarter"),
        ({"year": 2024, "format": "csv", "source": "x"}, "/source"),
    ]:
        got = assert_problem(kota.post("/api/v1/kota/rekap", json=body), 422)
        assert pointer in {e["pointer"] for e in got["errors"]}, (body, got)


HOSTILE = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.sampled_from(["\x00", "\ud800", "=1+1", "<b>x</b>", "1e309", "NaN", "9" * 40, "-0"]),
)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(bodies=st.lists(st.tuples(HOSTILE, HOSTILE, HOSTILE), min_size=1, max_size=4))
def test_hostile_recap_request_never_500(app, sample, bodies):
    c = login_client(app, "demo.kota")  # one sign-in for a few bodies
    for year, fmt, source in bodies:
        # as a browser sends it: JSON text, lone surrogates escaped
        raw = json.dumps({"year": year, "format": fmt, "source": source})
        r = c.post("/api/v1/kota/rekap", data=raw, content_type="application/json")
        assert r.status_code in (400, 422), r.get_data(as_text=True)
        assert r.mimetype == "application/problem+json"


def test_figures_equal_each_kecamatan_indicator(app, two):
    """The batched indicator answers exactly what `indicator` answers for each kecamatan,
    for every month, triwulan and the year, computed or from stored snapshots."""
    uow = app.extensions["k3"].uow
    everything = Scope.everything()
    with uow() as s:
        ids = {slug: kid for kid, slug in s.execute(select(Kecamatan.id, Kecamatan.slug))}
    ind.create_snapshot(uow, everything, OWN, Period("month", 2024, 6))
    # January (before the neighbour's first decree), the snapshot's month, later months,
    # a triwulan, the year, and 2023 (the sample's figures entered by hand)
    periods = [Period("month", 2024, m) for m in (1, 6, 9, 12)]
    periods += [Period("quarter", 2024, 2), Period("year", 2024), Period("year", 2023)]
    keys = [*INDICATOR_KEYS, "rule_version", "kecamatan", "snapshot_id", "period_label"]
    for p in periods:
        for source in ("langsung", "snapshot"):
            got = ind.figures(uow, everything, list(ids.values()), p, source)
            assert set(got) == set(ids.values())
            for slug, kid in ids.items():
                try:
                    [want] = ind.indicator(uow, everything, [slug], p, source)
                except InvalidInput as exc:
                    assert got[kid] == exc.message, (p, slug)
                    continue
                g = got[kid]
                assert not isinstance(g, str), (p, slug, g)
                assert {k: getattr(g, k) for k in keys} == {k: getattr(want, k) for k in keys}
    # another kecamatan's id is left out of a narrower scope
    assert set(ind.figures(uow, Scope.of(ids[OWN]), list(ids.values()), periods[0])) == {ids[OWN]}


def _contract_app() -> Any:
    """An app of its own on the test database (as tests/integration/test_contract.py):
    Schemathesis needs the schema when the module is collected, before any fixture."""
    from api import create_app  # why: only the contract below needs an app at collection
    from tests.support.services import load_test_settings  # why: same, and it needs env

    application = create_app(load_test_settings())
    application.config["TESTING"] = True
    return application


# test_contract.py fuzzes every operation as a kecamatan admin and a petugas (refused here,
# 403); this fuzzes the recap request as the kota user it is for.
recap_contract = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _contract_app()).include(
    method="POST", path="/api/v1/kota/rekap"
)


@pytest.fixture()
def kota_bearer(login: Any) -> dict[str, str]:
    return {"Authorization": "Bearer " + login("demo.kota").tokens["access_token"]}


@recap_contract.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_recap_request_contract_as_kota(case: Any, kota_bearer: dict[str, str]) -> None:
    if case.meta is not None and case.meta.generation.mode.is_positive:
        # rules a JSON Schema cannot carry (documented): a period that has begun, and a
        # month or a triwulan, not both
        case.body["year"] = 2024
        if "month" in case.body:
            case.body.pop("quarter", None)
    case.call_and_validate(headers=kota_bearer)


def test_the_worker_builds_the_xlsx_recap_with_a_table_per_kecamatan(app, two, login, worker):
    """Last in the module: the real worker (module-scoped) builds the queued recap."""
    from openpyxl import load_workbook  # why: only this test reads a workbook

    kota = _kota(login)
    job, f = _recap(app, kota, {"year": 2024, "format": "xlsx"})
    assert job["filename"] == "rekap-kota-wilayah-tertib-tahun-2024.xlsx"
    assert "rekap-kota-wilayah-tertib-tahun-2024.xlsx" in f.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(f.data)).active
    assert ws is not None
    titles = [str(c.value) for c in ws["A"] if c.value]
    assert any(t.startswith("Rekap Kota: Capaian per Kecamatan") for t in titles)
    names = [
        i["kecamatan_name"]
        for i in kota.get("/api/v1/kota/ringkasan?year=2024").get_json()["items"]
    ]
    assert len(names) >= 2
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
