"""k3zones.db.Compiled and the autocommit companion: the hottest statements (every
request's session check, the report POST's zone match and INSERT) run compiled once, on
the driver, and must behave as SQLAlchemy's own execution does: same values bound, same
rows, same exceptions, a lost connection handled, nothing left uncommitted."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError, OperationalError

from k3zones.db import Compiled, autocommit_engine, autocommit_session, make_autocommit_engine, run
from k3zones.enums import Role
from k3zones.models import User
from k3zones.services.auth import _SESSION_CHECK
from k3zones.services.reports import _NEAREST_ZONE


def _zone_params(kecamatan_id: int, lon: float, lat: float) -> dict[str, Any]:
    from datetime import UTC, date, datetime

    return {
        "point": from_shape(Point(lon, lat), srid=4326),
        "activity": "patroli",
        "day_from": date(2024, 4, 20),
        "day": date(2024, 5, 2),
        "at": datetime(2024, 5, 2, 1, 15, tzinfo=UTC),
        "team_id": None,
        "officer_id": uuid.uuid4(),
        "kecamatan_id": kecamatan_id,
    }


def test_compiled_rows_equal_sqlalchemy_core(uow, sample):
    """The zone match (geometry, enum and date binds) through Compiled gives the rows Core
    gives, for a point inside a zone and one outside every zone."""
    with uow() as s:
        kecamatan_id = s.scalar(select(User.kecamatan_id).where(User.username == "demo.petugas"))
        conn = s.connection()
        for lon, lat in ((106.9790, -6.2072), (106.5, -6.5)):
            params = _zone_params(kecamatan_id, lon, lat)
            core = [tuple(r) for r in conn.execute(_NEAREST_ZONE, params)]
            assert [tuple(r) for r in run(conn, _NEAREST_ZONE, params)] == core
        assert core == []  # the second point: no zone
        assert run(conn, _NEAREST_ZONE, _zone_params(kecamatan_id, 106.9790, -6.2072))


def test_the_session_check_reads_the_role_as_its_value(uow, login):
    login("demo.petugas")  # a session to find
    with autocommit_engine(uow).connect() as c:
        user_id, sid = c.execute(
            text(
                "SELECT u.id, s.id FROM auth_session s JOIN app_user u ON u.id = s.user_id "
                "WHERE u.username = 'demo.petugas' LIMIT 1"
            )
        ).one()
        (row,) = run(c, _SESSION_CHECK, {"user_id": user_id, "session_id": sid})
        assert run(c, _SESSION_CHECK, {"user_id": user_id, "session_id": uuid.uuid4()}) == []
    assert row.role == "petugas" and Role(row.role) == Role.PETUGAS
    assert (row.username, row.active, row.revoked_at) == ("demo.petugas", True, None)


@pytest.fixture()
def scratch(engine):
    meta = MetaData()
    table = Table(
        "k3_compiled_scratch",
        meta,
        Column("id", Integer, primary_key=True),
        Column("doc", JSONB, nullable=True),
    )
    meta.create_all(engine)
    yield table
    meta.drop_all(engine)


def test_driver_errors_are_sqlalchemys_and_autocommit_keeps_each_write(uow, scratch):
    insert = scratch.insert().values(id=bindparam("id"))
    with autocommit_session(uow) as s:
        run(s.connection(), insert, {"id": 1})
        # A unique violation is SQLAlchemy's IntegrityError (submit_report retries on it),
        # and in autocommit the first row stays: nothing to roll back.
        with pytest.raises(IntegrityError):
            run(s.connection(), insert, {"id": 1})
        run(s.connection(), insert, {"id": 2})
        # Closed without a commit: each statement committed on its own.
    with uow() as s:
        assert sorted(s.scalars(select(scratch.c.id))) == [1, 2]


def test_a_lost_connection_is_invalidated_not_reused(settings, engine, scratch):
    """A backend killed under a pooled autocommit connection: the next Compiled statement
    fails as SQLAlchemy's OperationalError, the pool is invalidated (the API answers 503,
    retryable) and the statement after it runs on a fresh connection."""
    ac = make_autocommit_engine(settings.database_url)  # its pool holds this one connection
    try:
        with ac.connect() as c:
            pid = c.scalar(text("SELECT pg_backend_pid()"))
        with engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        count = select(scratch.c.id)
        with ac.connect() as c, pytest.raises(OperationalError) as failed:
            run(c, count, {})
        assert failed.value.connection_invalidated
        with ac.connect() as c:
            assert run(c, count, {}) == []
            assert c.scalar(text("SELECT pg_backend_pid()")) != pid
    finally:
        ac.dispose()


def test_compiled_refuses_what_it_cannot_bind_once(engine):
    meta = MetaData()
    with_default = Table(
        "k3_compiled_default",
        meta,
        Column("id", Integer, primary_key=True),
        Column("n", Integer, default=lambda: 7),
    )
    with pytest.raises(ValueError, match="Python-side defaults"):
        Compiled(with_default.insert().values(id=bindparam("id")), engine.dialect)
    expanding = select(with_default.c.id).where(
        with_default.c.id.in_(bindparam("ids", expanding=True))
    )
    with pytest.raises(ValueError, match="expanding"):
        Compiled(expanding, engine.dialect)
    computed = select(with_default.c.id).where(with_default.c.n == bindparam("n", callable_=int))
    with pytest.raises(ValueError, match="callable"):
        Compiled(computed, engine.dialect)


def test_a_none_binds_as_sqlalchemy_binds_it(uow, scratch):
    """None through a type's processor as Core does: for JSONB that is JSON null, not SQL
    NULL (update_with_entry may one day set a JSONB field to None)."""
    insert = scratch.insert().values(id=bindparam("id"), doc=bindparam("doc"))
    with uow() as s, s.begin():
        s.connection().execute(insert, {"id": 1, "doc": None})
        run(s.connection(), insert, {"id": 2, "doc": None})
        kinds = s.execute(
            text("SELECT id, jsonb_typeof(doc) FROM k3_compiled_scratch ORDER BY id")
        ).all()
    assert [tuple(k) for k in kinds] == [(1, "null"), (2, "null")]


def test_an_autocommit_session_refuses_an_orm_write(uow):
    """A flush writes a change and its audit row in two statements: in autocommit each
    would commit alone. autocommit_session is for reads and one-statement writes only."""
    from k3zones.models import Kelurahan

    with autocommit_session(uow) as s, pytest.raises(RuntimeError, match="transaction"):
        s.add(Kelurahan(kecamatan_id=1, slug="tidak-boleh", name="Tidak boleh"))
        s.flush()
