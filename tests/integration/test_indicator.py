"""Zone status, verification and the Wilayah Tertib indicator, against real PostGIS."""

from __future__ import annotations

import uuid
import zlib
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from k3zones.assessment import Rules
from k3zones.models import IndicatorSnapshot, Outbox, Zone
from k3zones.periods import WIB
from k3zones.services import indicator as ind
from k3zones.services.zone_status import counts_at, recompute_zone
from tests.support.http import assert_problem
from tests.support.payloads import report


def zone_id(client: Any, name: str) -> str:
    fc = client.get("/api/v1/zones").get_json()
    return next(f["id"] for f in fc["features"] if f["properties"]["name"] == name)


def accepted(
    phone: Any,
    trantib: Any,
    zid: str,
    day: str,
    kind: str = "patroli",
    violations: int = 0,
    hour: str = "08:00",
    when: str | None = None,
) -> str:
    started = when or f"{day}T{hour}:00+07:00"
    body = report(
        zone_id=zid,
        type=kind,
        started_at=started,
        ended_at=None,
        findings=[{"kind": "pkl", "count": violations}] if violations else [],
        photos_expected=0,
    )
    rid = phone.post("/api/v1/reports", json=body).get_json()["id"]
    assert (
        trantib.post(f"/api/v1/reports/{rid}/review", json={"state": "diterima"}).status_code == 200
    )
    return rid


def test_2024_figures_of_the_lkip(sample_2024, login):
    r = login("demo.pimpinan").get("/api/v1/indicators/wilayah-tertib?year=2024")
    assert r.status_code == 200, r.get_json()
    [item] = r.get_json()["items"]
    assert (item["zones_designated"], item["zones_tertib"]) == (10, 3)
    assert (item["realisasi_pct"], item["target_pct"], item["capaian_pct"]) == (30, 30, 100)
    assert item["zones_needed"] == 3
    tertib = sorted((z["name"], z["kategori"]) for z in item["zones"] if z["status"] == "tertib")
    assert tertib == [
        ("Jl. Alexindo", "baik"),
        ("Jl. Jenderal Sudirman", "baik"),
        ("Jl. Sultan Agung", "baik"),
    ]
    # Mid-year only Sultan Agung and Sudirman were verified.
    q2 = login("demo.pimpinan").get("/api/v1/indicators/wilayah-tertib?year=2024&quarter=2")
    assert q2.get_json()["items"][0]["zones_tertib"] == 2
    march = login("demo.pimpinan").get("/api/v1/indicators/wilayah-tertib?year=2024&month=3")
    assert march.get_json()["items"][0]["zones_tertib"] == 1


def test_2023_is_kept_as_entered(sample_2024, login):
    [item] = (
        login("demo.trantib").get("/api/v1/indicators/wilayah-tertib?year=2023").get_json()["items"]
    )
    assert item["source"] == "manual"
    assert (item["target_pct"], item["realisasi_pct"], item["capaian_pct"]) == (83, 85, 102)


def test_bad_periods(sample_2024, login):
    c = login("demo.trantib")
    assert_problem(c.get("/api/v1/indicators/wilayah-tertib?year=2099"), 422, "belum dimulai")
    assert_problem(c.get("/api/v1/indicators/wilayah-tertib?year=2020"), 422, "sebelum SK")
    assert_problem(
        c.get("/api/v1/indicators/wilayah-tertib?year=2024&month=13"), 422, "1 sampai 12"
    )
    assert_problem(
        c.get("/api/v1/indicators/wilayah-tertib?year=2024&month=1&quarter=1"),
        422,
        "bukan keduanya",
    )
    assert_problem(c.get("/api/v1/indicators/wilayah-tertib?month=1"), 422, "Wajib")
    assert_problem(c.get("/api/v1/indicators/wilayah-tertib?year=2024&kecamatan=bekasi-timur"), 404)


def test_city_reader_sees_every_kecamatan(sample_2024, login):
    items = login("demo.kota").get("/api/v1/indicators/wilayah-tertib?year=2024").get_json()
    # Both sample kecamatan of Kota Bekasi (Bekasi Utara is the neighbour, DATA CONTOH).
    assert sorted(i["kecamatan"] for i in items["items"]) == ["bekasiutara", "medansatria"]


def test_rules_at_their_edges(sample, app, login):
    """4 clean patrol days in the last 14 (WIB) after a penertiban: layak tertib; 3 days,
    a patrol 14 days back, or a violation on the last day: not."""
    phone, trantib = login("demo.petugas"), login("demo.trantib")
    zid = zone_id(phone, "Contoh Zona Kuning 3 (Medansatria)")
    uow = app.extensions["k3"].uow
    rules = Rules(1)
    at = datetime(2024, 5, 20, 12, 0, tzinfo=WIB)

    def counts():
        with uow() as s:
            return counts_at(s, 1, at, rules, [uuid.UUID(zid)]).get(uuid.UUID(zid))

    accepted(phone, trantib, zid, "2024-04-01", "penertiban", violations=5)
    accepted(phone, trantib, zid, "2024-05-06")  # 14 days back: outside the window
    for day in ("2024-05-07", "2024-05-10", "2024-05-15"):  # day 13 back is inside
        accepted(phone, trantib, zid, day)
    c = counts()
    assert (c.penertiban, c.patrol_days, c.violating_patrols) == (1, 3, 0)
    accepted(phone, trantib, zid, "2024-05-15", hour="16:00")  # same day: still 3 days
    assert counts().patrol_days == 3
    accepted(phone, trantib, zid, "2024-05-20", hour="11:59")
    assert counts().patrol_days == 4
    accepted(phone, trantib, zid, "2024-05-20", hour="12:01")  # after `at`: not yet
    assert counts().patrol_days == 4
    accepted(phone, trantib, zid, "2024-05-20", violations=1, hour="09:00")
    assert counts().violating_patrols == 1


def test_verify_fall_back_and_withdraw(sample, app, login, engine):
    phone, trantib = login("demo.petugas"), login("demo.trantib")
    zid = zone_id(phone, "Contoh Zona Kuning 1 (Kalibaru)")
    st = trantib.get(f"/api/v1/zones/{zid}/status").get_json()
    assert st["status"] == "belum_tertib"
    assert_problem(
        trantib.post(f"/api/v1/zones/{zid}/verify", json={"kategori": "baik"}), 422, "catatan"
    )
    assert_problem(phone.post(f"/api/v1/zones/{zid}/verify", json={"kategori": "baik"}), 403)
    # Enough evidence: a penertiban and 4 clean patrol days, in the last 14 days.
    today = datetime.now(tz=WIB).date()
    accepted(phone, trantib, zid, (today - timedelta(days=10)).isoformat(), "penertiban", 4)
    for d in (1, 2, 3, 4):
        accepted(phone, trantib, zid, (today - timedelta(days=d)).isoformat())
    # The reviews queued one coalesced recomputation for the zone.
    with engine.connect() as c:
        pending = c.execute(
            select(func.count())
            .select_from(Outbox)
            .where(Outbox.dispatched_at.is_(None), Outbox.dedup_key == f"zone:{zid}")
        ).scalar()
    assert pending == 1
    assert recompute_zone(app.extensions["k3"].uow, uuid.UUID(zid)) == "layak_tertib"
    r = trantib.post(f"/api/v1/zones/{zid}/verify", json={"kategori": "cukup", "note": "Cek"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "tertib" and not r.get_json()["verified_without_evidence"]
    # Violations return: the zone falls back and the verification is void.
    accepted(phone, trantib, zid, "", violations=2, when=datetime.now(tz=WIB).isoformat())
    assert recompute_zone(app.extensions["k3"].uow, uuid.UUID(zid)) == "dalam_penertiban"
    st = trantib.get(f"/api/v1/zones/{zid}/status").get_json()
    assert st["verified_at"] is None and st["history"][0]["kind"] == "fallback"
    # Verified without the rules' evidence: only with a note, and marked.
    r = trantib.post(
        f"/api/v1/zones/{zid}/verify",
        json={"kategori": "kurang", "note": "Ditinjau langsung di lapangan"},
    )
    assert r.get_json()["verified_without_evidence"] is True
    assert_problem(trantib.post(f"/api/v1/zones/{zid}/withdraw", json={"note": ""}), 422)
    r = trantib.post(f"/api/v1/zones/{zid}/withdraw", json={"note": "Salah input"})
    assert r.get_json()["status"] == "dalam_penertiban"
    kinds = [h["kind"] for h in r.get_json()["history"]]
    assert kinds[:3] == ["withdraw", "verify", "fallback"]


def test_month_boundary_is_wib(sample_2024, login, app):
    phone, trantib = login("demo.petugas"), login("demo.trantib")
    zid = zone_id(phone, "Jl. Sultan Agung")  # verified baik on 15 March 2024
    accepted(phone, trantib, zid, "2024-06-01", violations=3, hour="00:00")
    pim = login("demo.pimpinan")

    def tertib(month: int) -> int:
        return pim.get(f"/api/v1/indicators/wilayah-tertib?year=2024&month={month}").get_json()[
            "items"
        ][0]["zones_tertib"]

    assert tertib(5) == 1  # 00:00 WIB on 1 June is June, not May
    assert tertib(6) == 1  # Sudirman verified 14 June; Sultan Agung fell back
    accepted(phone, trantib, zid, "2024-05-31", violations=1, hour="23:59")
    assert tertib(5) == 0


def test_snapshots_are_immutable_approved_by_pimpinan_and_exclusive(sample_2024, login, engine):
    trantib, pim = login("demo.trantib"), login("demo.pimpinan")
    r = trantib.post("/api/v1/snapshots", json={"year": 2024})
    assert r.status_code == 201, r.get_json()
    snap = r.get_json()
    assert snap["source"] == "snapshot" and snap["zones_tertib"] == 3
    assert_problem(trantib.post(f"/api/v1/snapshots/{snap['snapshot_id']}/approve"), 403)
    ok = pim.post(f"/api/v1/snapshots/{snap['snapshot_id']}/approve")
    assert ok.status_code == 200 and ok.get_json()["approved"] is True
    # A later change does not rewrite the snapshot.
    zid = zone_id(trantib, "Jl. Alexindo")
    trantib.post(f"/api/v1/zones/{zid}/withdraw", json={"note": "Uji"})
    via = pim.get("/api/v1/indicators/wilayah-tertib?year=2024&source=snapshot").get_json()
    assert via["items"][0]["zones_tertib"] == 3 and via["items"][0]["approved"]
    assert (
        pim.get("/api/v1/indicators/wilayah-tertib?year=2024").get_json()["items"][0][
            "zones_tertib"
        ]
        == 3
    )  # Alexindo was withdrawn now, after 2024
    # While one recomputation holds the period, another is answered 409.
    key = zlib.crc32(f"snapshot:1:year:{date(2024, 1, 1)}".encode())
    with engine.begin() as c:
        c.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
        assert_problem(
            trantib.post("/api/v1/snapshots", json={"year": 2024}), 409, "sedang berjalan"
        )
    assert len(trantib.get("/api/v1/snapshots").get_json()) == 1


def test_fall_in_violations_against_a_baseline(sample, login):
    phone, trantib = login("demo.petugas"), login("demo.trantib")
    zid = zone_id(phone, "Jl. Sultan Agung")
    accepted(phone, trantib, zid, "2024-01-10", violations=40)
    accepted(phone, trantib, zid, "2024-02-10", violations=10)
    r = trantib.get(
        "/api/v1/indicators/penurunan-pelanggaran?year=2024&month=2"
        "&baseline_year=2024&baseline_month=1"
    ).get_json()
    assert (r["baseline_violations"], r["violations"], r["penurunan_pct"]) == (40, 10, 75)


def test_zone_rows_count_designated_by_decree_date(sample_2024, app):
    with app.extensions["k3"].uow() as s:
        assert s.scalar(select(func.count()).select_from(Zone)) == 10 + 4  # + Bekasi Utara


def test_rules_are_versioned_and_old_snapshots_keep_theirs(sample_2024, login, app):
    trantib = login("demo.trantib")
    first = trantib.post("/api/v1/snapshots", json={"year": 2024}).get_json()
    assert first["rule_version"] == 1
    assert_problem(
        trantib.put(
            "/api/v1/assessment-rules",
            json={"min_penertiban": 1, "window_days": 7, "min_patrols": 9},
        ),
        422,
        "Hari patroli",
    )
    r = trantib.put(
        "/api/v1/assessment-rules",
        json={"min_penertiban": 2, "window_days": 21, "min_patrols": 6, "notes": "Perwal 2025"},
    )
    assert r.status_code == 201 and r.get_json()["version"] == 2
    rules = trantib.get("/api/v1/assessment-rules").get_json()
    assert [x["version"] for x in rules] == [2, 1] and rules[0]["current"]
    second = trantib.post("/api/v1/snapshots", json={"year": 2024}).get_json()
    assert second["rule_version"] == 2
    listed = {s["id"]: s["rule_version"] for s in trantib.get("/api/v1/snapshots").get_json()}
    assert listed[first["snapshot_id"]] == 1 and listed[second["snapshot_id"]] == 2
    assert_problem(
        login("demo.petugas").put(
            "/api/v1/assessment-rules",
            json={"min_penertiban": 1, "window_days": 14, "min_patrols": 4},
        ),
        403,
    )


def test_monthly_snapshot_completes_once_even_after_a_crash(sample_2024, app, monkeypatch):
    uow = app.extensions["k3"].uow
    calls = {"n": 0}
    real = ind.compute

    def dying(*a: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise SystemExit("worker killed mid-snapshot")
        return real(*a, **kw)

    monkeypatch.setattr(ind, "compute", dying)
    with pytest.raises(SystemExit):
        ind.monthly_snapshots(uow)
    with uow() as s:
        assert s.scalar(select(func.count()).select_from(IndicatorSnapshot)) == 0
    # The task is delivered again (acks_late), and again after it has committed.
    # One per kecamatan (the two sample kecamatan).
    assert ind.monthly_snapshots(uow) == 2
    assert ind.monthly_snapshots(uow) == 0
    with uow() as s:
        assert s.scalar(select(func.count()).select_from(IndicatorSnapshot)) == 2


def test_a_past_year_is_entered_by_hand_and_kept_as_entered(sample_2024, login):
    pim = login("demo.pimpinan")
    r = pim.put(
        "/api/v1/indicators/wilayah-tertib/manual/2022",
        json={"target_pct": 80, "realisasi_pct": 82.5, "capaian_pct": 103.13, "notes": "LKIP 2022"},
    )
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["source"], r.get_json()["realisasi_pct"]) == ("manual", 82.5)
    this_year = datetime.now(tz=WIB).year
    assert_problem(
        pim.put(
            f"/api/v1/indicators/wilayah-tertib/manual/{this_year}",
            json={"target_pct": 1, "realisasi_pct": 1, "capaian_pct": 1},
        ),
        422,
        "dihitung dari laporan",
    )
    assert_problem(
        login("demo.trantib").put(
            "/api/v1/indicators/wilayah-tertib/manual/2022",
            json={"target_pct": 1, "realisasi_pct": 1, "capaian_pct": 1},
        ),
        403,
    )


def test_a_2024_verification_has_ended_by_2026(sample_2024, login):
    """Default rule: a verification holds to the end of triwulan I of the next year. The
    sample's 2024 verifications count in 2024 and no longer in 2026; the zones are listed
    as due for re-verification; a rule of more days brings them back."""
    c = login("demo.trantib")
    zid = zone_id(c, "Jl. Sultan Agung")
    st = c.get(f"/api/v1/zones/{zid}/status").get_json()
    assert st["status"] != "tertib" and st["perlu_verifikasi_ulang"] is True
    assert st["verification_expires_at"].startswith("2025-03-31T23:59:59.999999+07:00")
    assert "perlu verifikasi ulang" in st["history"][0]["reason"]
    [y26] = c.get("/api/v1/indicators/wilayah-tertib?year=2026").get_json()["items"]
    assert y26["zones_tertib"] == 0
    [y24] = c.get("/api/v1/indicators/wilayah-tertib?year=2024").get_json()["items"]
    assert y24["zones_tertib"] == 3
    due = login("demo.kota").get("/api/v1/verifications/due?kecamatan=medansatria").get_json()
    names = [i["name"] for i in due["items"]]
    assert sorted(names) == ["Jl. Alexindo", "Jl. Jenderal Sudirman", "Jl. Sultan Agung"]
    assert all(i["expired"] for i in due["items"])
    assert [i["expires_at"] for i in due["items"]] == sorted(i["expires_at"] for i in due["items"])
    # Rules: 1095 days hold the 2024 verifications until 2027; a new version says so.
    rules = c.get("/api/v1/assessment-rules").get_json()[0]
    assert rules["verification_valid_days"] is None
    body = {k: rules[k] for k in ("min_penertiban", "window_days", "min_patrols")}
    assert_problem(
        c.put("/api/v1/assessment-rules", json={**body, "verification_valid_days": 29}),
        422,
        "verification_valid_days",
    )
    assert (
        c.put(
            "/api/v1/assessment-rules", json={**body, "verification_valid_days": 1095}
        ).status_code
        == 201
    )
    assert c.get("/api/v1/assessment-rules").get_json()[0]["verification_valid_days"] == 1095
    [y26] = c.get("/api/v1/indicators/wilayah-tertib?year=2026").get_json()["items"]
    assert y26["zones_tertib"] == 3
    assert c.get("/api/v1/verifications/due").get_json()["items"] == []
    # Left out, the option keeps its value; null goes back to the default rule.
    assert c.put("/api/v1/assessment-rules", json=body).status_code == 201
    assert c.get("/api/v1/assessment-rules").get_json()[0]["verification_valid_days"] == 1095
    assert (
        c.put(
            "/api/v1/assessment-rules", json={**body, "verification_valid_days": None}
        ).status_code
        == 201
    )
    assert c.get("/api/v1/assessment-rules").get_json()[0]["verification_valid_days"] is None
    [y26] = c.get("/api/v1/indicators/wilayah-tertib?year=2026").get_json()["items"]
    assert y26["zones_tertib"] == 0


def test_what_changed_since_the_last_approved_snapshot(sample_2024, login):
    trantib, pim = login("demo.trantib"), login("demo.pimpinan")
    a = trantib.post("/api/v1/snapshots", json={"year": 2024}).get_json()["snapshot_id"]
    first = trantib.get(f"/api/v1/snapshots/{a}/changes").get_json()
    assert first["previous_id"] is None and first["previous_approved_at"] is None
    assert first["figures"]["zones_tertib"] == [None, 3]
    assert len(first["zones"]) == 10 and all(z["before"] is None for z in first["zones"])
    assert pim.post(f"/api/v1/snapshots/{a}/approve").status_code == 200
    # 2026: the 2024 verifications have ended; only those 3 zones changed.
    b = trantib.post("/api/v1/snapshots", json={"year": 2026}).get_json()["snapshot_id"]
    ch = pim.get(f"/api/v1/snapshots/{b}/changes").get_json()
    assert ch["previous_id"] == a and ch["previous_approved_at"]
    assert ch["figures"] == {
        "zones_designated": [10, 10],
        "zones_tertib": [3, 0],
        "realisasi_pct": [30, 0],
    }
    assert [(z["name"], z["before"]) for z in ch["zones"]] == [
        ("Jl. Alexindo", "tertib"),
        ("Jl. Jenderal Sudirman", "tertib"),
        ("Jl. Sultan Agung", "tertib"),
    ]
    assert all(z["after"] != "tertib" for z in ch["zones"])
    assert_problem(trantib.get(f"/api/v1/snapshots/{uuid.uuid4()}/changes"), 404)
