"""Evidence processing that always finishes: a photo whose task was lost after it was
queued (the broker restarted, a worker died holding it) is found by the sweeper and
processed with no manual step; a storage that fails answers the phone 503 "try again"
and loses nothing."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import text

from k3zones.services.sweeper import requeue_stuck_photos
from k3zones.storage import LocalStorage
from tests.support.e2e import wait_for
from tests.support.http import assert_problem
from tests.support.paths import TESTDATA
from tests.support.payloads import report
from tests.support.services import count, flush_redis, start_worker, stop

JPEG = (TESTDATA / "photos" / "jpg_gps_DSCN0010.jpg").read_bytes()


def _report_with_photo(phone: Any) -> tuple[str, str]:
    body = report(photos_expected=1)
    assert phone.post("/api/v1/reports", json=body).status_code == 201
    pid = str(uuid.uuid4())
    r = phone.put(
        f"/api/v1/reports/{body['id']}/photos/{pid}", data=JPEG, content_type="image/jpeg"
    )
    assert r.status_code == 201, r.get_json()
    return body["id"], pid


def _status(phone: Any, rid: str) -> str:
    return str(phone.get(f"/api/v1/reports/{rid}").get_json()["photos"][0]["status"])


def test_a_photo_whose_task_was_lost_is_processed_after_the_sweep(
    app, sample, login, engine, settings, tmp_path
):
    phone = login("demo.petugas")
    rid, pid = _report_with_photo(phone)  # queued in Redis; no worker is running yet
    flush_redis(settings.redis_url)  # the broker restarted empty: the task is gone
    with engine.begin() as c:
        c.execute(
            text("UPDATE photo SET received_at = now() - interval '20 minutes' WHERE id = :id"),
            {"id": pid},
        )
    worker = start_worker(settings, tmp_path / "worker.log")
    try:
        assert _status(phone, rid) == "diterima"  # nothing would ever process it
        uow = app.extensions["k3"].uow
        assert requeue_stuck_photos(uow) == 1
        assert requeue_stuck_photos(uow) == 1  # a second sweep adds no second job
        assert count(engine, "outbox", "dispatched_at IS NULL") == 1
        assert app.extensions["k3"].relay() == 1
        wait_for(lambda: _status(phone, rid) == "diproses", 60, "the swept photo processed")
    finally:
        stop(worker)
    assert requeue_stuck_photos(uow) == 0  # done is done


def test_a_phone_resending_a_photo_whose_task_was_lost_gets_it_processed(
    sample, login, engine, settings, tmp_path
):
    phone = login("demo.petugas")
    rid, pid = _report_with_photo(phone)
    flush_redis(settings.redis_url)  # the task is lost
    with engine.begin() as c:
        c.execute(
            text("UPDATE photo SET received_at = now() - interval '5 minutes' WHERE id = :id"),
            {"id": pid},
        )
    worker = start_worker(settings, tmp_path / "worker.log")
    try:
        # The phone never saw the first answer and sends the same photo again.
        r = phone.put(f"/api/v1/reports/{rid}/photos/{pid}", data=JPEG, content_type="image/jpeg")
        assert r.status_code == 200
        wait_for(lambda: _status(phone, rid) == "diproses", 60, "the resent photo processed")
    finally:
        stop(worker)
    assert count(engine, "photo") == 1


def test_a_resent_stuck_photo_whose_task_still_waits_in_the_outbox_gets_it_sent(
    sample, login, engine, settings
):
    """The first send after the PUT failed, so the task waits in the outbox (and beat is
    not relaying it): the phone resending is the first sign, and its PUT relays it."""
    phone = login("demo.petugas")
    rid, pid = _report_with_photo(phone)
    flush_redis(settings.redis_url)
    with engine.begin() as c:
        c.execute(text("UPDATE outbox SET dispatched_at = NULL"))  # never reached the queue
        c.execute(
            text("UPDATE photo SET received_at = now() - interval '5 minutes' WHERE id = :id"),
            {"id": pid},
        )
    r = phone.put(f"/api/v1/reports/{rid}/photos/{pid}", data=JPEG, content_type="image/jpeg")
    assert r.status_code == 200
    with engine.connect() as c:
        waiting = c.scalar(text("SELECT count(*) FROM outbox WHERE dispatched_at IS NULL"))
    assert waiting == 0
    queued = redis.Redis.from_url(settings.redis_url).lrange("celery", 0, -1)
    assert len(queued) == 1 and pid.encode() in queued[0]


def test_a_storage_that_fails_answers_503_and_the_photo_can_be_sent_again(
    app, sample, login, engine, tmp_path
):
    ctx = app.extensions["k3"]
    good = ctx.storage
    broken_root: Path = tmp_path / "foto"
    ctx.storage = LocalStorage(broken_root)
    broken_root.rmdir()
    broken_root.write_bytes(b"")  # the mount is gone: every write fails (ENOTDIR)
    phone = login("demo.petugas")
    body = report(photos_expected=1)
    assert phone.post("/api/v1/reports", json=body).status_code == 201
    pid = str(uuid.uuid4())
    url = f"/api/v1/reports/{body['id']}/photos/{pid}"
    try:
        r = phone.put(url, data=JPEG, content_type="image/jpeg")
        assert_problem(r, 503, "Coba kirim lagi")
        assert count(engine, "photo") == 0
    finally:
        ctx.storage = good
    assert phone.put(url, data=JPEG, content_type="image/jpeg").status_code == 201
    assert count(engine, "photo") == 1
