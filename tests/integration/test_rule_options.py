"""The options of the assessment rules, as Seksi Trantib meets them: an open complaint in a
zone counts as a violation (and stops counting when it closes); a zone without an accepted
patrol for N days is flagged; a report names the task it fulfils (ODK tugas.csv, JSON
task_id); an amended or rejected report gives its task back."""

from __future__ import annotations

import base64
import io
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from k3zones.audit import SYSTEM, acting_as
from k3zones.enums import ComplaintChannel, ReportType, TaskState
from k3zones.models import AuditLog, PatrolTask
from k3zones.periods import WIB, now_utc, today_wib
from k3zones.services import complaints, plans
from k3zones.services.zone_status import recompute_zone
from tests.support.complaints import NO_MERGE, complaint_input
from tests.support.http import assert_problem, demo_password
from tests.support.payloads import SULTAN_AGUNG, odk_instance, report
from tests.support.world import OWN, OWN_TEAM, make_world

SULTAN = "Jl. Sultan Agung"


def _zones(client: Any) -> dict[str, str]:
    fc = client.get("/api/v1/zones").get_json()
    return {f["properties"]["name"]: f["id"] for f in fc["features"]}


def _team(client: Any) -> str:
    return next(t["id"] for t in client.get("/api/v1/teams").get_json() if t["name"] == OWN_TEAM)


def _accepted(
    phone: Any, trantib: Any, zid: str, at: datetime, kind: str = "patroli", **over: Any
) -> str:
    body = report(
        zone_id=zid,
        type=kind,
        started_at=at.isoformat(),
        ended_at=None,
        findings=[],
        photos_expected=0,
        **over,
    )
    r = phone.post("/api/v1/reports", json=body)
    assert r.status_code == 201, r.get_json()
    rid = str(r.get_json()["id"])
    ok = trantib.post(f"/api/v1/reports/{rid}/review", json={"state": "diterima"})
    assert ok.status_code == 200, ok.get_json()
    return rid


def _layak(app: Any, phone: Any, trantib: Any, zid: str) -> None:
    """One accepted penertiban and four clean patrol days in the window: layak tertib."""
    now = datetime.now(tz=WIB).replace(microsecond=0)
    _accepted(phone, trantib, zid, now - timedelta(days=5), "penertiban")
    for d in range(1, 5):
        _accepted(phone, trantib, zid, now - timedelta(days=d))
    recompute_zone(app.extensions["k3"].uow, uuid.UUID(zid))  # what the worker does


def _complaint(app: Any) -> tuple[str, str]:
    """A citizen's complaint on Jl. Sultan Agung (state baru): (id, code)."""
    ctx = app.extensions["k3"]
    lon, lat = SULTAN_AGUNG
    with acting_as(SYSTEM):
        done = complaints.submit(
            ctx.uow,
            ctx.storage,
            complaint_input(OWN, lat=lat, lon=lon),
            channel=ComplaintChannel.FORMULIR,
            kecamatan_slug=OWN,
            duplicate=NO_MERGE,
        )
    return str(done.id), str(done.code)


def _act(client: Any, cid: str, **body: Any) -> dict[str, Any]:
    r = client.post(f"/api/v1/complaints/{cid}/actions", json=body)
    assert r.status_code == 200, r.get_json()
    return dict(r.get_json())


def _status(client: Any, zid: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/zones/{zid}/status")
    assert r.status_code == 200, r.get_json()
    return dict(r.get_json())


def test_an_accepted_complaint_knocks_the_zone_down_until_it_is_closed(app, sample, login):
    trantib, phone = login("demo.trantib"), login("demo.petugas")
    zid, team = _zones(trantib)[SULTAN], _team(trantib)
    _layak(app, phone, trantib, zid)
    assert _status(trantib, zid)["status"] == "layak_tertib"
    cid, code = _complaint(app)
    assert trantib.get(f"/api/v1/complaints/{cid}").get_json()["zone_id"] == zid
    # An unchecked citizen claim (baru) changes nothing.
    st = _status(trantib, zid)
    assert st["status"] == "layak_tertib" and st["open_complaints"] == []
    # Accepted by Seksi Trantib: the zone falls at once, naming the complaint.
    _act(trantib, cid, action="terima", reason="Benar ada PKL")
    st = _status(trantib, zid)
    assert st["status"] == "dalam_penertiban"
    assert st["history"][0]["reason"] == f"Ada 1 pengaduan terbuka ({code})."
    assert st["history"][0]["actor"] == "demo.trantib"
    assert st["evidence"]["pengaduan_terbuka"] == [code]
    assert st["open_complaints"] == [{"id": cid, "code": code, "state": "diterima"}]
    _act(trantib, cid, action="tugaskan", reason="Tim berangkat", team_id=team)
    st = _status(trantib, zid)
    assert st["status"] == "dalam_penertiban" and st["open_complaints"][0]["state"] == "ditugaskan"
    # The team's penertiban report, accepted, closes it: the zone is back.
    now = datetime.now(tz=WIB) - timedelta(minutes=1)
    rid = _accepted(phone, trantib, zid, now, "penertiban", team_id=team)
    _act(trantib, cid, action="tangani", reason="Laporan tim", report_id=rid)
    assert _status(trantib, zid)["status"] == "dalam_penertiban"
    _act(trantib, cid, action="selesai", reason="Sudah ditertibkan")
    st = _status(trantib, zid)
    assert st["status"] == "layak_tertib" and st["open_complaints"] == []
    assert "pengaduan_terbuka" not in st["evidence"]
    # Verified tertib; a complaint accepted after that makes the verification fall, like a
    # patrol that finds a violation. Merged into another, it no longer counts.
    v = trantib.post(f"/api/v1/zones/{zid}/verify", json={"kategori": "baik"})
    assert v.get_json()["status"] == "tertib"
    second, code2 = _complaint(app)
    _act(trantib, second, action="terima", reason="Spanduk liar")
    st = _status(trantib, zid)
    assert (st["status"], st["verified_at"], st["history"][0]["kind"]) == (
        "dalam_penertiban",
        None,
        "fallback",
    )
    assert f"pengaduan {code2}" in st["history"][0]["reason"]
    third, _ = _complaint(app)
    _act(trantib, third, action="terima", reason="Laporan warga lain")
    assert len(_status(trantib, zid)["open_complaints"]) == 2
    merged = trantib.post(
        f"/api/v1/complaints/{third}/merge", json={"into": second, "reason": "Sama"}
    )
    assert merged.status_code == 200
    assert [c["code"] for c in _status(trantib, zid)["open_complaints"]] == [code2]
    # Refused: gone from the count; reconsidered (kembali): counts again.
    _act(
        trantib,
        second,
        action="tolak",
        reason="Bukan wewenang",
        reject_reason="bukan_wewenang",
        public_note="Diteruskan ke dinas terkait",
    )
    assert _status(trantib, zid)["status"] == "layak_tertib"
    _act(trantib, second, action="kembali", reason="Ternyata wewenang kami")
    assert _status(trantib, zid)["status"] == "dalam_penertiban"


def test_with_the_option_off_complaints_do_not_count_and_rules_keep_versions(app, sample, login):
    trantib, phone = login("demo.trantib"), login("demo.petugas")
    zid = _zones(trantib)[SULTAN]
    rules = {"min_penertiban": 1, "window_days": 14, "min_patrols": 4}
    r = trantib.put("/api/v1/assessment-rules", json={**rules, "complaints_violate": False})
    assert r.status_code == 201 and r.get_json()["version"] == 2
    [v2, v1] = trantib.get("/api/v1/assessment-rules").get_json()
    assert (v2["complaints_violate"], v2["stale_days"], v2["current"]) == (False, 7, True)
    assert (v1["complaints_violate"], v1["stale_days"]) == (True, 7)
    _layak(app, phone, trantib, zid)
    cid, code = _complaint(app)
    _act(trantib, cid, action="terima", reason="Benar")
    st = _status(trantib, zid)
    assert st["status"] == "layak_tertib" and st["rule_version"] == 2
    assert st["open_complaints"] == [{"id": cid, "code": code, "state": "diterima"}]
    # Switched back on (a new version; an option left out keeps its value): counts again.
    r = trantib.put("/api/v1/assessment-rules", json={**rules, "complaints_violate": True})
    assert r.get_json()["version"] == 3
    r = trantib.put("/api/v1/assessment-rules", json={**rules, "stale_days": 30})
    [v4] = trantib.get("/api/v1/assessment-rules").get_json()[:1]
    assert (v4["version"], v4["complaints_violate"], v4["stale_days"]) == (4, True, 30)
    recompute_zone(app.extensions["k3"].uow, uuid.UUID(zid))
    assert _status(trantib, zid)["status"] == "dalam_penertiban"
    for bad in (0, 91, "tujuh"):
        resp = trantib.put("/api/v1/assessment-rules", json={**rules, "stale_days": bad})
        assert_problem(resp, 422, "stale_days")
    resp = trantib.put("/api/v1/assessment-rules", json={**rules, "complaints_violate": "x"})
    assert_problem(resp, 422, "complaints_violate")


def test_a_zone_without_an_accepted_patrol_for_n_days_is_flagged(app, sample, login):
    trantib, phone = login("demo.trantib"), login("demo.petugas")
    zones = _zones(trantib)
    zid = zones[SULTAN]
    never = next(z for n, z in zones.items() if n != SULTAN)
    st = _status(trantib, never)
    assert (st["last_patrol_at"], st["days_without_patrol"], st["stale"], st["stale_days"]) == (
        None,
        None,
        True,
        7,
    )
    at = datetime.now(tz=WIB).replace(microsecond=0) - timedelta(days=9)
    _accepted(phone, trantib, zid, at)
    # A newer patrol that is still waiting for review does not count.
    pending = report(zone_id=zid, started_at=datetime.now(tz=WIB).isoformat(), ended_at=None)
    assert phone.post("/api/v1/reports", json=pending).status_code == 201
    st = _status(trantib, zid)
    assert datetime.fromisoformat(st["last_patrol_at"]) == at
    assert st["days_without_patrol"] == (today_wib() - at.date()).days == 9
    assert st["stale"] is True
    year, month = today_wib().year, today_wib().month
    cov = trantib.get(f"/api/v1/coverage?year={year}&month={month}").get_json()
    assert cov["stale_days"] == 7 and zid in {z["zone_id"] for z in cov["zones_without_patrol"]}
    # The rules' stale_days moves both; the query parameter still wins for coverage.
    rules = {"min_penertiban": 1, "window_days": 14, "min_patrols": 4, "stale_days": 10}
    assert trantib.put("/api/v1/assessment-rules", json=rules).status_code == 201
    st = _status(trantib, zid)
    assert (st["stale"], st["stale_days"], st["days_without_patrol"]) == (False, 10, 9)
    # The map's zone list carries the flag (one query for all zones), and one zone too.
    props = {f["id"]: f["properties"] for f in trantib.get("/api/v1/zones").get_json()["features"]}
    assert props[zid]["stale"] is False and props[never]["stale"] is True
    assert trantib.get(f"/api/v1/zones/{never}").get_json()["properties"]["stale"] is True
    cov = trantib.get(f"/api/v1/coverage?year={year}&month={month}").get_json()
    assert cov["stale_days"] == 10 and zid not in {
        z["zone_id"] for z in cov["zones_without_patrol"]
    }
    cov = trantib.get(f"/api/v1/coverage?year={year}&month={month}&stale_days=3").get_json()
    assert cov["stale_days"] == 3 and zid in {z["zone_id"] for z in cov["zones_without_patrol"]}


def _adhoc(
    who: Any, uow: Any, zid: str, team: str, activity: ReportType, day: date, start: str, end: str
) -> uuid.UUID:
    t = plans.create_adhoc(
        uow,
        who,
        plans.AdhocInput(
            zone_id=uuid.UUID(zid),
            team_id=uuid.UUID(team),
            activity=activity,
            day=day,
            window_start=start,
            window_end=end,
            late_minutes=0,
        ),
    )
    return t.id


def _task(uow: Any, tid: uuid.UUID) -> PatrolTask:
    with uow() as s:
        t = s.get(PatrolTask, tid)
        assert t is not None
        return t


def _odk(anon: Any, xml: bytes) -> None:
    raw = f"demo.petugas:{demo_password('demo.petugas')}".encode()
    r = anon.post(
        "/openrosa/medansatria/submission",
        data={"xml_submission_file": (io.BytesIO(xml), "submission.xml", "text/xml")},
        headers={"Authorization": "Basic " + base64.b64encode(raw).decode()},
        content_type="multipart/form-data",
    )
    assert r.status_code == 201, r.data


def _naming(xml: bytes, task: object) -> bytes:
    return xml.replace(b"<notes>", f"<tugas>{task}</tugas><notes>".encode())


def test_an_odk_submission_fulfils_the_task_it_names(app, sample, login, uow, anon):
    trantib = login("demo.trantib")
    zid, team = _zones(trantib)[SULTAN], _team(trantib)
    other_zone = next(z for n, z in _zones(trantib).items() if n != SULTAN)
    who = make_world(app).principal("demo.trantib")
    day = date(2024, 5, 2)  # the sample instance is a penertiban at 08:15 WIB that day
    early = _adhoc(who, uow, zid, team, ReportType.PENERTIBAN, day, "06:00", "10:00")
    named = _adhoc(who, uow, zid, team, ReportType.PENERTIBAN, day, "08:00", "12:00")
    elsewhere = _adhoc(who, uow, other_zone, team, ReportType.PENERTIBAN, day, "08:00", "12:00")
    # Named: that task, not the one the usual matching would take (the earliest window).
    first = str(uuid.uuid4())
    _odk(anon, _naming(odk_instance(first, zone=zid, photos=0), named))
    t = _task(uow, named)
    assert (t.state, str(t.report_id)) == (TaskState.SELESAI, first)
    assert _task(uow, early).state == TaskState.TERLEWAT
    # A task of another zone does not fit: ignored without an error, usual matching.
    second = str(uuid.uuid4())
    _odk(anon, _naming(odk_instance(second, zone=zid, photos=0), elsewhere))
    assert _task(uow, elsewhere).state == TaskState.TERLEWAT
    t = _task(uow, early)
    assert (t.state, str(t.report_id)) == (TaskState.SELESAI, second)
    # JSON reports take a task_id too; one that is not an id is a field error.
    body = report(task_id="bukan-uuid", zone_id=zid)
    assert_problem(login("demo.petugas").post("/api/v1/reports", json=body), 422, "task_id")


def test_an_amended_or_rejected_report_gives_its_task_back(app, sample, login, uow):
    trantib, phone = login("demo.trantib"), login("demo.petugas")
    zones = _zones(trantib)
    zid, team = zones[SULTAN], _team(trantib)
    other = next(z for n, z in zones.items() if n != SULTAN)
    past = date(2024, 5, 2)
    who = make_world(app).principal("demo.trantib")
    here = _adhoc(who, uow, zid, team, ReportType.PATROLI, past, "08:00", "10:00")
    there = _adhoc(who, uow, other, team, ReportType.PATROLI, past, "08:00", "10:00")
    body = report(zone_id=zid, team_id=team, photos_expected=0)  # 08:15 WIB that day
    r = phone.post("/api/v1/reports", json=body)
    assert r.status_code == 201
    rid = body["id"]
    assert _task(uow, here).state == TaskState.SELESAI
    # Amended to another zone: this task is missed again (its window is over), the
    # other zone's task is fulfilled by the amended report.
    amended = {k: v for k, v in body.items() if k != "id"} | {"zone_id": other}
    r = phone.patch(f"/api/v1/reports/{rid}", json=amended)
    assert r.status_code == 200, r.get_json()
    h, t = _task(uow, here), _task(uow, there)
    assert (h.state, h.report_id, h.done_at) == (TaskState.TERLEWAT, None, None)
    assert (t.state, str(t.report_id)) == (TaskState.SELESAI, rid)
    with uow() as s:
        logged = s.execute(
            select(AuditLog.actor, AuditLog.changes).where(
                AuditLog.entity == "patrol_task", AuditLog.entity_id == str(here)
            )
        ).all()
    assert any(a == "demo.petugas" and "state" in str(c) for a, c in logged), logged
    # Rejected in review: today's task it fulfilled is open again (its window has not
    # ended), and the report fulfils nothing.
    today = today_wib()
    now = now_utc().astimezone(WIB)
    whole = _adhoc(who, uow, zid, team, ReportType.PATROLI, today, "00:00", "24:00")
    at = max(now - timedelta(minutes=1), datetime(today.year, today.month, today.day, tzinfo=WIB))
    body = report(
        zone_id=zid, team_id=team, started_at=at.isoformat(), ended_at=None, photos_expected=0
    )
    assert phone.post("/api/v1/reports", json=body).status_code == 201
    assert _task(uow, whole).state == TaskState.SELESAI
    no = trantib.post(
        f"/api/v1/reports/{body['id']}/review",
        json={"state": "ditolak", "note": "Foto bukan di lokasi"},
    )
    assert no.status_code == 200
    w = _task(uow, whole)
    assert (w.state, w.report_id) == (TaskState.TERJADWAL, None)
    # Accepted after all (review changed): it fulfils its task again.
    ok = trantib.post(f"/api/v1/reports/{body['id']}/review", json={"state": "diterima"})
    assert ok.status_code == 200
    assert _task(uow, whole).state == TaskState.SELESAI
