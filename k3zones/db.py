"""Declarative base, engine and session factory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

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


def make_engine(database_url: str, statement_timeout_ms: int = 0, **kwargs: object) -> Engine:
    # pool_pre_ping: a restarted database must not turn into 500s on the next request.
    # statement_timeout: no statement holds a connection (and a web worker) without end;
    # PostgreSQL cancels it and the transaction rolls back.
    options = f"-c timezone=UTC -c statement_timeout={int(statement_timeout_ms)}"
    return create_engine(
        database_url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        connect_args={"options": options},
        **kwargs,
    )


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
