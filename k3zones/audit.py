"""The audit trail: every write, by whom, with the changed fields before and after.

Recorded by one session hook, not by each use case, so no write can forget it. The actor
comes from a context variable that the HTTP layer sets per request (workers and the CLI
set their own); a write with no actor set is recorded as "sistem".
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import functools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from geoalchemy2 import WKBElement
from geoalchemy2.shape import to_shape
from sqlalchemy import Table, bindparam, event, insert, inspect, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.elements import ClauseElement

from k3zones import chain
from k3zones.db import run
from k3zones.geo import to_geojson
from k3zones.models import AuditLog, ChainEntry, Decree, User


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID | None
    name: str
    request_id: str | None = None
    ip: str | None = None


SYSTEM = Actor(None, "sistem")
current_actor: ContextVar[Actor | None] = ContextVar("k3zones_actor", default=None)


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = current_actor.set(actor)
    try:
        yield actor
    finally:
        current_actor.reset(token)


# Tables not audited: the log itself, and token rows (rotated on every refresh; the
# session they belong to is audited).
SKIP_TABLES = {"audit_log", "refresh_token", "outbox", "idempotency_record", "chain_entry"}
# Kept out of the log: secrets (their change is recorded, not their value) and noise.
# Never copied into the append-only log: secrets, and complainants' contact data (which
# retention and erasure must be able to remove from the one row that holds it).
SECRET_FIELDS = {
    "password_hash",
    "token_hash",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
}
NOISE_FIELDS = {
    "created_at",
    "updated_at",
    "last_used_at",
    "monitoring_area",
    "content",
    "phash_bands",
    "first_response",  # a copy of the report as first answered: the row itself is logged
}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, WKBElement):
        return to_geojson(to_shape(value))
    if isinstance(value, bytes | memoryview):
        return f"<{len(value)} byte>"
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def _kecamatan_of(session: Session, obj: Any) -> int | None:
    if hasattr(obj, "kecamatan_id"):
        return obj.kecamatan_id  # type: ignore[no-any-return]
    if getattr(obj, "decree_id", None) is not None:
        d = session.get(Decree, obj.decree_id)
        return d.kecamatan_id if d else None
    if getattr(obj, "user_id", None) is not None:
        u = session.get(User, obj.user_id)
        return u.kecamatan_id if u else None
    return None


def _changes(obj: Any, action: str) -> dict[str, Any]:
    state = inspect(obj)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in NOISE_FIELDS:
            continue
        hist = state.attrs[key].history
        if action == "update":
            if not hist.has_changes():
                continue
            before = hist.deleted[0] if hist.deleted else None
            after = hist.added[0] if hist.added else None
        elif action == "create":
            before, after = (
                None,
                (hist.added[0] if hist.added else hist.unchanged[0] if hist.unchanged else None),
            )
        else:  # delete: what was there
            before = (hist.unchanged or hist.deleted or [None])[0]
            after = None
        if isinstance(after, ClauseElement) or isinstance(before, ClauseElement):
            continue  # a server-side value such as now(): not known here
        if action == "create" and after is None:
            continue
        if key in SECRET_FIELDS:
            out[key] = {"before": None, "after": "[diubah]"}
            continue
        b, a = _plain(before), _plain(after)
        if action == "update" and b == a:
            continue
        out[key] = {"before": b, "after": a}
    return out


def entry(session: Session, obj: Any, action: str, actor: Actor) -> dict[str, Any] | None:
    """The audit row for one object's change (None when nothing worth logging changed)."""
    changes = _changes(obj, action)
    if action == "update" and not changes:
        return None
    pk = inspect(obj).mapper.primary_key_from_instance(obj)
    return {
        "kecamatan_id": _kecamatan_of(session, obj),
        "actor_id": actor.user_id,
        "actor": actor.name,
        "entity": obj.__tablename__,
        "entity_id": ",".join(str(p) for p in pk),
        "action": action,
        "changes": changes,
        "request_id": actor.request_id,
        "ip": actor.ip,
    }


# Evidence-chain entries (k3zones.chain) are written by the same hook, in the same
# transaction. Switched off only by the benchmark that measures what they cost.
CHAIN_WRITES = {"on": True}
_CHAIN_COLS = ("kecamatan_id", "kind", "ref", "payload_hash")


def chain_rows(obj: Any, action: str) -> list[dict[str, Any]]:
    """The unsealed chain entries one object's change adds: one per chained kind whose
    content it created, changed or (as a tombstone) deleted."""
    specs = chain.SPECS_BY_TABLE.get(getattr(obj, "__tablename__", ""), ())
    if not specs or not CHAIN_WRITES["on"]:
        return []
    state = inspect(obj) if action != "insert" else None
    rows = []
    for spec in specs:
        if action in ("create", "insert"):
            if not spec.needs_entry(obj):
                continue
        elif action == "update":
            assert state is not None
            if not any(state.attrs[f].history.has_changes() for f in spec.fields):
                continue
        digest = chain.TOMBSTONE if action == "delete" else chain.content_hash(spec, obj)
        rows.append(
            {
                "kecamatan_id": getattr(obj, "kecamatan_id", None),
                "kind": spec.kind.value,
                "ref": spec.ref(obj),
                "payload_hash": digest,
            }
        )
    return rows


_AUDIT_COLS = (
    "kecamatan_id",
    "actor_id",
    "actor",
    "entity",
    "entity_id",
    "action",
    "changes",
    "request_id",
    "ip",
)


@functools.cache
def _insert_with_entry_stmt(table: Table, cols: frozenset[str], chained: int = 0) -> Any:
    """INSERT ... RETURNING as a CTE feeding the audit INSERT, built once per column set
    (a prebuilt statement keeps SQLAlchemy's per-call compile and cache-key work small).
    With `chained` evidence-chain rows, one more CTE inserts them in the same statement."""
    audit: Table = AuditLog.__table__  # type: ignore[assignment]
    created = (
        table.insert()
        .values({c: bindparam(f"v_{c}", type_=table.c[c].type) for c in sorted(cols)})
        .returning(table.c.id)
        .cte("created")
    )
    source = select(*[bindparam(f"a_{c}", type_=audit.c[c].type) for c in _AUDIT_COLS])
    stmt = (
        audit.insert().from_select(list(_AUDIT_COLS), source.select_from(created)).add_cte(created)
    )
    links: Table = ChainEntry.__table__  # type: ignore[assignment]
    for i in range(chained):
        link = select(*[bindparam(f"c{i}_{c}", type_=links.c[c].type) for c in _CHAIN_COLS])
        cte = links.insert().from_select(list(_CHAIN_COLS), link.select_from(created))
        stmt = stmt.add_cte(cte.cte(f"chained{i}"))
    return stmt


def insert_values(obj: Any) -> dict[str, Any]:
    """The column values a new object inserts: those set (not None), not computed."""
    return {
        c.key: getattr(obj, c.key)
        for c in obj.__table__.columns
        if c.computed is None and getattr(obj, c.key, None) is not None
    }


def create_entry(
    session: Session, obj: Any, values: dict[str, Any], actor: Actor
) -> dict[str, Any]:
    """entry(session, obj, "create", actor) from the values being inserted (the non-None
    column values), without walking the object's attribute histories: a twentieth of a
    report POST. tests/integration/test_audit.py holds the two equal."""
    table = obj.__table__
    return {
        "kecamatan_id": _kecamatan_of(session, obj),
        "actor_id": actor.user_id,
        "actor": actor.name,
        "entity": table.name,
        "entity_id": ",".join(str(values[c.key]) for c in table.primary_key.columns),
        "action": "create",
        "changes": {
            k: {"before": None, "after": "[diubah]" if k in SECRET_FIELDS else _plain(v)}
            for k, v in values.items()
            if k not in NOISE_FIELDS and not isinstance(v, ClauseElement)
        },
        "request_id": actor.request_id,
        "ip": actor.ip,
    }


def insert_with_entry(session: Session, obj: Any) -> None:
    """INSERT a new object and its audit row in one statement (one round trip), for the
    hottest write path: a report from a phone. The object stays out of the session."""
    table = obj.__table__
    values = insert_values(obj)
    row = create_entry(session, obj, values, current_actor.get() or SYSTEM)
    params = {f"v_{k}": v for k, v in values.items()} | {f"a_{k}": row[k] for k in _AUDIT_COLS}
    links = chain_rows(obj, "insert")
    for i, link in enumerate(links):
        params |= {f"c{i}_{k}": link[k] for k in _CHAIN_COLS}
    # Core, not ORM: the ORM would take an INSERT of a mapped table for a bulk insert.
    stmt = _insert_with_entry_stmt(table, frozenset(values), len(links))
    run(session.connection(), stmt, params)


@functools.cache
def _update_with_entry_stmt(table: Table, cols: frozenset[str]) -> Any:
    """UPDATE ... RETURNING as a CTE feeding the audit INSERT, built once per column set,
    as _insert_with_entry_stmt. SQLAlchemy adds the onupdate columns (updated_at) itself,
    in a CTE too."""
    audit: Table = AuditLog.__table__  # type: ignore[assignment]
    pk = list(table.primary_key.columns)
    values = {c: bindparam(f"v_{c}", type_=table.c[c].type) for c in sorted(cols)}
    changed = (
        table.update()
        .where(*[c == bindparam(f"k_{c.key}", type_=c.type) for c in pk])
        .values(values)
        .returning(pk[0])
        .cte("changed")
    )
    source = select(*[bindparam(f"a_{c}", type_=audit.c[c].type) for c in _AUDIT_COLS])
    # RETURNING says whether the row was there (the driver gives no row count here).
    return (
        audit.insert()
        .from_select(list(_AUDIT_COLS), source.select_from(changed))
        .add_cte(changed)
        .returning(audit.c.id)
    )


def update_with_entry(session: Session, obj: Any, values: dict[str, Any]) -> None:
    """Set columns of a loaded (and locked) object and write the audit row of the change
    in one statement, where the flush would take two plus its bookkeeping: a photo PUT
    counting the report's photos. The row reads as the flush hook's would (entry()); the
    object's loaded state takes the new values. Not for fields the evidence chain covers:
    those change through the flush, which writes their chain entries."""
    table = obj.__table__
    for spec in chain.SPECS_BY_TABLE.get(table.name, ()):
        if set(values) & set(spec.fields):
            raise ValueError(f"{table.name}: chained fields change through the flush")
    changes = {}
    for k, v in values.items():
        before, after = _plain(getattr(obj, k)), _plain(v)
        if k not in NOISE_FIELDS and before != after:
            changes[k] = (
                {"before": None, "after": "[diubah]"}
                if k in SECRET_FIELDS
                else {"before": before, "after": after}
            )
    if not changes:  # nothing worth a log line: no row, as entry() gives none
        for k, v in values.items():
            setattr(obj, k, v)
        return
    actor = current_actor.get() or SYSTEM
    pk = inspect(obj).mapper.primary_key_from_instance(obj)
    row = {
        "kecamatan_id": _kecamatan_of(session, obj),
        "actor_id": actor.user_id,
        "actor": actor.name,
        "entity": table.name,
        "entity_id": ",".join(str(p) for p in pk),
        "action": "update",
        "changes": changes,
        "request_id": actor.request_id,
        "ip": actor.ip,
    }
    params = (
        {f"v_{k}": v for k, v in values.items()}
        | {f"k_{c.key}": p for c, p in zip(table.primary_key.columns, pk, strict=True)}
        | {f"a_{k}": row[k] for k in _AUDIT_COLS}
    )
    done = run(session.connection(), _update_with_entry_stmt(table, frozenset(values)), params)
    if not done:  # the row is gone: nothing was changed, nothing logged
        raise StaleDataError(f"{table.name} {row['entity_id']}: baris tidak ada lagi")
    for k, v in values.items():
        set_committed_value(obj, k, v)
    # What the database set beside them (updated_at, generated columns) is read again
    # when next used, as after a flush.
    unloaded = inspect(obj).unloaded
    stale = [
        c.key
        for c in table.columns
        if (c.onupdate is not None or c.computed is not None)
        and c.key not in values
        and c.key not in unloaded
    ]
    if stale:
        session.expire(obj, stale)


def _after_flush(session: Session, _ctx: Any) -> None:
    actor = current_actor.get() or SYSTEM
    rows: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    for action, objs in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objs:
            table = getattr(obj, "__tablename__", None)
            if table is None or table in SKIP_TABLES:
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            row = entry(session, obj, action, actor)
            if row is not None:
                rows.append(row)
            links.extend(chain_rows(obj, action))
    if links:
        session.connection().execute(insert(ChainEntry), links)
    if rows:
        # Core insert inside the same transaction: the log commits or rolls back with
        # the change it describes.
        session.connection().execute(insert(AuditLog), rows)


def install(factory: sessionmaker[Session]) -> None:
    if not event.contains(factory, "after_flush", _after_flush):
        event.listen(factory, "after_flush", _after_flush)
