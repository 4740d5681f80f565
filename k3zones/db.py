"""Declarative base, engine and session factory."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from psycopg.rows import namedtuple_row
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Connection, Dialect, Engine
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
    kwargs = {"pool_size": 5, "max_overflow": 10} | kwargs
    engine = create_engine(
        database_url,
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


def make_autocommit_engine(database_url: str, statement_timeout_ms: int = 0) -> Engine:
    """The engine's companion whose pooled connections stay in autocommit: each statement
    commits on its own, with no BEGIN and no COMMIT round trip, and no isolation switch
    on each checkout (execution_options(isolation_level=...) costs ~0.25 ms of CPU each
    way). For reads that need no transaction and for writes that are one statement: the
    report POST's common case and every request's session check. One connection kept
    (a sync worker runs one request at a time; more open only for a burst and are closed
    again), so a process holds one more connection than before, not five."""
    return make_engine(
        database_url, statement_timeout_ms, isolation_level="AUTOCOMMIT", pool_size=1
    )


def autocommit_engine(uow: sessionmaker[Session]) -> Engine:
    """The autocommit companion of the engine a unit-of-work factory is bound to."""
    engine: Engine = uow.kw["info"][_AUTOCOMMIT]
    return engine


_AUTOCOMMIT = "k3_autocommit_engine"


def make_session_factory(engine: Engine, autocommit: Engine) -> sessionmaker[Session]:
    """Units of work on `engine`; `autocommit` (make_autocommit_engine, on the same
    database) serves autocommit_session and autocommit_engine."""
    # No autoflush: services flush where they mean to, so a uniqueness pre-check never
    # trips over the very row it is checking.
    # The audit hook is installed by whoever builds the runtime (k3zones.runtime).
    factory: sessionmaker[Session] = sessionmaker(expire_on_commit=False, autoflush=False)
    rebind(factory, engine, autocommit)
    event.listen(factory, "before_flush", _no_flush_in_autocommit)
    return factory


def rebind(factory: sessionmaker[Session], engine: Engine, autocommit: Engine) -> None:
    """Point a unit-of-work factory (and those who hold it) at other engines."""
    factory.configure(bind=engine, info={_AUTOCOMMIT: autocommit})


_IN_AUTOCOMMIT = "k3_in_autocommit"


def _no_flush_in_autocommit(session: Session, _ctx: Any, _objects: Any) -> None:
    # A flush writes the change and its audit row in separate statements: in autocommit
    # each would commit alone, and a failure between them would leave half of it.
    if session.info.get(_IN_AUTOCOMMIT):
        raise RuntimeError("autocommit_session: ORM writes need a transaction (uow())")


@contextmanager
def autocommit_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work on the autocommit companion: every statement commits on its own.
    Only for reads and for writes of one statement each (atomic by themselves, e.g.
    k3zones.audit.insert_with_entry); an ORM flush is refused."""
    with factory(bind=autocommit_engine(factory), info={_IN_AUTOCOMMIT: True}) as session:
        yield session


class Compiled:
    """A Core statement compiled once for a dialect and run on the driver's cursor: the
    same SQL, bound through the same type processors (geometry to EWKT, JSONB to text,
    enums to their values), without SQLAlchemy's per-execution work (cache key, execution
    context, result setup: most of the CPU of the hottest statements: the session check
    of every request, the report POST's zone match and INSERT). A driver error goes
    through SQLAlchemy's own handling: raised as its exception class, and a lost
    connection invalidates the pool. Rows are named tuples of the driver's values (an
    enum column reads as its string). No cursor-execute events fire (nothing in the app
    listens; bench/city.py and bench/scale.py count the read paths' statements only)."""

    def __init__(self, statement: Any, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        # Values SQLAlchemy would work out per execution (expanding IN lists, Python-side
        # column defaults) have no place in a string compiled once.
        if "POSTCOMPILE" in self.sql or compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError("Compiled: expanding parameters or Python-side defaults")
        binds = {compiled.bind_names[b]: b for b in compiled.binds.values()}
        # Nor values computed at execution, nor names the SQL spells otherwise.
        if compiled.escaped_bind_names or any(b.callable is not None for b in binds.values()):
            raise ValueError("Compiled: callable or escaped bind parameters")
        # Values built into the statement (LIMIT 1, a state compared with).
        self._defaults = {
            name: b.effective_value for name, b in binds.items() if b.effective_value is not None
        }
        self._processors = {
            name: proc
            for name, b in binds.items()
            if (proc := b.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }

    def params(self, values: dict[str, Any]) -> dict[str, Any]:
        out = self._defaults | values
        for name, proc in self._processors.items():
            if name in out:  # None too, as SQLAlchemy does (a JSONB None is JSON null)
                out[name] = proc(out[name])
        return out

    def execute(self, conn: Connection, values: dict[str, Any]) -> list[Any]:
        params = self.params(values)
        try:
            with conn.connection.dbapi_connection.cursor(row_factory=namedtuple_row) as cur:  # type: ignore[union-attr]
                cur.execute(self.sql, params)
                return cur.fetchall() if cur.description else []
        except BaseException as exc:
            # As SQLAlchemy's own execution: a driver error raised as its exception class
            # (a lost connection invalidates the pool), a worker stopped mid-statement
            # (SystemExit, KeyboardInterrupt) leaves no connection behind for reuse; any
            # other error is raised as it is.
            if isinstance(exc, conn.dialect.loaded_dbapi.Error) or not isinstance(exc, Exception):
                conn._handle_dbapi_exception(exc, self.sql, params, None, None)
            raise


@functools.cache
def compiled(statement: Any, dialect: Dialect) -> Compiled:
    """Compiled(statement, dialect), once per prebuilt statement (module constants and
    the cached builders of k3zones.audit)."""
    return Compiled(statement, dialect)


def run(conn: Connection, statement: Any, values: dict[str, Any]) -> list[Any]:
    """Execute a prebuilt Core statement on `conn` through its Compiled form."""
    return compiled(statement, conn.dialect).execute(conn, values)


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
