"""Fixtures over the real PostgreSQL/PostGIS and Redis that scripts/services.sh starts.

`make test` exports K3_DATABASE_URL (the k3zones_test database) and K3_REDIS_URL (db 15).
The schema is rebuilt with `alembic upgrade head` once per run, so the migrations are
what the tests exercise; tables are emptied between tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TESTDATA = ROOT.parent / "shared" / "testdata"


def _settings():  # type: ignore[no-untyped-def]
    from k3zones.settings import Settings

    if not os.environ.get("K3_DATABASE_URL", "").rstrip("/").endswith("_test"):
        pytest.exit(
            "K3_DATABASE_URL must name a *_test database; run the tests with `make test`.",
            returncode=2,
        )
    return Settings.from_env()


@pytest.fixture(scope="session", autouse=True)
def _fast_demo_hashes():  # type: ignore[no-untyped-def]
    """Argon2 is slow on purpose; the same demo passwords are hashed once per test run."""
    import functools

    import k3zones.sample

    original = k3zones.sample.hash_password
    k3zones.sample.hash_password = functools.lru_cache(maxsize=None)(original)
    yield
    k3zones.sample.hash_password = original


@pytest.fixture(scope="session")
def settings():  # type: ignore[no-untyped-def]
    return _settings()


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    return cfg


@pytest.fixture(scope="session")
def engine(settings) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    from k3zones.db import make_engine

    eng = make_engine(settings.database_url)
    with eng.begin() as c:
        c.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    command.upgrade(alembic_config(settings.database_url), "head")
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def app(settings, engine):  # type: ignore[no-untyped-def]
    from api import create_app

    application = create_app(settings)
    application.config["TESTING"] = True
    return application


@pytest.fixture(scope="session")
def uow(app):  # type: ignore[no-untyped-def]
    return app.extensions["k3"].uow


@pytest.fixture()
def anon(app):  # type: ignore[no-untyped-def]
    """A client that has not signed in."""
    return app.test_client()


def demo_password(username: str) -> str:
    return f"{username}-Sandi#2024"


def login_client(app, username: str, password: str | None = None):  # type: ignore[no-untyped-def]
    """A test client signed in as `username` (every request carries its access token)."""
    c = app.test_client()
    r = c.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password or demo_password(username)},
    )
    assert r.status_code == 200, r.get_json()
    c.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + r.get_json()["access_token"]
    c.tokens = r.get_json()  # type: ignore[attr-defined]
    return c


@pytest.fixture()
def login(app, sample):  # type: ignore[no-untyped-def]
    return lambda username, password=None: login_client(app, username, password)


@pytest.fixture()
def client(login):  # type: ignore[no-untyped-def]
    """Signed in as the sample kecamatan's admin (who may edit decrees, zones, targets)."""
    return login("demo.admin")


def truncate_all(engine: Engine) -> None:
    from sqlalchemy.exc import OperationalError

    from k3zones.db import Base

    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    # A worker of a photo test may still be writing; its transaction and ours can
    # deadlock, and PostgreSQL then picks one to fail: try again.
    for attempt in range(5):
        try:
            with engine.begin() as c:
                c.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        except OperationalError:
            if attempt == 4:
                raise
            time.sleep(0.5)


@pytest.fixture()
def db(engine: Engine) -> Iterator[Engine]:
    """An empty database for the test (emptied again after it)."""
    truncate_all(engine)
    yield engine
    truncate_all(engine)


@pytest.fixture()
def sample(db, app, settings):  # type: ignore[no-untyped-def]
    """The Medansatria sample data with its demo users, freshly loaded; rate limits reset."""
    from k3zones.sample import DEMO_USERS, load_sample

    redis.Redis.from_url(settings.redis_url).flushdb()
    ctx = app.extensions["k3"]
    passwords = {u: demo_password(u) for u, _, _ in DEMO_USERS}
    return load_sample(ctx.uow, dict(ctx.settings.default_radius_m), passwords, history=False)


@pytest.fixture()
def sample_2024(db, app, settings):  # type: ignore[no-untyped-def]
    """The sample data with its 2024 history (penertiban, clean patrols, verification)."""
    from k3zones.sample import DEMO_USERS, load_sample

    redis.Redis.from_url(settings.redis_url).flushdb()
    ctx = app.extensions["k3"]
    passwords = {u: demo_password(u) for u, _, _ in DEMO_USERS}
    return load_sample(ctx.uow, dict(ctx.settings.default_radius_m), passwords)


@pytest.fixture()
def redis_client(settings) -> Iterator[redis.Redis]:  # type: ignore[no-untyped-def]
    client = redis.Redis.from_url(settings.redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def count(engine: Engine, table: str, where: str = "true") -> int:
    with engine.connect() as c:
        return int(c.execute(text(f'SELECT count(*) FROM "{table}" WHERE {where}')).scalar_one())


@pytest.fixture(scope="module")  # stopped after its module: others expect no consumer
def worker(settings, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A real worker on the test database, Redis and photo storage."""
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {**os.environ, "K3_STORAGE_DIR": settings.storage_dir}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "app.celery_app",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "-Q",
                "celery",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    yield proc
    proc.terminate()
    proc.wait(timeout=20)
    print(log.read_text()[-4000:])
