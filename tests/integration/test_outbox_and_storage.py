"""The outbox survives a broker outage; photo storage works on a real S3 API server."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import delete, select, update

from api import create_app
from k3zones.evidence import EvidenceRules
from k3zones.models import Kecamatan, Outbox, Photo, User
from k3zones.outbox import enqueue, pending_count, prune, relay, send_now
from k3zones.principal import Principal
from k3zones.services.photos import process_photo, put_photo, spool
from k3zones.services.reports import submit_report
from k3zones.storage import ObjectMissing
from k3zones.storage_s3 import S3Storage
from tests.support.http import login_client
from tests.support.paths import TESTDATA
from tests.support.payloads import report

JPEG = (TESTDATA / "photos" / "jpg_mobile_HMD_Nokia_8.3_5G.jpg").read_bytes()


def test_photo_upload_succeeds_while_the_broker_is_down(sample, settings, app, engine):
    down = create_app(replace(settings, redis_url="redis://127.0.0.1:1/0"))
    phone = login_client(down, "demo.petugas")
    rid = phone.post("/api/v1/reports", json=report()).get_json()["id"]
    r = phone.put(
        f"/api/v1/reports/{rid}/photos/{uuid.uuid4()}", data=JPEG, content_type="image/jpeg"
    )
    assert r.status_code == 201, r.get_json()
    uow = app.extensions["k3"].uow
    with uow() as s:
        [row] = s.scalars(select(Outbox))
        # The PUT claimed it; the broker did not answer, so it was given back to the relay.
        assert row.dispatched_at is None and row.attempts == 1
        assert (row.last_error or "").startswith("ConnectionError")
    # The broker is back: the relay (beat runs it every 10 s) hands the work over.
    q = redis.Redis.from_url(settings.redis_url)
    before = q.llen("celery")
    with app.app_context():
        assert app.extensions["k3"].relay() == 1
    assert pending_count(uow) == 0
    assert q.llen("celery") == before + 1


def test_outbox_coalesces_by_key_and_relays_in_order(app, db):
    uow = app.extensions["k3"].uow
    with uow() as s, s.begin():
        for _ in range(5):
            enqueue(s, "t.recompute", {"zone": 1}, dedup_key="zone:1")
        enqueue(s, "t.other", {"n": 2})
    sent: list[tuple[str, dict[str, int]]] = []
    assert relay(uow, lambda t, p: sent.append((t, p))) == 2
    assert sent == [("t.recompute", {"zone": 1}), ("t.other", {"n": 2})]
    # Once sent, the same key may wait again.
    with uow() as s, s.begin():
        enqueue(s, "t.recompute", {"zone": 1}, dedup_key="zone:1")
    assert pending_count(uow) == 1


def test_work_a_request_claims_is_sent_at_once_and_never_lost(app, db):
    """send_now: what a transaction claimed is written as sent, goes straight to the queue
    and needs no second statement; what the broker refuses goes back to the relay, the
    attempt counted, and the relay sends it later."""
    uow = app.extensions["k3"].uow
    with uow() as s, s.begin():
        a = enqueue(s, "t.photo", {"photo_id": "a"}, dedup_key="photo:a", claim=True)
        b = enqueue(s, "t.photo", {"photo_id": "b"}, dedup_key="photo:b", claim=True)
        c = enqueue(s, "t.photo", {"photo_id": "c"}, dedup_key="photo:c", claim=True)
    assert a is not None and b is not None and c is not None
    assert pending_count(uow) == 0  # claimed: the relay never sends them
    with uow() as s:
        at = s.scalar(select(Outbox.dispatched_at).where(Outbox.id == a.id))
    sent: list[tuple[str, dict[str, str]]] = []
    assert send_now(uow, lambda t, p: sent.append((t, p)), [a]) == 1
    assert sent == [("t.photo", {"photo_id": "a"})]
    with uow() as s:  # nothing written after the send
        assert s.scalar(select(Outbox.dispatched_at).where(Outbox.id == a.id)) == at

    def broker_down(task: str, payload: dict[str, str]) -> None:
        raise ConnectionError("broker down")

    assert send_now(uow, broker_down, [b, c]) == 0
    with uow() as s:
        rows = s.execute(
            select(Outbox.dedup_key, Outbox.attempts, Outbox.last_error)
            .where(Outbox.dispatched_at.is_(None))
            .order_by(Outbox.id)
        ).all()
    # Both wait again; only the one tried is counted.
    assert rows == [("photo:b", 1, "ConnectionError: broker down"), ("photo:c", 0, None)]
    assert relay(uow, lambda t, p: sent.append((t, p))) == 2
    assert sent[1:] == [("t.photo", {"photo_id": "b"}), ("t.photo", {"photo_id": "c"})]
    assert pending_count(uow) == 0


def test_a_claimed_row_whose_key_already_waits_is_not_given_back_twice(app, db):
    """A failed send of claimed work while the same work already waits (the sweeper queued
    it): the waiting row carries it; the claimed one stays as it was, no conflict."""
    uow = app.extensions["k3"].uow
    with uow() as s, s.begin():
        waiting = enqueue(s, "t.photo", {"photo_id": "a"}, dedup_key="photo:a")
        claimed = enqueue(s, "t.photo", {"photo_id": "a"}, dedup_key="photo:a", claim=True)
    assert waiting is not None and claimed is not None  # a claim is never absorbed

    def broker_down(task: str, payload: dict[str, str]) -> None:
        raise ConnectionError("broker down")

    assert send_now(uow, broker_down, [claimed]) == 0
    assert pending_count(uow) == 1
    with uow() as s:
        row = s.get(Outbox, claimed.id)
        assert row is not None and row.dispatched_at is not None and row.attempts == 0


def test_processing_twice_changes_nothing(app, sample, login, settings):
    ctx = app.extensions["k3"]
    phone = login("demo.petugas")
    rid = phone.post("/api/v1/reports", json=report()).get_json()["id"]
    pid = uuid.uuid4()
    phone.put(f"/api/v1/reports/{rid}/photos/{pid}", data=JPEG, content_type="image/jpeg")
    assert process_photo(ctx.uow, ctx.storage, ctx.rules, pid) == "diproses"
    with ctx.uow() as s:
        first = s.get(Photo, pid)
        assert first is not None
        snapshot = (first.processed_at, first.web_key, first.flags)
    assert process_photo(ctx.uow, ctx.storage, ctx.rules, pid) == "sudah"
    with ctx.uow() as s:
        again = s.get(Photo, pid)
        assert again is not None and (again.processed_at, again.web_key, again.flags) == snapshot


# --- S3 -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory) -> Iterator[str]:
    """moto's S3-compatible server as a separate process on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    server = str(Path(sys.executable).parent / "moto_server")
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [server, "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 30
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture()
def s3(s3_endpoint) -> S3Storage:
    return S3Storage(
        f"k3-{uuid.uuid4().hex[:8]}",
        endpoint_url=s3_endpoint,
        region="us-east-1",
        access_key="testing",
        secret_key="testing",
        prefix="k3zones",
        create_bucket=True,
    )


def test_s3_storage_round_trip(s3):
    s3.put_bytes("a/b/c.jpg", JPEG, "image/jpeg")
    assert s3.exists("a/b/c.jpg") and s3.get_bytes("a/b/c.jpg") == JPEG
    assert b"".join(s3.stream("a/b/c.jpg")) == JPEG
    s3.put_file("big/file", io.BytesIO(os.urandom(20 * 1024 * 1024)), "application/octet-stream")
    out = io.BytesIO()
    s3.download_to("big/file", out)
    assert len(out.getvalue()) == 20 * 1024 * 1024
    s3.delete("a/b/c.jpg")
    assert not s3.exists("a/b/c.jpg")
    with pytest.raises(ObjectMissing):
        s3.get_bytes("a/b/c.jpg")


def test_photo_pipeline_on_s3(app, sample, s3):
    ctx = app.extensions["k3"]
    with ctx.uow() as s:
        u = s.scalar(select(User).where(User.username == "demo.petugas"))
        assert u is not None
        slug = s.scalar(select(Kecamatan.slug).where(Kecamatan.id == u.kecamatan_id))
    who = Principal(u.id, u.username, u.full_name, u.role, u.kecamatan_id, slug, None)
    body = report()
    submit_report(ctx.uow, EvidenceRules(), who, body)
    up = spool(io.BytesIO(JPEG), 10**8)
    assert up is not None
    pid = uuid.uuid4()
    put_photo(ctx.uow, s3, who, uuid.UUID(body["id"]), pid, up, None)
    assert process_photo(ctx.uow, s3, EvidenceRules(), pid) == "diproses"
    with ctx.uow() as s:
        p = s.get(Photo, pid)
        assert p is not None and p.web_key and p.thumb_key
    assert s3.get_bytes(p.original_key) == JPEG
    assert s3.get_bytes(p.web_key)[:3] == b"\xff\xd8\xff"


def test_pruning_keeps_waiting_work_and_recent_history(uow, engine):
    """Rows handed to the queue before the cutoff go (in batches); waiting rows stay
    however old, and so do rows sent after the cutoff."""
    now = datetime.now(UTC)
    with uow() as s, s.begin():
        s.execute(delete(Outbox))
        for i in range(7):
            enqueue(s, "t.old", {"i": i})
        enqueue(s, "t.recent", {})
        enqueue(s, "t.waiting", {})
    with uow() as s, s.begin():
        s.execute(
            update(Outbox)
            .where(Outbox.task == "t.old")
            .values(created_at=now - timedelta(days=30), dispatched_at=now - timedelta(days=20))
        )
        s.execute(update(Outbox).where(Outbox.task == "t.recent").values(dispatched_at=now))
        s.execute(
            update(Outbox)
            .where(Outbox.task == "t.waiting")
            .values(created_at=now - timedelta(days=40))
        )
    assert prune(uow, now - timedelta(days=7), batch=3) == 7
    with uow() as s:
        left = sorted(s.scalars(select(Outbox.task)))
    assert left == ["t.recent", "t.waiting"]
    assert prune(uow, now - timedelta(days=7)) == 0


def test_a_send_the_broker_refuses_is_counted_on_its_row_and_kept(app, db):
    uow = app.extensions["k3"].uow
    with uow() as s, s.begin():
        enqueue(s, "t.one", {"n": 1})
        enqueue(s, "t.two", {"n": 2})

    def refuse(task: str, payload: dict[str, int]) -> None:
        raise ConnectionError("broker down")

    assert relay(uow, refuse) == 0
    with uow() as s:
        rows = s.execute(select(Outbox.task, Outbox.attempts, Outbox.last_error)).all()
    # The first is counted and kept; the relay stops there, so the second is untouched.
    assert sorted(rows) == [
        ("t.one", 1, "ConnectionError: broker down"),
        ("t.two", 0, None),
    ]
    assert pending_count(uow) == 2
