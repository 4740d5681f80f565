"""A photo is derived once however many copies of its task run: the worker claims it with
a lease (photo.claimed_until) before deriving; a second copy leaves it; a crashed
worker's lease runs out, and then the sweeper queues it and a worker takes it again."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import IO, Any

import pytest
from sqlalchemy import func, select, update

from k3zones.evidence import EvidenceRules
from k3zones.models import Photo, PhotoStatus
from k3zones.services.photos import claim, process_photo
from k3zones.services.sweeper import requeue_stuck_photos
from k3zones.storage import LocalStorage, StorageError
from tests.support.world import OWN, make_world


class CountingStorage(LocalStorage):
    """The test's real photo folder, counting what is read and written; the first read
    waits until the test lets it go, so a second task copy runs while the first derives."""

    def __init__(self, root: str) -> None:
        super().__init__(root)
        self.reading = threading.Event()
        self.go_on = threading.Event()
        self.downloads = 0
        self.web_writes = 0
        self.fail = False

    def download_to(self, key: str, dst: IO[bytes]) -> None:
        self.downloads += 1
        self.reading.set()
        if self.fail:
            raise StorageError("penyimpanan mati (uji)")
        assert self.go_on.wait(30), "the test never let the first derive go on"
        super().download_to(key, dst)

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        if key.endswith("-web.jpg"):
            self.web_writes += 1
        super().put_bytes(key, data, content_type)


def _waiting_photo(app: Any) -> uuid.UUID:
    w = make_world(app)
    return uuid.UUID(w.photo_of(w.report(OWN, author="demo.petugas"), "demo.petugas"))


def _photo(uow: Any, pid: uuid.UUID) -> Photo:
    with uow() as s:
        p = s.get(Photo, pid)
        assert p is not None
        return p


def test_two_copies_of_one_photo_task_derive_it_once(app, sample, settings):  # type: ignore[no-untyped-def]
    uow = app.extensions["k3"].uow
    pid = _waiting_photo(app)
    store = CountingStorage(settings.storage_dir)
    results: dict[str, str] = {}

    def first() -> None:
        results["first"] = process_photo(uow, store, EvidenceRules(), pid)

    t = threading.Thread(target=first)
    t.start()
    try:
        assert store.reading.wait(30)  # the first copy holds the claim and is deriving
        held = _photo(uow, pid)
        assert held.status == PhotoStatus.DITERIMA and held.claimed_until is not None
        results["second"] = process_photo(uow, store, EvidenceRules(), pid)
    finally:
        store.go_on.set()
        t.join(60)
    assert results == {"first": "diproses", "second": "diklaim"}
    assert (store.downloads, store.web_writes) == (1, 1)
    done = _photo(uow, pid)
    assert done.status == PhotoStatus.DIPROSES and done.claimed_until is None
    assert process_photo(uow, store, EvidenceRules(), pid) == "sudah"
    assert store.downloads == 1


def test_a_crashed_workers_lease_runs_out_then_the_photo_is_swept_and_taken(app, sample):  # type: ignore[no-untyped-def]
    ctx = app.extensions["k3"]
    uow = ctx.uow
    pid = _waiting_photo(app)
    # A worker took it an hour after it came in and died: its lease is still running.
    with uow() as s, s.begin():
        s.execute(
            update(Photo)
            .where(Photo.id == pid)
            .values(
                received_at=func.now() - timedelta(hours=1),
                claimed_until=func.now() + timedelta(minutes=5),
            )
        )
    swept_while_held = requeue_stuck_photos(uow, older_than=timedelta(minutes=10))
    assert claim(uow, pid) == "diklaim"
    assert process_photo(uow, ctx.storage, ctx.rules, pid) == "diklaim"
    # The lease ran out: the sweeper queues it again and the next copy takes it.
    with uow() as s, s.begin():
        s.execute(
            update(Photo)
            .where(Photo.id == pid)
            .values(claimed_until=func.now() - timedelta(seconds=1))
        )
    assert requeue_stuck_photos(uow, older_than=timedelta(minutes=10)) == swept_while_held + 1
    assert process_photo(uow, ctx.storage, ctx.rules, pid) == "diproses"
    assert _photo(uow, pid).claimed_until is None
    assert claim(uow, pid) == "sudah" and claim(uow, uuid.uuid4()) == "hilang"


def test_a_derive_that_raises_gives_the_photo_back(app, sample, settings):  # type: ignore[no-untyped-def]
    uow = app.extensions["k3"].uow
    pid = _waiting_photo(app)
    store = CountingStorage(settings.storage_dir)
    store.fail = True
    with pytest.raises(StorageError):
        process_photo(uow, store, EvidenceRules(), pid)
    with uow() as s:
        row = s.execute(select(Photo.status, Photo.claimed_until).where(Photo.id == pid)).one()
    assert row == (PhotoStatus.DITERIMA, None)  # the task's retry may take it at once
    taken = claim(uow, pid)
    assert isinstance(taken, tuple) and claim(uow, pid) == "diklaim"
