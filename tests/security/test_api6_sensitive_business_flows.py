"""API6:2023 Unrestricted Access to Sensitive Business Flows, for k3zones.

The flows of this API worth abusing are the ones that make a zone look tertib and feed
the LKIP (the Wilayah Tertib indicator): filing reports, accepting them, verifying a
zone, approving the year's snapshot and exporting it. This module proves each is
guarded in the way that flow needs, not only by "is signed in":

- nobody accepts their own report (a trantib who also patrols cannot self-review), and a
  petugas cannot review at all;
- a zone verified without the rules' evidence needs a written note and stays marked
  `verified_without_evidence` (visible in its status), so it cannot pass silently;
- one officer cannot flood fake patrol reports: the per-officer limit stops them (429
  with Retry-After), while the phone's retries of the same report stay free;
- one photo reused across reports is flagged (duplicate, with the report it came from)
  by the real worker, and the report list can filter for it;
- a petugas cannot take or approve the indicator snapshot nor create LKIP exports; only
  the pimpinan approves the snapshot.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from typing import Any

import pytest

from tests.support.http import assert_problem, login_client
from tests.support.paths import PHOTOS
from tests.support.payloads import report


def zone_id(client: Any, name: str) -> str:
    fc = client.get("/api/v1/zones").get_json()
    return str(next(f["id"] for f in fc["features"] if f["properties"]["name"] == name))


def test_nobody_reviews_their_own_report(sample, login):
    trantib, phone = login("demo.trantib"), login("demo.petugas")
    own = trantib.post("/api/v1/reports", json=report(photos_expected=0)).get_json()["id"]
    assert_problem(
        trantib.post(f"/api/v1/reports/{own}/review", json={"state": "diterima"}),
        403,
        "Laporan sendiri",
    )
    theirs = phone.post("/api/v1/reports", json=report(photos_expected=0)).get_json()["id"]
    assert_problem(phone.post(f"/api/v1/reports/{theirs}/review", json={"state": "diterima"}), 403)
    assert_problem(phone.post(f"/api/v1/reports/{own}/review", json={"state": "diterima"}), 403)
    # The report stays waiting; another reviewer may accept it.
    assert trantib.get(f"/api/v1/reports/{own}").get_json()["review_state"] == "menunggu"
    r = login("demo.admin").post(f"/api/v1/reports/{own}/review", json={"state": "diterima"})
    assert r.status_code == 200 and r.get_json()["review_state"] == "diterima"


def test_verifying_a_zone_without_evidence_needs_a_note_and_is_marked(sample, login):
    trantib = login("demo.trantib")
    zid = zone_id(trantib, "Contoh Zona Kuning 1 (Kalibaru)")
    assert trantib.get(f"/api/v1/zones/{zid}/status").get_json()["status"] == "belum_tertib"
    for body in ({"kategori": "baik"}, {"kategori": "baik", "note": "   "}):
        assert_problem(trantib.post(f"/api/v1/zones/{zid}/verify", json=body), 422, "catatan")
    assert_problem(
        login("demo.petugas").post(
            f"/api/v1/zones/{zid}/verify", json={"kategori": "baik", "note": "Sudah tertib"}
        ),
        403,
    )
    r = trantib.post(
        f"/api/v1/zones/{zid}/verify", json={"kategori": "kurang", "note": "Ditinjau di lapangan"}
    )
    assert r.status_code == 200, r.get_json()
    st = login("demo.pimpinan").get(f"/api/v1/zones/{zid}/status").get_json()
    assert st["verified_without_evidence"] is True
    assert st["verification_note"] == "Ditinjau di lapangan"


@pytest.fixture(scope="module")
def low(settings: Any, engine: Any) -> Any:
    from api import create_app  # lazy: like tests/conftest.py

    return create_app(replace(settings, report_limit_per_officer="6 per hour;20 per day"))


def test_mass_fake_reports_from_one_officer_hit_the_limit(low, sample):
    phone = login_client(low, "demo.petugas")
    colleague = login_client(low, "demo.petugas2")
    for _ in range(6):
        assert phone.post("/api/v1/reports", json=report()).status_code == 201
    r = phone.post("/api/v1/reports", json=report())
    assert_problem(r, 429, "Terlalu banyak")
    assert int(r.headers["Retry-After"]) > 0
    listed = phone.get("/api/v1/reports?limit=200").get_json()["items"]
    assert len(listed) == 6  # nothing past the limit was stored
    assert colleague.post("/api/v1/reports", json=report()).status_code == 201


def _processed(phone: Any, rid: str, timeout: float = 90) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        body: dict[str, Any] = phone.get(f"/api/v1/reports/{rid}").get_json()
        if body["photos"] and all(p["status"] != "diterima" for p in body["photos"]):
            return body
        time.sleep(0.2)
    raise AssertionError(f"photos of {rid} not processed in {timeout}s")


def test_one_photo_reused_across_reports_is_flagged(sample, login, worker):
    phone = login("demo.petugas")
    photo = (PHOTOS / "jpg_mobile_HMD_Nokia_8.3_5G.jpg").read_bytes()
    rids = []
    for _ in range(2):
        rid = phone.post("/api/v1/reports", json=report()).get_json()["id"]
        r = phone.put(
            f"/api/v1/reports/{rid}/photos/{uuid.uuid4()}", data=photo, content_type="image/jpeg"
        )
        assert r.status_code == 201, r.get_json()
        _processed(phone, rid)
        rids.append(rid)
    [dup] = _processed(phone, rids[1])["photos"]
    assert dup["flags"]["duplicate"]["report_id"] == rids[0]
    [orig] = _processed(phone, rids[0])["photos"]
    assert "duplicate" not in orig["flags"]
    trantib = login("demo.trantib")
    listed = trantib.get("/api/v1/reports?flag=photo_duplicate").get_json()["items"]
    assert [i["id"] for i in listed] == [rids[1]]


def test_a_petugas_cannot_approve_the_lkip_numbers(sample, login):
    phone, trantib, pim = login("demo.petugas"), login("demo.trantib"), login("demo.pimpinan")
    assert_problem(phone.post("/api/v1/snapshots", json={"year": 2024}), 403)
    r = trantib.post("/api/v1/snapshots", json={"year": 2024})
    assert r.status_code in (200, 201), r.get_json()
    sid = r.get_json()["snapshot_id"]
    for who in (phone, trantib):  # only the pimpinan approves
        assert_problem(who.post(f"/api/v1/snapshots/{sid}/approve"), 403)
    assert_problem(phone.post("/api/v1/exports", json={"format": "csv", "year": 2024}), 403)
    assert_problem(phone.get("/api/v1/snapshots"), 403)
    ok = pim.post(f"/api/v1/snapshots/{sid}/approve")
    assert ok.status_code == 200 and ok.get_json()["approved"] is True
