"""Fixtures over the real PostgreSQL/PostGIS and Redis that scripts/services.sh starts,
shared by tests/integration and tests/e2e. Helpers live in tests/support.

Every fixture here is lazy: the unit layer (tests/unit) requests none of them, so it runs
with no database, no Redis and no K3_* variables. That is also why the service modules
are imported inside the fixtures, not at the top: importing alembic, redis and the ORM
costs seconds the unit layer must not pay.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import redis
    from sqlalchemy.engine import Engine

    from k3zones.settings import Settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    from tests.support.services import load_test_settings  # lazy: see the module docstring

    return load_test_settings()


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    """The test database, its schema rebuilt by the migrations once per run."""
    from k3zones.db import make_engine  # lazy: see the module docstring
    from tests.support.services import rebuild_schema  # lazy: see the module docstring

    eng = make_engine(settings.database_url)
    rebuild_schema(eng, settings.database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def app(settings: Settings, engine: Engine) -> Any:
    from api import create_app  # lazy: see the module docstring

    application = create_app(settings)
    application.config["TESTING"] = True
    return application


@pytest.fixture(scope="session")
def uow(app: Any) -> Any:
    return app.extensions["k3"].uow


@pytest.fixture()
def anon(app: Any) -> Any:
    """A client that has not signed in."""
    return app.test_client()


@pytest.fixture()
def login(app: Any, sample: Any) -> Any:
    from tests.support.http import login_client  # lazy: see the module docstring

    return lambda username, password=None: login_client(app, username, password)


@pytest.fixture()
def client(login: Any) -> Any:
    """Signed in as the sample kecamatan's admin (who may edit decrees, zones, targets)."""
    return login("demo.admin")


@pytest.fixture()
def db(engine: Engine) -> Iterator[Engine]:
    """An empty database for the test (emptied again after it)."""
    from tests.support.services import truncate_all  # lazy: see the module docstring

    truncate_all(engine)
    yield engine
    truncate_all(engine)


def _load_sample(app: Any, settings: Settings, history: bool) -> Any:
    from k3zones.services.sample import DEMO_USERS, load_sample  # lazy: see the module docstring
    from tests.support.http import demo_password  # lazy: see the module docstring
    from tests.support.services import flush_redis  # lazy: see the module docstring

    flush_redis(settings.redis_url)
    ctx = app.extensions["k3"]
    passwords = {u: demo_password(u) for u, _, _ in DEMO_USERS}
    return load_sample(ctx.uow, dict(ctx.settings.default_radius_m), passwords, history=history)


@pytest.fixture()
def sample(db: Engine, app: Any, settings: Settings) -> Any:
    """The Medansatria sample data with its demo users, freshly loaded; rate limits reset."""
    return _load_sample(app, settings, history=False)


@pytest.fixture()
def sample_2024(db: Engine, app: Any, settings: Settings) -> Any:
    """The sample data with its 2024 history (penertiban, clean patrols, verification)."""
    return _load_sample(app, settings, history=True)


@pytest.fixture()
def redis_client(settings: Settings) -> Iterator[redis.Redis]:
    import redis  # lazy: see the module docstring

    client = redis.Redis.from_url(settings.redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")  # stopped after its module: others expect no consumer
def worker(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real worker on the test database, Redis and photo storage."""
    from tests.support.services import start_worker, stop  # lazy: see the module docstring

    log = tmp_path_factory.mktemp("worker") / "worker.log"
    proc = start_worker(settings, log)
    yield proc
    stop(proc)
    print(log.read_text()[-4000:])
