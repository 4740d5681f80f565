"""tests/faults: the fault matrix (issue 12). Its own PostgreSQL cluster and Redis, on free
ports, so stopping them disturbs neither the other tests nor anyone's `make run`; over them
the running stack (gunicorn with 2 workers, a Celery worker, beat) and phones that retry.

The sweeper is made quick here (K3_SWEEP_SECONDS, K3_SWEEP_STUCK_SECONDS) so that recovery
"with no manual step" shows within a test's minute instead of the production 5 + 10."""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.e2e import flask_sample_load, http, wait_for
from tests.support.faults import FIGURES, World
from tests.support.fixtures import _fast_demo_hashes

__all__ = ["_fast_demo_hashes"]


def _missing() -> str | None:
    from tests.support.faults import pg_bindir  # lazy: only when the fault tests run

    if not shutil.which("redis-server"):
        return "redis-server is not installed"
    try:
        pg_bindir()
    except RuntimeError as e:
        return str(e)
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "runuser is missing (PostgreSQL must run as postgres)"
    return None


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    # lazy: the ORM and alembic only when the fault tests run (see tests/conftest.py)
    from k3zones.db import make_engine
    from tests.support.faults import Cluster, Processes, RedisServer
    from tests.support.services import rebuild_schema

    tmp = tmp_path_factory.mktemp("faults")
    cluster = Cluster()
    redis = RedisServer(tmp)
    procs = None
    engine = None
    try:
        cluster.init()
        cluster.start()
        cluster.create_db()
        redis.start()
        engine = make_engine(cluster.url)
        rebuild_schema(engine, cluster.url)
        storage = tmp / "storage"
        env = {k: v for k, v in os.environ.items() if not k.startswith("K3_")}
        env.update(
            {
                "K3_DATABASE_URL": cluster.url,
                "K3_REDIS_URL": redis.url(0),
                "K3_SECRET_KEY": secrets.token_urlsafe(40),
                "K3_STORAGE_DIR": str(storage),
                "K3_TILE_URL": "",
                "K3_HEARTBEAT_SECONDS": "5",
                "K3_SWEEP_SECONDS": "5",
                "K3_SWEEP_STUCK_SECONDS": "20",
                # Face/plate detection (~0.4 s of CPU a photo) is tested in test_privacy.py;
                # here it would only slow the backlog the faults are about.
                "K3_BLUR_DETECT": "0",
                "K3_ACCESS_TOKEN_SECONDS": "7200",
                "K3_REPORT_LIMIT_PER_OFFICER": "100000 per hour",
                "K3_PHOTO_LIMIT_PER_OFFICER": "100000 per hour",
                "PYTHONUNBUFFERED": "1",
            }
        )
        flask_sample_load(env, tmp / "demo_users.json")
        demo = json.loads((tmp / "demo_users.json").read_text())
        procs = Processes(env, tmp)
        for name in ("api", "worker", "beat"):
            procs.start(name)
        base = procs.base
        wait_for(lambda: http("GET", base + "/healthz")[0] == 200, what="gunicorn", timeout=60)
        status, _, body = http(
            "POST",
            base + "/api/v1/auth/login",
            json.dumps({"username": "demo.petugas", "password": demo["demo.petugas"]}).encode(),
        )
        assert status == 200, body
        yield World(cluster, redis, procs, engine, json.loads(body)["access_token"], storage, tmp)
    finally:
        if procs is not None:
            procs.stop_all()
            for name in ("api", "worker", "beat"):
                print(f"--- faults {name}.log ---\n" + procs.tail(name))
        if engine is not None:
            engine.dispose()
        redis.stop()
        cluster.destroy()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.section("fault matrix figures")
    for name, fig in FIGURES:
        terminalreporter.write_line(f"{name}: {json.dumps(fig, sort_keys=True)}")
