"""Workers scale out: two Celery workers, each with its own local folder and no disk shared
with the API or each other, process photos whose originals and derived images live in S3
(moto's server). Each worker listens on a queue of its own here, so both are seen working."""

from __future__ import annotations

import io
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from k3zones.blur import public_keys
from k3zones.models import Photo, PhotoStatus
from k3zones.services.photos import PROCESS_TASK, put_photo, spool
from tests.support.e2e import wait_for
from tests.support.paths import BIN, ROOT, TESTDATA
from tests.support.s3 import fresh_bucket, moto_server, worker_env
from tests.support.services import stop
from tests.support.world import OWN, make_world

PHOTOS = ["jpg_mobile_jolla.jpg", "jpg_gps_DSCN0010.jpg"]


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with moto_server(tmp_path_factory.mktemp("moto")) as url:
        yield url


def _start(name: str, queue: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "w") as out:
        return subprocess.Popen(
            [
                *(str(BIN / "celery"), "-A", "workers.main.celery_app", "worker", "--pool", "solo"),
                *("--loglevel", "INFO", "-Q", queue, "-n", f"{name}@%h"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _status(uow: Any, pid: uuid.UUID) -> Photo | None:
    with uow() as s:
        p = s.get(Photo, pid)
        return p if p is not None and p.status != PhotoStatus.DITERIMA else None


def test_two_workers_with_their_own_folders_process_photos_in_s3(  # type: ignore[no-untyped-def]
    app, sample, s3_endpoint, tmp_path
):
    ctx = app.extensions["k3"]
    s3 = fresh_bucket(s3_endpoint)
    run = uuid.uuid4().hex[:8]
    names = ["a", "b"]
    folders = {n: tmp_path / f"worker-{n}" for n in names}
    logs = {n: tmp_path / f"worker-{n}.log" for n in names}
    procs = {
        n: _start(n, f"hz-{run}-{n}", worker_env(s3, s3_endpoint, folders[n]), logs[n])
        for n in names
    }
    try:
        # The API side stores the originals in the bucket (its own folder is another one).
        w = make_world(app)
        who = w.principal("demo.petugas")
        rid = uuid.UUID(w.report(OWN, author="demo.petugas", photos=len(PHOTOS)))
        pids = {}
        for n, name in zip(names, PHOTOS, strict=True):
            up = spool(io.BytesIO((TESTDATA / "photos" / name).read_bytes()), 10**8)
            assert up is not None
            pids[n] = uuid.uuid4()
            put_photo(ctx.uow, s3, who, rid, pids[n], up, None)
            app.extensions["celery"].send_task(
                PROCESS_TASK, kwargs={"photo_id": str(pids[n])}, queue=f"hz-{run}-{n}"
            )
        done = {n: wait_for(lambda n=n: _status(ctx.uow, pids[n]), 90, f"photo {n}") for n in names}
    finally:
        for p in procs.values():
            stop(p)
    for n in names:
        p = done[n]
        assert p.status == PhotoStatus.DIPROSES, (p.error, logs[n].read_text()[-3000:])
        assert p.web_key and p.thumb_key
        for key in (p.original_key, p.web_key, p.thumb_key, *public_keys(p.web_key)):
            assert s3.get_bytes(key)[:3] == b"\xff\xd8\xff", key
        # Each worker did its photo, and nothing of it touched the worker's local folder.
        log = logs[n].read_text()
        assert "succeeded" in log and "'diproses'" in log, log[-3000:]
        assert not [f for f in folders[n].rglob("*") if f.is_file()]
