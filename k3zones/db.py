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


def make_engine(database_url: str, **kwargs: object) -> Engine:
    # pool_pre_ping: a restarted database must not turn into 500s on the next request.
    return create_engine(
        database_url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        connect_args={"options": "-c timezone=UTC"},
        **kwargs,
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # No autoflush: services flush where they mean to, so a uniqueness pre-check never
    # trips over the very row it is checking.
    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
    from k3zones import audit  # here, not at the top: audit needs the models, which need Base

    audit.install(factory)
    return factory


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


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
