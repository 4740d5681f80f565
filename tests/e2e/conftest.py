"""The running system as `make run` starts it, for the e2e tests: gunicorn, a Celery worker
and beat over the real PostGIS and Redis, on 127.0.0.1. HTTP helpers: tests/support/e2e.py."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.chromium import chromium
from tests.support.e2e import Stack, flask_sample_load, free_port, http, wait_for
from tests.support.paths import BIN, ROOT
from tests.support.services import flush_redis, truncate_all


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium under Playwright, one per module."""
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def stack(engine, settings, tmp_path_factory) -> Iterator[Stack]:
    truncate_all(engine)
    flush_redis(settings.redis_url)
    tmp_path = tmp_path_factory.mktemp("stack")
    env = {
        **os.environ,
        "K3_TILE_URL": "",  # no internet here: the console must work without a base map
        "PYTHONUNBUFFERED": "1",
        "K3_HEARTBEAT_SECONDS": "2",
        "K3_STORAGE_DIR": str(tmp_path / "storage"),
    }
    loads = [flask_sample_load(env, tmp_path / "demo_users.json") for _ in range(2)]
    assert loads[0]["created"]["zone"] == 10 + 4  # Medansatria and Bekasi Utara
    assert set(loads[1]["created"].values()) == {0}
    # The demo passwords are generated once into the file and reused by the second load.
    demo = json.loads((tmp_path / "demo_users.json").read_text())
    assert set(demo) >= {"demo.petugas", "demo.trantib", "demo.admin", "demo.kota"}

    port = free_port()
    commands = {
        "api": ["gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "app:flask_app"],
        "worker": ["celery", "-A", "workers.main.celery_app", "worker", "--pool", "solo"],
        "beat": [
            "celery",
            "-A",
            "workers.main.celery_app",
            "beat",
            "--schedule",
            str(tmp_path / "beat-schedule"),
        ],
    }
    procs = []
    for name, cmd in commands.items():
        with open(tmp_path / f"{name}.log", "w") as log:
            procs.append(
                subprocess.Popen(
                    [str(BIN / cmd[0]), *cmd[1:]],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    base = f"http://127.0.0.1:{port}"
    try:
        # Up to 2 minutes: gunicorn, the worker and beat import the app at the same time,
        # ~10 s each on a loaded 2-core machine (30 s was too short there).
        wait_for(lambda: http("GET", base + "/healthz")[0] == 200, timeout=120.0, what="gunicorn")
        status, _, body = http(
            "POST",
            base + "/api/v1/auth/login",
            json.dumps({"username": "demo.petugas", "password": demo["demo.petugas"]}).encode(),
        )
        assert status == 200, body
        yield Stack(base, json.loads(body)["access_token"], demo)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        truncate_all(engine)
        for log in ("api", "worker", "beat"):
            print(f"--- {log}.log ---\n" + (tmp_path / f"{log}.log").read_text()[-3000:])
