"""The real PostgreSQL/PostGIS and Redis that scripts/services.sh starts, as the
integration and e2e fixtures use them.

`make test` exports K3_DATABASE_URL (the k3zones_test database, on K3_PG_PORT) and
K3_REDIS_URL (db 15, on K3_REDIS_PORT, with the password of var/secrets/redis_password).
Nothing here hard-codes a port or a password: every address is read from those URLs.
Importing this module connects to nothing.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError

from k3zones.settings import Settings
from tests.support.paths import BIN, ROOT


def load_test_settings() -> Settings:
    """The settings of the test run; stops the run unless the database is a *_test one
    (the schema is dropped and rebuilt: never point this at real data)."""
    if not os.environ.get("K3_DATABASE_URL", "").rstrip("/").endswith("_test"):
        pytest.exit(
            "K3_DATABASE_URL must name a *_test database; run the tests with `make test`.",
            returncode=2,
        )
    return Settings.from_env()


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    return cfg


def rebuild_schema(engine: Engine, url: str) -> None:
    """An empty public schema, then `alembic upgrade head`: the migrations are what the
    tests exercise."""
    with engine.begin() as c:
        c.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    command.upgrade(alembic_config(url), "head")


def truncate_all(engine: Engine) -> None:
    """Empty every table and restart every id sequence.

    DELETE with triggers off (session_replication_role = replica: no foreign-key checks, no
    append-only guards) takes ~5 ms on the sample's few hundred rows; TRUNCATE of the 33
    tables took ~150 ms, twice per test, ~2 minutes of `make test`. TRUNCATE stays the way
    for a role that may not switch triggers off.
    """
    # The models are imported here, not at the top: importing this module must stay
    # cheap and must not depend on the ORM (e2e helpers use it before the app exists).
    from k3zones.db import Base

    tables = [f'"{t.name}"' for t in Base.metadata.sorted_tables]
    # A worker of a photo test may still be writing; its transaction and ours can
    # deadlock, and PostgreSQL then picks one to fail: try again.
    for attempt in range(5):
        try:
            with engine.begin() as c:
                if c.execute(
                    text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                ).scalar():
                    _delete_all(c, tables)
                else:
                    c.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            return
        except OperationalError:
            if attempt == 4:
                raise
            time.sleep(0.5)


def _delete_all(c: Connection, tables: list[str]) -> None:
    c.execute(text("SET LOCAL session_replication_role = replica"))
    for t in reversed(tables):
        c.execute(text(f"DELETE FROM {t}"))
    sequences = c.execute(
        text(
            "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences"
            " WHERE schemaname = 'public'"
        )
    ).scalars()
    for s in list(sequences):
        c.execute(text(f"ALTER SEQUENCE {s} RESTART"))


def count(engine: Engine, table: str, where: str = "true") -> int:
    with engine.connect() as c:
        return int(c.execute(text(f'SELECT count(*) FROM "{table}" WHERE {where}')).scalar_one())


def flush_redis(url: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def with_password(url: str, password: str | None) -> str:
    """The same Redis or database URL with another password (None: none at all), to show
    that the server refuses a client without the right one."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    auth = f"{user}:{quote(password, safe='')}@" if password is not None else (user and f"{user}@")
    return urlunsplit(parts._replace(netloc=auth + host))


def with_port(url: str, port: int) -> str:
    """The same database URL on another port (e.g. one where nothing listens), whatever
    port K3_PG_PORT chose for the real one."""
    return make_url(url).set(port=port).render_as_string(hide_password=False)


def start_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    """A real Celery worker on the test database, Redis and photo storage."""
    env = {**os.environ, "K3_STORAGE_DIR": settings.storage_dir}
    with open(log, "w") as out:
        return subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "workers.main.celery_app",
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


def stop(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)
