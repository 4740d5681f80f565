"""What the trantib console reads from the API: officers' full names on reports (by role),
a photo's distance from its report's zone, and a snapshot's approval (when, by whom)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update

from k3zones.models import Report
from tests.support.world import OWN, make_world

FULL = "Petugas Satpol PP (Demo)"  # demo.petugas's full name


def _names(c: Any, rid: str) -> tuple[Any, Any]:
    one = c.get(f"/api/v1/reports/{rid}").get_json()
    listed = next(
        i for i in c.get("/api/v1/reports?limit=200").get_json()["items"] if i["id"] == rid
    )
    assert one["officer"] == listed["officer"] == "demo.petugas"
    return one["officer_name"], listed["officer_name"]


def test_officer_name_by_role(sample, app, login):  # type: ignore[no-untyped-def]
    w = make_world(app)
    team = w.team_id("Tim 3 Pilar Medansatria (Demo)")
    rid = w.report(OWN, author="demo.petugas", photos=0, team=team)
    # The kecamatan office and the city-level readers read the full name.
    for who in ("demo.trantib", "demo.pimpinan", "demo.admin", "demo.kota"):
        assert _names(login(who), rid) == (FULL, FULL), who
    # The officer on their own report; a team-mate keeps the username only.
    assert _names(login("demo.petugas"), rid) == (FULL, FULL)
    assert _names(login("demo.petugas2"), rid) == (None, None)
    # The POST's own answer (kept for retries) names the officer too.
    with w.uow() as s:
        first = s.get(Report, uuid.UUID(rid))
        assert first is not None and first.first_response["officer_name"] == FULL


def _set_zone(w: Any, rid: str, zid: str | None) -> None:
    with w.uow() as s, s.begin():
        s.execute(
            update(Report)
            .where(Report.id == uuid.UUID(rid))
            .values(zone_id=uuid.UUID(zid) if zid else None)
        )


def test_photo_distance_from_the_zone(sample, app, login):  # type: ignore[no-untyped-def]
    w = make_world(app)
    rid = w.report(OWN, author="demo.petugas")
    _set_zone(w, rid, w.zone(OWN))
    pid = w.photo_of(rid, "demo.petugas", processed=True)  # its EXIF GPS: far from Bekasi
    # Every reader of the report reads it, like the flags' numbers (not the GPS point).
    for who in ("demo.trantib", "demo.pimpinan", "demo.petugas"):
        [p] = login(who).get(f"/api/v1/reports/{rid}").get_json()["photos"]
        assert p["id"] == pid and p["taken_at"] is not None
        assert isinstance(p["zone_distance_m"], int) and p["zone_distance_m"] > 100_000, who
    _set_zone(w, rid, None)  # a report without a zone: no distance
    [p] = login("demo.trantib").get(f"/api/v1/reports/{rid}").get_json()["photos"]
    assert p["zone_distance_m"] is None


def test_snapshot_list_shows_who_approved_and_when(sample_2024, login):  # type: ignore[no-untyped-def]
    trantib, pim = login("demo.trantib"), login("demo.pimpinan")
    snap = trantib.post("/api/v1/snapshots", json={"year": 2024}).get_json()
    [row] = trantib.get("/api/v1/snapshots").get_json()
    assert row["approved"] is False
    assert row["approved_at"] is None and row["approved_by_name"] is None
    ok = pim.post(f"/api/v1/snapshots/{snap['snapshot_id']}/approve")
    assert ok.status_code == 200
    [row] = trantib.get("/api/v1/snapshots").get_json()
    assert row["approved"] is True and row["approved_by_name"] == "Camat Medansatria (Demo)"
    assert row["approved_at"].startswith("20") and "T" in row["approved_at"]
