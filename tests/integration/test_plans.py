"""Jadwal patroli against the real database, Redis and worker: plans, tasks materialised
per WIB day (idempotent, catching up), fulfilled by reports (JSON and ODK), late, missed;
the officer's tasks with ETag; coverage; hostile input refused in Bahasa Indonesia."""

from __future__ import annotations

import base64
import io
import json
import time
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from geoalchemy2.shape import to_shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from k3zones.enums import ReportType, TaskState
from k3zones.errors import NotFound
from k3zones.models import AuditLog, PatrolPlan, PatrolPlanVersion, PatrolTask, Zone
from k3zones.periods import WIB, Period, today_wib
from k3zones.scope import Scope
from k3zones.services import exports as export_service
from k3zones.services import plans
from tests.support.http import assert_problem, demo_password
from tests.support.payloads import odk_instance, report
from tests.support.plans import missed_task, plan
from tests.support.strategies import json_values
from tests.support.world import OTHER, OWN_TEAM, make_world

HOSTILE = st.one_of(
    json_values,
    st.sampled_from(["\x00", "\ud800", "<b>x</b>", "=1+1", "FREQ=DAILY\x00", "a" * 5000]),
)
WHOLE_DAY = {"window_start": "00:00", "window_end": "24:00", "late_minutes": 0}


def _wib(d: date, h: int, m: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, h, m, tzinfo=WIB)


def _sample_ids(client: Any) -> dict[str, Any]:
    zones = client.get("/api/v1/zones").get_json()["features"]
    teams = {t["name"]: t["id"] for t in client.get("/api/v1/teams").get_json()}
    sultan = next(z["id"] for z in zones if z["properties"]["name"] == "Jl. Sultan Agung")
    return {
        "decree": zones[0]["properties"]["decree_id"],
        "zones": [z["id"] for z in zones],
        "sultan": sultan,
        "team": teams[OWN_TEAM],
    }


def _plan(client: Any, ids: dict[str, Any], **over: Any) -> dict[str, Any]:
    body = {
        "name": "Patroli harian semua titik",
        "rrule": "FREQ=DAILY",
        "activity": "patroli",
        "team_id": ids["team"],
        "target": f"sk:{ids['decree']}",
        **WHOLE_DAY,
    } | over
    r = client.post("/api/v1/plans", json=body)
    assert r.status_code == 201, r.get_json()
    return dict(r.get_json())


def _tasks(uow: Any, **where: Any) -> list[PatrolTask]:
    with uow() as s:
        q = select(PatrolTask).order_by(PatrolTask.day, PatrolTask.zone_id)
        for k, v in where.items():
            q = q.where(getattr(PatrolTask, k) == v)
        return list(s.scalars(q))


def _per_day(uow: Any, plan_id: str) -> dict[date, int]:
    with uow() as s:
        rows = s.execute(
            select(PatrolTask.day, func.count())
            .where(PatrolTask.plan_id == uuid.UUID(plan_id))
            .group_by(PatrolTask.day)
        ).all()
    return {d: int(n) for d, n in rows}


def _report(client: Any, at: datetime, zone: str | None = None, **over: Any) -> dict[str, Any]:
    body = report(
        started_at=at.isoformat(), ended_at=(at + timedelta(minutes=1)).isoformat(), **over
    )
    if zone:
        body["zone_id"] = zone
    r = client.post("/api/v1/reports", json=body)
    assert r.status_code == 201, r.get_json()
    return dict(r.get_json())


def test_daily_plan_for_the_ten_sample_zones_across_a_month_end(app, sample, login, uow):
    trantib = login("demo.trantib")
    ids = _sample_ids(trantib)
    assert len(ids["zones"]) == 10
    p = _plan(trantib, ids)
    today = today_wib()
    assert p["latest"]["target_label"].startswith("Semua zona SK")
    assert _per_day(uow, p["id"]) == {today: 10}  # today's at once
    # Beat runs on the following days, through a month end (and a WIB midnight each day).
    last = today + timedelta(days=40)
    crossed = False
    d = today + timedelta(days=1)
    while d <= last:
        r = plans.run_beat(uow, _wib(d, 0, 5))
        assert r.created == 10, (d, r)
        crossed = crossed or d.day == 1
        d += timedelta(days=1)
    assert crossed
    per_day = _per_day(uow, p["id"])
    assert set(per_day.values()) == {10} and len(per_day) == 41
    # Again, and from an earlier moment: nothing new.
    assert plans.run_beat(uow, _wib(last, 23, 59)).created == 0
    assert plans.run_beat(uow, _wib(last - timedelta(days=3), 12)).created == 0
    assert sum(_per_day(uow, p["id"]).values()) == 410
    # Each run marked the days before missed; at 23:59 of `last` its tasks are still open,
    # at 00:00 of the next day they have ended (terlewat).
    states = [t.state for t in _tasks(uow, plan_id=uuid.UUID(p["id"]))]
    assert states.count(TaskState.TERLEWAT) == 400 and states.count(TaskState.TERJADWAL) == 10
    assert plans.run_beat(uow, _wib(last, 23, 59)).missed == 0
    nxt = last + timedelta(days=1)
    with uow() as s, s.begin():  # beat must not create the next day's yet for this check
        s.execute(update(PatrolPlan).values(materialised_through=nxt))
    assert plans.run_beat(uow, _wib(nxt, 0, 0)).missed == 10


def test_quarterly_three_pillar_plan_one_task_per_zone_per_triwulan(app, sample, login, uow):
    trantib = login("demo.trantib")
    ids = _sample_ids(trantib)
    today = today_wib()
    p = _plan(
        trantib,
        ids,
        name="Operasi gabungan 3 pilar",
        activity="penertiban",
        rrule="FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1",
        target=f"zona:{ids['sultan']}",
        window_start="08:00",
        window_end="17:00",
        span_days=30,
        valid_from=date(today.year + 1, 1, 1).isoformat(),
    )
    assert p["latest"]["units"] == ["kecamatan", "koramil", "polsek", "satpol_pp"]
    start = date(today.year + 1, 1, 1)
    d = start
    while d.year == start.year:  # a year of daily beat runs
        plans.run_beat(uow, _wib(d, 0, 5))
        d += timedelta(days=1)
    days = sorted(_per_day(uow, p["id"]))
    assert [(x.month, x.day) for x in days] == [(1, 1), (4, 1), (7, 1), (10, 1)]
    t = _tasks(uow, plan_id=uuid.UUID(p["id"]))[0]
    assert t.window_end - t.window_start == timedelta(days=29, hours=9)


def test_reports_fulfil_arrive_late_or_miss_and_midnight_is_exact(app, sample, login, uow):
    trantib, phone = login("demo.trantib"), login("demo.petugas")
    ids = _sample_ids(trantib)
    today = today_wib()
    yday = today - timedelta(days=1)
    made = {}
    for d in (yday, today):
        r = trantib.post(
            "/api/v1/tasks",
            json={
                "zone_id": ids["sultan"],
                "team_id": ids["team"],
                "activity": "patroli",
                "date": d.isoformat(),
                **WHOLE_DAY,
            },
        )
        assert r.status_code == 201, r.get_json()
        made[d] = r.get_json()
    assert made[yday]["state"] == "terlewat" and made[today]["state"] == "terjadwal"
    assert made[today]["geometry"]["type"] == "LineString"
    # 23:59 WIB belongs to yesterday's task, 00:00 to today's; sent late (offline phone)
    # yesterday's missed task is done after all: the device time counts.
    r1 = _report(phone, _wib(yday, 23, 59), team_id=ids["team"])
    r2 = _report(phone, _wib(today, 0, 0), team_id=ids["team"])
    got = {t.day: t for t in _tasks(uow, zone_id=uuid.UUID(ids["sultan"]))}
    assert (got[yday].state, str(got[yday].report_id)) == (TaskState.SELESAI, r1["id"])
    assert (got[today].state, str(got[today].report_id)) == (TaskState.SELESAI, r2["id"])
    assert got[today].units_present == ["kecamatan", "koramil", "polsek", "satpol_pp"]

    # A morning window with an hour's allowance: a report after it is late, one after the
    # allowance fulfils nothing and the task stays missed.
    zone2 = ids["zones"][1] if ids["zones"][1] != ids["sultan"] else ids["zones"][2]
    with uow() as s:
        z2 = s.get(Zone, uuid.UUID(zone2))
        assert z2 is not None
        c = to_shape(z2.geom).representative_point()
    loc = {"type": "Point", "coordinates": [c.x, c.y]}
    for late_by, want in ((30, "terlambat"), (90, "terlewat")):
        t = trantib.post(
            "/api/v1/tasks",
            json={
                "zone_id": zone2,
                "team_id": ids["team"],
                "activity": "penertiban",
                "date": yday.isoformat(),
                "window_start": "07:00",
                "window_end": "09:00",
                "late_minutes": 60,
            },
        ).get_json()
        assert t["state"] == "terlewat"
        _report(
            phone,
            _wib(yday, 9) + timedelta(minutes=late_by),
            zone=zone2,
            type="penertiban",
            location=loc,
            actions=[{"kind": "teguran_lisan", "count": 1}],
        )  # no team named: the officer's teams that day
        [row] = [x for x in _tasks(uow, zone_id=uuid.UUID(zone2)) if str(x.id) == t["id"]]
        assert row.state == want, (late_by, row.state)
    # A missed or late task takes a reason from its team; an open or done one does not.
    missed_id = str(row.id)
    r = phone.post(f"/api/v1/tasks/{missed_id}/reason", json={"reason": "Ban motor bocor."})
    assert r.status_code == 200 and r.get_json()["reason"] == "Ban motor bocor."
    assert_problem(
        phone.post(f"/api/v1/tasks/{made[today]['id']}/reason", json={"reason": "x"}),
        409,
        "terlewat/terlambat",
    )
    other_phone = login("demo.petugas2")  # in the 3-pilar team too: may
    r = other_phone.post(f"/api/v1/tasks/{missed_id}/reason", json={"reason": "ok"})
    assert r.status_code == 200


def test_odk_submission_fulfils_its_task(app, sample, login, uow, anon):
    trantib = login("demo.trantib")
    ids = _sample_ids(trantib)
    task = plans.create_adhoc(
        uow,
        make_world(app).principal("demo.trantib"),
        plans.AdhocInput(
            zone_id=uuid.UUID(ids["sultan"]),
            team_id=uuid.UUID(ids["team"]),
            activity=ReportType.PENERTIBAN,
            day=date(2024, 5, 2),
            window_start="08:00",
            window_end="10:00",
        ),
    )
    assert task.state == "terlewat"
    iid = str(uuid.uuid4())
    raw = f"demo.petugas:{demo_password('demo.petugas')}".encode()
    r = anon.post(
        "/openrosa/medansatria/submission",
        data={
            "xml_submission_file": (
                io.BytesIO(odk_instance(iid, zone=ids["sultan"], photos=0)),
                "submission.xml",
                "text/xml",
            )
        },
        headers={"Authorization": "Basic " + base64.b64encode(raw).decode()},
        content_type="multipart/form-data",
    )
    assert r.status_code == 201, r.data
    [t] = [x for x in _tasks(uow) if x.id == task.id]
    assert (t.state, str(t.report_id)) == (TaskState.SELESAI, iid)
    assert t.units_present == ["kecamatan", "koramil", "polsek"]


def test_a_plan_change_applies_from_its_date_only(app, sample, login, uow):
    trantib = login("demo.trantib")
    ids = _sample_ids(trantib)
    today = today_wib()
    p = _plan(trantib, ids, target=f"zona:{ids['sultan']}")
    assert len(_per_day(uow, p["id"])) == 1
    change_on = today + timedelta(days=3)
    body = {
        "name": "Patroli Senin",
        "rrule": "FREQ=WEEKLY;BYDAY=MO",
        "activity": "patroli",
        "team_id": ids["team"],
        "target": f"zona:{ids['sultan']}",
        "window_start": "08:00",
        "window_end": "10:00",
        "valid_from": change_on.isoformat(),
    }
    assert_problem(
        trantib.put(
            f"/api/v1/plans/{p['id']}",
            json=body | {"valid_from": (today - timedelta(days=1)).isoformat()},
        ),
        422,
        "hari ini atau nanti",
    )
    r = trantib.put(f"/api/v1/plans/{p['id']}", json=body)
    assert r.status_code == 200, r.get_json()
    view = r.get_json()
    assert [v["version"] for v in view["versions"]] == [1, 2]
    assert view["versions"][0]["rrule"] == "FREQ=DAILY"  # history kept
    for i in range(1, 22):
        plans.run_beat(uow, _wib(today + timedelta(days=i), 0, 5))
    tasks = _tasks(uow, plan_id=uuid.UUID(p["id"]))
    before = [t for t in tasks if t.day < change_on]
    after = [t for t in tasks if t.day >= change_on]
    assert [t.day for t in before] == [today + timedelta(days=i) for i in range(3)]
    assert all(t.plan_version == 1 for t in before)
    assert after and all(
        t.plan_version == 2 and t.day.weekday() == 0 and t.window_start.astimezone(WIB).hour == 8
        for t in after
    )


def test_downtime_catch_up_makes_no_duplicates_and_takes_waiting_reports(app, sample, login, uow):
    trantib, phone = login("demo.trantib"), login("demo.petugas")
    ids = _sample_ids(trantib)
    today = today_wib()
    p = _plan(trantib, ids, target=f"zona:{ids['sultan']}")
    # Beat was down: nothing materialised for today yet, and a report came in meanwhile.
    with uow() as s, s.begin():
        s.execute(PatrolTask.__table__.delete())
        s.execute(update(PatrolPlan).values(materialised_through=today - timedelta(days=1)))
    rep = _report(phone, _wib(today, 0, 1), team_id=ids["team"])
    r = plans.run_beat(uow)
    assert (r.created, r.fulfilled) == (1, 1)
    [t] = _tasks(uow, plan_id=uuid.UUID(p["id"]))
    assert str(t.report_id) == rep["id"] and t.state == TaskState.SELESAI
    # Down for five days: the run after catches up each day once.
    later = today + timedelta(days=5)
    assert plans.run_beat(uow, _wib(later, 9)).created == 5
    assert plans.run_beat(uow, _wib(later, 9)).created == 0
    assert sorted(_per_day(uow, p["id"]).values()) == [1] * 6


def test_beat_through_the_real_worker_is_idempotent(app, sample, login, uow, worker):
    trantib = login("demo.trantib")
    ids = _sample_ids(trantib)
    p = _plan(trantib, ids)
    # A plan made three days ago whose tasks were never materialised (beat was down).
    three_ago = today_wib() - timedelta(days=3)
    with uow() as s, s.begin():
        s.execute(PatrolTask.__table__.delete())
        s.execute(update(PatrolPlanVersion).values(valid_from=three_ago))
        s.execute(update(PatrolPlan).values(materialised_through=three_ago))
    celery = app.extensions["celery"]
    for _ in range(3):
        celery.send_task("workers.tasks.patrol_tasks")
    end = time.monotonic() + 30
    while time.monotonic() < end and len(_per_day(uow, p["id"])) < 3:
        time.sleep(0.3)
    time.sleep(1.5)  # the other runs have had their turn
    per_day = _per_day(uow, p["id"])
    assert len(per_day) == 3 and set(per_day.values()) == {10}, per_day


def _basic(username: str) -> str:
    token = base64.b64encode(f"{username}:{demo_password(username)}".encode()).decode()
    return f"Basic {token}"


def test_my_tasks_only_my_teams_with_etag(app, sample, login, uow):
    trantib = login("demo.trantib")
    ids = _sample_ids(trantib)
    # One WIB day throughout (the plan's first), even when the run crosses 00:00 WIB.
    p = _plan(trantib, ids, target=f"zona:{ids['sultan']}")
    day = date.fromisoformat(p["versions"][0]["valid_from"])
    phone = login("demo.petugas")
    on = f"/api/v1/me/tasks?date={day.isoformat()}"
    r = phone.get(on)
    assert r.status_code == 200
    [t] = r.get_json()["tasks"]
    assert t["zone_name"] == "Jl. Sultan Agung" and t["geometry"]["type"] == "LineString"
    assert t["activity"] == "patroli" and t["units"]
    etag = r.headers["ETag"]
    # the same list as ODK media (tugas.csv), for Collect offline
    officer = make_world(app).principal("demo.petugas")
    csv_rows = plans.tasks_csv(uow, officer, day).decode()
    assert csv_rows.splitlines()[1].startswith(t["id"] + ",patroli Jl. Sultan Agung 00:00-24:00")
    # ODK Collect gets it as form media: listed in the manifest, served with Basic sign-in
    # (the media is always today's list: compared with today's, read right after it).
    collect = app.test_client()
    auth = {"Authorization": _basic("demo.petugas")}
    manifest = collect.get("/openrosa/medansatria/forms/k3-patroli/manifest", headers=auth)
    assert b"<filename>tugas.csv</filename>" in manifest.data
    media = collect.get("/openrosa/medansatria/forms/k3-patroli/tugas.csv", headers=auth)
    assert media.status_code == 200 and media.mimetype == "text/csv"
    assert media.data.decode() == plans.tasks_csv(uow, officer, today_wib()).decode()
    again = phone.get(on, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    # A change to one of them is a new ETag: a report a minute ago, kept within the day.
    at = datetime.now(tz=WIB) - timedelta(minutes=1)
    at = min(max(at, _wib(day, 0)), _wib(day, 23, 58))
    _report(phone, at, team_id=ids["team"])
    changed = phone.get(on, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    # Another officer of another team sees nothing of it; a past day is empty.
    assert login("demo.trantib").get(on).get_json()["tasks"] == []
    assert phone.get("/api/v1/me/tasks?date=2020-01-01").get_json()["tasks"] == []


def test_coverage_per_zone_week_and_stale_zones(app, sample, login, uow):
    trantib, phone = login("demo.trantib"), login("demo.petugas")
    ids = _sample_ids(trantib)
    today = today_wib()
    yday = today - timedelta(days=1)
    for zone in [ids["sultan"], *[z for z in ids["zones"] if z != ids["sultan"]][:2]]:
        trantib.post(
            "/api/v1/tasks",
            json={
                "zone_id": zone,
                "team_id": ids["team"],
                "activity": "patroli",
                "date": yday.isoformat(),
                **WHOLE_DAY,
            },
        )
    rid = _report(phone, _wib(yday, 10), team_id=ids["team"])["id"]  # Sultan Agung (GPS)
    # Only an accepted patrol keeps a zone off the "no patrol for N days" list.
    q = f"year={yday.year}&month={yday.month}"
    pending = trantib.get(f"/api/v1/coverage?{q}").get_json()["zones_without_patrol"]
    assert len(pending) == 10 and pending[0]["days_without"] is None
    review = trantib.post(f"/api/v1/reports/{rid}/review", json={"state": "diterima"})
    assert review.status_code == 200
    cov = trantib.get(f"/api/v1/coverage?{q}").get_json()
    assert sum(r["planned"] for r in cov["rows"]) == 3
    done = [r for r in cov["rows"] if r["selesai"]]
    assert len(done) == 1 and done[0]["realisasi_pct"] == 100.0
    assert sum(r["terlewat"] for r in cov["rows"]) == 2
    [kec] = trantib.get(f"/api/v1/coverage?{q}&group_by=kecamatan&bucket=minggu").get_json()[
        "rows"
    ] or [None]
    if kec is not None:  # a week may straddle the month: one row per week
        assert kec["planned"] <= 3
    team = trantib.get(f"/api/v1/coverage?{q}&group_by=tim").get_json()["rows"]
    assert [(r["label"], r["planned"], r["selesai"]) for r in team] == [(OWN_TEAM, 3, 1)]
    assert team[0]["units_expected"] == 12 and team[0]["units_present"] == 4
    # Zones without a patrol in N days: all but Sultan Agung (patrolled yesterday).
    stale = {z["name"] for z in cov["zones_without_patrol"]}
    assert "Jl. Sultan Agung" not in stale and len(stale) == 9
    assert_problem(trantib.get(f"/api/v1/coverage?{q}&stale_days=0"), 422, "1 sampai 90")
    # LKIP "realisasi kegiatan": the export of the year carries the triwulan's figures.
    w = make_world(app)
    job = export_service.request_export(
        uow, w.principal("demo.trantib"), "medansatria", Period("year", yday.year), "csv"
    )
    assert export_service.build(uow, w.storage, job.id) == "selesai"
    key, _, _ = export_service.job_file(uow, Scope.everything(), job.id)
    text = w.storage.get_bytes(key).decode("utf-8-sig")
    assert "Realisasi Kegiatan Patroli dan Penertiban per Triwulan" in text
    quarter = ["I", "II", "III", "IV"][(yday.month - 1) // 3]
    assert f"Triwulan {quarter} {yday.year};Patroli;3;1;1;0;2;33,33;" in text, text
    assert_problem(
        login("demo.petugas").get(f"/api/v1/coverage?{q}"), 403
    )  # the office reads coverage


@pytest.mark.parametrize(
    ("rrule", "word"),
    [
        ("FREQ=SECONDLY", "DAILY"),
        ("FREQ=MINUTELY;INTERVAL=1", "DAILY"),
        ("FREQ=DAILY;COUNT=100000", "COUNT"),
        ("FREQ=DAILY;COUNT=5000", "COUNT harus"),
        ("FREQ=DAILY;INTERVAL=999", "INTERVAL harus"),
        ("FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21", "BYMONTH"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "tidak pernah terjadi"),
    ],
)
def test_hostile_rules_are_refused_quickly(app, sample, login, rrule, word):
    trantib = login("demo.trantib")
    ids = _sample_ids(trantib)
    t0 = time.perf_counter()
    r = trantib.post(
        "/api/v1/plans",
        json={
            "name": "Uji",
            "rrule": rrule,
            "activity": "patroli",
            "team_id": ids["team"],
            "target": f"zona:{ids['sultan']}",
            "window_start": "07:00",
            "window_end": "08:00",
        },
    )
    body = assert_problem(r, 422, word)
    assert any(e["pointer"] == "/rrule" for e in body["errors"])
    assert time.perf_counter() - t0 < 2


def test_plans_are_refused_to_officers_and_other_kecamatan_refs_are_not_found(app, sample, login):
    trantib = login("demo.trantib")
    ids = _sample_ids(trantib)
    body = {
        "name": "Uji",
        "rrule": "FREQ=DAILY",
        "activity": "patroli",
        "team_id": ids["team"],
        "target": f"zona:{ids['sultan']}",
        "window_start": "07:00",
        "window_end": "08:00",
    }
    assert_problem(login("demo.petugas").post("/api/v1/plans", json=body), 403)
    assert_problem(
        trantib.post("/api/v1/plans", json=body | {"team_id": str(uuid.uuid4())}),
        404,
        "Tim tidak ditemukan",
    )
    assert_problem(
        trantib.post("/api/v1/plans", json=body | {"target": "kelurahan:tidak-ada"}),
        404,
        "Kelurahan",
    )
    assert_problem(trantib.post("/api/v1/plans", json=body | {"window_end": "25:00"}), 422, "JJ:MM")
    # a 3-pilar plan must expect the three pillars
    assert_problem(trantib.post("/api/v1/plans", json=body | {"units": ["polsek"]}), 422, "koramil")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=HOSTILE, rrule=HOSTILE, note=HOSTILE)
def test_hostile_strings_never_500(app, sample, name, rrule, note):
    c = app.test_client()
    r = c.post(
        "/api/v1/auth/login",
        json={"username": "demo.trantib", "password": demo_password("demo.trantib")},
    )
    c.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + r.get_json()["access_token"]
    resp = c.post(
        "/api/v1/plans",
        content_type="application/json",
        data=json.dumps(
            {
                "name": name,
                "rrule": rrule,
                "activity": "patroli",
                "team_id": str(uuid.uuid4()),
                "target": f"zona:{uuid.uuid4()}",
                "window_start": "07:00",
                "window_end": "08:00",
                "note": note,
            }
        ),
    )
    assert resp.status_code in (404, 422), resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    other = c.post(
        f"/api/v1/tasks/{uuid.uuid4()}/reason",
        content_type="application/json",
        data=json.dumps({"reason": note}),
    )
    assert other.status_code in (404, 422), other.get_data(as_text=True)


def test_services_refuse_another_kecamatans_plans_and_tasks(app, sample):
    w = make_world(app)
    own_plan, other_task = plan(w, "medansatria"), missed_task(w, OTHER)
    elsewhere = Scope.of(999)
    with pytest.raises(NotFound):
        plans.get_plan(w.uow, elsewhere, uuid.UUID(own_plan))
    with pytest.raises(NotFound):
        plans.coverage(w.uow, elsewhere, "medansatria", Period("year", 2024))
    with pytest.raises(NotFound):
        plans.set_reason(w.uow, w.principal("demo.trantib"), uuid.UUID(other_task), "x")
    assert plans.list_plans(w.uow, elsewhere, None) == []
    # Bantargebang's trantib cannot change Medansatria's plan
    with pytest.raises(NotFound):
        plans.change_plan(
            w.uow,
            w.principal("trantib.bantargebang"),
            uuid.UUID(own_plan),
            plans.PlanInput(
                name="x",
                rrule="FREQ=DAILY",
                activity=ReportType.PATROLI,
                team_id=uuid.UUID(w.team(OTHER)),
                target=f"zona:{w.zone(OTHER)}",
                window_start="07:00",
                window_end="08:00",
            ),
        )


def test_kelurahan_target_and_stopping_a_plan(app, sample, login, uow):
    trantib = login("demo.trantib")
    ids = _sample_ids(trantib)
    zones = trantib.get("/api/v1/zones").get_json()["features"]
    kel = zones[0]["properties"]["kelurahan"]
    in_kel = [z for z in zones if z["properties"]["kelurahan"] == kel]
    p = _plan(trantib, ids, target=f"kelurahan:{kel}")
    today = today_wib()
    assert _per_day(uow, p["id"]) == {today: len(in_kel)}
    assert p["latest"]["target"] == f"kelurahan:{kel}"
    stop_on = today + timedelta(days=2)
    body = {k: v for k, v in p["latest"].items() if k in ("rrule", "activity", "team_id")}
    r = trantib.put(
        f"/api/v1/plans/{p['id']}",
        json=body
        | {
            "name": p["name"],
            "target": p["latest"]["target"],
            "window_start": "00:00",
            "window_end": "24:00",
            "active": False,
            "valid_from": stop_on.isoformat(),
        },
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["latest"]["active"] is False
    with uow() as s:  # plans and their versions are in the audit trail, with who did it
        logged = s.execute(
            select(AuditLog.entity, AuditLog.actor).where(
                AuditLog.entity.in_(["patrol_plan", "patrol_plan_version"])
            )
        ).all()
    assert {e for e, _ in logged} == {"patrol_plan", "patrol_plan_version"}
    assert {a for _, a in logged} == {"demo.trantib"}
    for i in range(1, 6):
        plans.run_beat(uow, _wib(today + timedelta(days=i), 0, 5))
    assert sorted(_per_day(uow, p["id"])) == [today, today + timedelta(days=1)]


def test_a_window_over_before_the_plan_existed_is_not_a_missed_task(app, sample, login, uow):
    trantib = login("demo.trantib")
    ids = _sample_ids(trantib)
    if datetime.now(tz=WIB).time() < datetime.strptime("00:02", "%H:%M").time():
        pytest.skip("the 00:00-00:01 window of today has not ended yet")
    p = _plan(trantib, ids, window_start="00:00", window_end="00:01", late_minutes=0)
    assert _per_day(uow, p["id"]) == {}
    tomorrow = today_wib() + timedelta(days=1)
    assert plans.run_beat(uow, _wib(tomorrow, 0, 0)).created == 10  # from tomorrow on
