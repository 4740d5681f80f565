"""The running system as `make run` starts it, for the e2e tests: gunicorn, a Celery worker
and beat over the real PostGIS and Redis, on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conftest import BIN, ROOT, truncate_all


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http(
    method: str,
    url: str,
    body: bytes | None = None,
    ctype: str = "application/json",
    token: str | None = None,
):
    headers = {"Content-Type": ctype}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def wait_for(fn, timeout: float = 30.0, what: str = "") -> object:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            got = fn()
            if got:
                return got
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass(frozen=True)
class Stack:
    base: str
    token: str
    demo: dict[str, str]


@pytest.fixture(scope="module")
def stack(engine, settings, tmp_path_factory) -> Iterator[Stack]:
    import redis

    truncate_all(engine)
    redis.Redis.from_url(settings.redis_url).flushdb()
    tmp_path = tmp_path_factory.mktemp("stack")
    env = {
        **os.environ,
        "K3_TILE_URL": "",  # no internet here: the console must work without a base map
        "PYTHONUNBUFFERED": "1",
        "K3_HEARTBEAT_SECONDS": "2",
        "K3_STORAGE_DIR": str(tmp_path / "storage"),
    }
    loads = [
        subprocess.run(
            [
                str(BIN / "flask"),
                "--app",
                "app",
                "sample",
                "load",
                "--demo-users-file",
                str(tmp_path / "demo_users.json"),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        for _ in range(2)
    ]
    assert json.loads(loads[0].stdout)["created"]["zone"] == 10
    assert set(json.loads(loads[1].stdout)["created"].values()) == {0}
    # The demo passwords are generated once into the file and reused by the second load.
    demo = json.loads((tmp_path / "demo_users.json").read_text())
    assert set(demo) >= {"demo.petugas", "demo.trantib", "demo.admin", "demo.kota"}

    port = free_port()
    commands = {
        "api": ["gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "app:flask_app"],
        "worker": ["celery", "-A", "app.celery_app", "worker", "--pool", "solo"],
        "beat": [
            "celery",
            "-A",
            "app.celery_app",
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
        wait_for(lambda: http("GET", base + "/healthz")[0] == 200, what="gunicorn")
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
