"""Declarative base, engine and session factory."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from k3zones import fastjson

# Stable constraint names so Alembic migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# A pooled connection idle longer than this is pinged before use (see make_engine).
PING_AFTER_IDLE_S = 5.0


def make_engine(database_url: str, statement_timeout_ms: int = 0, **kwargs: object) -> Engine:
    # statement_timeout: no statement holds a connection (and a web worker) without end;
    # PostgreSQL cancels it and the transaction rolls back.
    options = f"-c timezone=UTC -c statement_timeout={int(statement_timeout_ms)}"
    engine = create_engine(
        database_url,
        pool_size=5,
        max_overflow=10,
        connect_args={"options": options},
        # JSONB values read (a list page of 200 reports reads 600): the same values, read
        # in C. Written ones stay with the standard library (fastjson's docstring).
        json_deserializer=fastjson.loads,
        **kwargs,
    )
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """A restarted database must not turn into errors on the next request, but a ping on
    every checkout (pool_pre_ping) is a round trip on every request (and two on a report
    POST: a sixth of its time). Only a connection that sat idle in the pool is pinged; a
    dead one is replaced there (DisconnectionError makes the pool connect anew). One used
    a moment ago that meets a restarted server fails its statement once: SQLAlchemy sees
    the disconnect and invalidates the whole pool, the caller answers 503 (retryable)."""

    @event.listens_for(engine.pool, "checkin")
    def _checkin(_dbapi: Any, record: Any) -> None:
        record.info["k3_idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _checkout(dbapi: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("k3_idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            with dbapi.cursor() as cur:
                cur.execute("SELECT 1")
            if not dbapi.autocommit:
                dbapi.rollback()  # the ping must not leave a transaction open
        except Exception as exc:  # any failure: the pool discards it and connects anew
            raise DisconnectionError(str(exc)) from exc


def engine_of(uow: sessionmaker[Session]) -> Engine:
    """The engine a unit-of-work factory is bound to, for the few reads on the hottest
    paths that need no Session (its bookkeeping is a tenth of a small request)."""
    engine: Engine = uow.kw["bind"]
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # No autoflush: services flush where they mean to, so a uniqueness pre-check never
    # trips over the very row it is checking.
    # The audit hook is installed by whoever builds the runtime (k3zones.runtime).
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


@contextmanager
def snapshot(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A read-only unit of work that sees one consistent snapshot (REPEATABLE READ), so a
    report and its photos are read as of the same moment even while a worker commits."""
    with factory() as session:
        session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
        try:
            yield session
        finally:
            session.rollback()
