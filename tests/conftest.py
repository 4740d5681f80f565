"""Fixtures over the real PostgreSQL/PostGIS and Redis that scripts/services.sh starts.

`make test` exports K3_DATABASE_URL (the k3zones_test database) and K3_REDIS_URL (db 15).
The schema is rebuilt with `alembic upgrade head` once per run, so the migrations are
what the tests exercise; tables are emptied between tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
TESTDATA = ROOT.parent / "shared" / "testdata"


def _settings():  # type: ignore[no-untyped-def]
    from k3zones.settings import Settings

    if not os.environ.get("K3_DATABASE_URL", "").rstrip("/").endswith("_test"):
        pytest.exit(
            "K3_DATABASE_URL must name a *_test database; run the tests with `make test`.",
            returncode=2,
        )
    return Settings.from_env()


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
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


def truncate_all(engine: Engine) -> None:
    from k3zones.db import Base

    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as c:
        c.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture()
def db(engine: Engine) -> Iterator[Engine]:
    """An empty database for the test (emptied again after it)."""
    truncate_all(engine)
    yield engine
    truncate_all(engine)


@pytest.fixture()
def sample(db, app):  # type: ignore[no-untyped-def]
    """The Medansatria sample data, freshly loaded."""
    from k3zones.sample import load_sample

    ctx = app.extensions["k3"]
    return load_sample(ctx.uow, dict(ctx.settings.default_radius_m))


@pytest.fixture()
def redis_client(settings) -> Iterator[redis.Redis]:  # type: ignore[no-untyped-def]
    client = redis.Redis.from_url(settings.redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def count(engine: Engine, table: str) -> int:
    with engine.connect() as c:
        return int(c.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())
