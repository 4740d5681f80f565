"""Issue 12's fault matrix: phones keep sending reports and photos (retrying with the same
ids) while one dependency fails; afterwards every acknowledged report is stored once, every
acknowledged photo is stored and processed without anyone stepping in, and the only 5xx
the phones saw was 503 with Retry-After. The world (own PostgreSQL, Redis, stack) is in
conftest.py; the phones in tests/support/faults.py."""

from __future__ import annotations

import os
import shutil
import signal
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from k3zones.storage_factory import make_storage
from tests.support.faults import (
    FIGURES,
    PACE_S,
    PhoneRun,
    World,
    children,
    kill_mid_upload,
    report_body,
    send,
    start_phones,
)
from tests.support.paths import PHOTOS

pytestmark = [pytest.mark.faults, pytest.mark.timeout(240)]

PHOTO = (PHOTOS / "jpg_gps_DSCN0010.jpg").read_bytes()
OUTAGE_S = 10.0
RECOVERY_S = 90.0
REPORTS = "/api/v1/reports"
JSON = "application/json"


def _q(world: World, sql: str, **params: Any) -> list[Any]:
    with world.engine.connect() as c:
        return list(c.execute(text(sql), params))


def _processed(world: World, run: PhoneRun) -> int:
    ids = list(run.photos_acked)
    if not ids:
        return 0
    return int(
        _q(
            world,
            "SELECT count(*) FROM photo WHERE id = ANY(CAST(:ids AS uuid[])) "
            "AND status = 'diproses'",
            ids=ids,
        )[0][0]
    )


def _waiting(world: World) -> int:
    return int(_q(world, "SELECT count(*) FROM photo WHERE status = 'diterima'")[0][0])


def _wait_until(cond: Callable[[], bool], timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if cond():
                return True
        except Exception:  # the database may be the thing that is down
            pass
        time.sleep(0.3)
    return False


def scenario(
    world: World,
    name: str,
    fault: Callable[[PhoneRun], None],
    n_phones: int = 6,
    n_reports: int = 20,
    pace: float = PACE_S,
    extra: int = 0,
) -> None:
    """Phones send while `fault` breaks and restores something; then the checks."""
    world.procs.ensure_up()
    run, threads = start_phones(world.procs.base, world.token, PHOTO, n_phones, n_reports, pace)
    t0 = time.monotonic()
    fault(run)
    run.enter("after")
    restored = time.monotonic()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "phones still sending after 120 s"
    uploads_done = time.monotonic()
    all_done = _wait_until(lambda: _processed(world, run) == len(run.photos_acked), RECOVERY_S)
    recovered = time.monotonic()

    rids, pids = list(run.reports_acked), list(run.photos_acked)
    stored_reports = _q(
        world, "SELECT id FROM report WHERE id = ANY(CAST(:ids AS uuid[]))", ids=rids
    )
    photos = _q(
        world,
        "SELECT id, report_id, status, original_key, thumb_key, web_key FROM photo "
        "WHERE report_id = ANY(CAST(:ids AS uuid[]))",
        ids=rids,
    )
    storage = make_storage("local", local_dir=str(world.storage_dir))
    missing_files = [
        str(p.id)
        for p in photos
        if str(p.id) in run.photos_acked
        and not all(k and storage.exists(k) for k in (p.original_key, p.thumb_key, p.web_key))
    ]
    per_report: dict[str, int] = {}
    for p in photos:
        per_report[str(p.report_id)] = per_report.get(str(p.report_id), 0) + 1
    fig = {
        **run.figures(),
        "reports_stored": len(stored_reports),
        "photos_stored": sum(1 for p in photos if str(p.id) in run.photos_acked),
        "photos_processed": _processed(world, run),
        "duplicate_photos": sum(n - 1 for n in per_report.values() if n > 1),
        "missing_files": len(missing_files),
        "fault_s": round(restored - t0, 1),
        "uploads_done_after_restore_s": round(uploads_done - restored, 1),
        "recovered_after_restore_s": round(recovered - restored, 1),
    }
    FIGURES.append((name, fig))
    print(f"\n[faults] {name}: {fig}")

    if pace:
        assert sum(run.by_phase.get("fault", {}).values()) > 0, "no request during the fault"
    assert run.bad_5xx == [], run.bad_5xx[:5]
    assert run.refused == [], run.refused[:5]
    assert run.gave_up == [], run.gave_up[:5]
    assert len(run.reports_acked) == n_phones * n_reports + extra
    assert len(run.photos_acked) == n_phones * n_reports + extra
    assert len(stored_reports) == len(rids)  # acknowledged = stored
    assert fig["duplicate_photos"] == 0
    assert fig["photos_stored"] == len(pids)
    assert all_done, f"{len(pids) - fig['photos_processed']} photos not processed in time"
    assert missing_files == [], missing_files[:5]


def _after(run: PhoneRun, photos: int, timeout: float = 60) -> None:
    """Wait until the phones have this many photos acknowledged (the fault hits mid-run)."""
    _wait_until(lambda: len(run.photos_acked) >= photos, timeout)


def test_redis_stopped_during_uploads(world: World) -> None:
    def fault(run: PhoneRun) -> None:
        _after(run, 10)
        run.enter("fault")
        world.redis.stop()
        time.sleep(OUTAGE_S)
        world.redis.start()

    scenario(world, "redis stopped 10 s", fault)


def _backlog(world: World, run: PhoneRun, photos: int = 30) -> int:
    """Hold the worker (SIGSTOP: a slow worker, not a dead one) until the phones have sent
    `photos` photos, then let it go on: it has a backlog. Returns the photos waiting."""
    worker = world.procs.procs["worker"]
    worker.send_signal(signal.SIGSTOP)
    try:
        _after(run, photos)
    finally:
        worker.send_signal(signal.SIGCONT)
    return _waiting(world)


def test_celery_worker_main_process_killed_mid_backlog(world: World) -> None:
    backlog: list[int] = []

    def fault(run: PhoneRun) -> None:
        backlog.append(_backlog(world, run))
        # Mid-task: it has started on the backlog (solo pool: the main process runs the task).
        _wait_until(lambda: _processed(world, run) >= 3, 30)
        run.enter("fault")
        world.procs.kill("worker")
        time.sleep(3)
        world.procs.start("worker")

    scenario(world, "celery worker SIGKILL", fault)
    FIGURES[-1][1]["backlog_at_kill"] = backlog[0]
    assert backlog[0] >= 10, "the worker had no backlog when it was killed"


def test_postgres_down_while_the_worker_has_a_backlog(world: World) -> None:
    backlog: list[int] = []

    def fault(run: PhoneRun) -> None:
        backlog.append(_backlog(world, run))
        run.enter("fault")
        world.cluster.stop()
        time.sleep(OUTAGE_S)
        world.cluster.start()

    scenario(world, "postgresql stopped 10 s", fault)
    FIGURES[-1][1]["backlog_at_stop"] = backlog[0]
    assert backlog[0] >= 10, "the worker had no backlog when the database stopped"


def test_gunicorn_worker_killed_mid_upload(world: World) -> None:
    killed: list[int] = []

    def fault(run: PhoneRun) -> None:
        run.enter("fault")
        # One kill certainly mid-upload: the worker reading half a photo's body...
        _after(run, 10)
        rid = str(uuid.uuid4())
        base, token = world.procs.base, world.token
        assert send(run, rid, "POST", base + REPORTS, report_body(rid), JSON, token)
        with run.lock:
            run.reports_acked.add(rid)
        pid, data = str(uuid.uuid4()), PHOTO + b"mid-upload"
        path = f"{REPORTS}/{rid}/photos/{pid}"
        killed.append(kill_mid_upload(world.procs, path, data, token))
        # ...and the phone sends the same photo again.
        assert send(run, pid, "PUT", base + path, data, "image/jpeg", token)
        with run.lock:
            run.photos_acked[pid] = rid
        # Then workers killed wherever they are, while the phones go on.
        for target in (40, 70):
            _after(run, target)
            kids = children(world.procs.procs["api"].pid)
            assert kids, "gunicorn has no workers"
            os.kill(kids[0], signal.SIGKILL)
            killed.append(kids[0])

    scenario(world, "gunicorn worker SIGKILL x3", fault, extra=1)
    assert world.procs.procs["api"].poll() is None  # the master lives on
    FIGURES[-1][1]["gunicorn_workers_killed"] = len(killed)


def test_photo_storage_unavailable(world: World) -> None:
    aside = world.storage_dir.with_name("storage-aside")

    def fault(run: PhoneRun) -> None:
        _after(run, 10)
        run.enter("fault")
        # As root, permissions do not stop writes: a file where the directory was does.
        os.rename(world.storage_dir, aside)
        world.storage_dir.write_bytes(b"not a directory")
        try:
            time.sleep(OUTAGE_S)
        finally:
            world.storage_dir.unlink()
            os.rename(aside, world.storage_dir)

    try:
        scenario(world, "photo storage down 10 s", fault)
    finally:
        if aside.exists() and not world.storage_dir.is_dir():
            if world.storage_dir.exists():
                world.storage_dir.unlink()
            shutil.move(aside, world.storage_dir)
