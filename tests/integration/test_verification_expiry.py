"""A verification whose validity ended: reads only read (the zone list, the map and the
status GET give one answer, and write nothing); the 00:00 WIB beat job expires it, with
its reason recorded in the zone's history and the evidence chain. On a frozen clock."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select

from k3zones.models import AuditLog, ChainEntry, ZoneStatus, ZoneStatusChange
from k3zones.periods import WIB
from k3zones.services import zone_status

ZONE = "Contoh Zona Kuning 1 (Kalibaru)"
# Verified today (2026 or later), the default rule holds it to 31 March of the next year.
JUST_BEFORE = (3, 31, 23, 59)
JUST_AFTER = (4, 1, 0, 0)
LATER_THAT_DAY = (4, 1, 10, 0)


def _wib(year: int, mdhm: tuple[int, int, int, int]) -> datetime:
    m, d, h, mi = mdhm
    return datetime(year, m, d, h, mi, tzinfo=WIB)


def _answers(c: Any, zid: str) -> tuple[str, str, str, dict[str, Any]]:
    """The zone's status in the list (console), the OGC map layer, and the status GET."""
    listed = next(
        f["properties"]["status"]
        for f in c.get("/api/v1/zones").get_json()["features"]
        if f["id"] == zid
    )
    ogc = c.get(f"/ogc/collections/zones/items/{zid}")
    mapped = ogc.get_json()["properties"]["status"] if ogc.status_code == 200 else "?"
    st = c.get(f"/api/v1/zones/{zid}/status").get_json()
    return listed, mapped, st["status"], st


def _rows(engine: Any) -> tuple[int, int, int, Any]:
    with engine.connect() as c:
        return (
            c.execute(select(func.count()).select_from(ZoneStatusChange)).scalar_one(),
            c.execute(select(func.count()).select_from(AuditLog)).scalar_one(),
            c.execute(select(func.count()).select_from(ChainEntry)).scalar_one(),
            c.execute(select(func.max(ZoneStatus.computed_at))).scalar_one(),
        )


def test_expiry_on_a_frozen_clock(sample, app, login, engine, monkeypatch):  # type: ignore[no-untyped-def]
    uow = app.extensions["k3"].uow
    trantib = login("demo.trantib")
    zid = next(
        f["id"]
        for f in trantib.get("/api/v1/zones").get_json()["features"]
        if f["properties"]["name"] == ZONE
    )
    r = trantib.post(f"/api/v1/zones/{zid}/verify", json={"kategori": "baik", "note": "Cek"})
    assert r.status_code == 200, r.get_json()
    year = datetime.fromisoformat(r.get_json()["verified_at"]).astimezone(WIB).year + 1
    assert r.get_json()["verification_expires_at"].startswith(f"{year}-03-31T23:59:59.999999")

    clock = {"now": _wib(year, JUST_BEFORE)}
    monkeypatch.setattr(zone_status, "now_utc", lambda: clock["now"])

    # Its last minute: the job expires nothing.
    assert zone_status.expire_verifications(uow) == 0
    # Validity ended, the job has not run (beat down): every reader says the same, and
    # reading writes nothing.
    clock["now"] = _wib(year, LATER_THAT_DAY)
    pimpinan = login("demo.pimpinan")
    before = _rows(engine)
    listed, mapped, got, st = _answers(trantib, zid)
    assert listed == mapped == got == "tertib"
    assert st["perlu_verifikasi_ulang"] is True
    listed, mapped, got, st = _answers(pimpinan, zid)
    assert listed == mapped == got == "tertib"
    assert _rows(engine) == before

    # The job (00:00 WIB): the zone is what its reports say; the change is recorded with
    # its reason, by the audit hook into the chain like every status change.
    clock["now"] = _wib(year, JUST_AFTER)
    assert zone_status.expire_verifications(uow) == 1
    changes, audits, chained, _ = _rows(engine)
    assert changes == before[0] + 1 and audits > before[1] and chained > before[2]
    clock["now"] = _wib(year, LATER_THAT_DAY)
    listed, mapped, got, st = _answers(trantib, zid)
    assert listed == mapped == got != "tertib"
    assert st["kategori"] is None and st["perlu_verifikasi_ulang"] is True
    top = st["history"][0]
    assert top["kind"] == "compute" and top["from"] == "tertib" and top["actor"] == "sistem"
    assert top["reason"].startswith(f"Masa berlaku verifikasi berakhir 31-03-{year}")
    assert top["at"].startswith(f"{year}-03-31T17:00:00")  # 00:00 WIB
    with engine.connect() as c:
        change_id = c.execute(select(func.max(ZoneStatusChange.id))).scalar_one()
        chained_change = c.execute(
            select(func.count())
            .select_from(ChainEntry)
            .where(ChainEntry.kind == "zone_status_change", ChainEntry.ref == str(change_id))
        ).scalar_one()
    assert chained_change == 1
    # Idempotent: a second run (a retried task) changes nothing; reads still write nothing.
    after = _rows(engine)
    assert zone_status.expire_verifications(uow) == 0
    _answers(trantib, zid)
    assert _rows(engine) == after


def test_the_job_runs_at_midnight_wib(app):  # type: ignore[no-untyped-def]
    import workers.tasks  # noqa: F401  # why: registers the shared tasks with the Celery app

    celery = app.extensions["celery"]
    [entry] = [
        e
        for e in celery.conf.beat_schedule.values()
        if e["task"] == "workers.tasks.expire_verifications"
    ]
    assert entry["task"] in celery.tasks
    cron = entry["schedule"]
    assert cron.hour == {0} and cron.minute == {0}
    assert str(celery.conf.timezone) == "Asia/Jakarta"


def test_a_zone_never_computed_reads_belum_tertib_without_writing(sample, login, engine):  # type: ignore[no-untyped-def]
    trantib = login("demo.trantib")
    zid = trantib.get("/api/v1/zones").get_json()["features"][0]["id"]
    with engine.begin() as c:
        c.execute(delete(ZoneStatus).where(ZoneStatus.zone_id == uuid.UUID(zid)))
    before = _rows(engine)
    r = trantib.get(f"/api/v1/zones/{zid}/status")
    assert r.status_code == 200 and r.get_json()["status"] == "belum_tertib"
    listed = next(
        f["properties"]["status"]
        for f in trantib.get("/api/v1/zones").get_json()["features"]
        if f["id"] == zid
    )
    assert listed == "belum_tertib"
    assert _rows(engine)[:3] == before[:3]
    with engine.connect() as c:
        assert (
            c.execute(select(ZoneStatus).where(ZoneStatus.zone_id == uuid.UUID(zid))).first()
            is None
        )
