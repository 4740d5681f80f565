"""The transactional outbox: work is written in the transaction that causes it, and a
relay hands it to the queue after commit. A broker outage delays work; it loses none."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from k3zones.db import engine_of
from k3zones.logging_setup import REQUEST_ID_KEY, current_request_id
from k3zones.models import Outbox
from k3zones.periods import now_utc

log = logging.getLogger(__name__)
_TABLE: Table = Outbox.__table__  # type: ignore[assignment]

Sender = Callable[[str, dict[str, Any]], None]

# Built once: building a statement costs more CPU than sending it, on the photo PUT path.
_ROW = insert(_TABLE).values(
    task=bindparam("task"),
    payload=bindparam("payload", type_=_TABLE.c.payload.type),
    dedup_key=bindparam("dedup_key"),
)
_INSERT = _ROW.returning(_TABLE.c.id)
_INSERT_DEDUP = _ROW.on_conflict_do_nothing(
    index_elements=[_TABLE.c.dedup_key],
    index_where=_TABLE.c.dispatched_at.is_(None) & _TABLE.c.dedup_key.is_not(None),
).returning(_TABLE.c.id)
# Rows the relay holds (it is sending them too) are skipped, not waited for: the relay
# marks them itself, and the request that sent them never blocks on its lock.
_MARK_SENT = (
    update(_TABLE)
    .where(
        _TABLE.c.id.in_(
            select(_TABLE.c.id)
            .where(
                _TABLE.c.id.in_(bindparam("ids", expanding=True)),
                _TABLE.c.dispatched_at.is_(None),
            )
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
    )
    .values(dispatched_at=bindparam("at"))
)


@dataclass(frozen=True)
class Queued:
    """A row enqueue() added, as it will be sent once its transaction commits."""

    id: int
    task: str
    payload: dict[str, Any]


def enqueue(
    s: Session, task: str, payload: dict[str, Any], dedup_key: str | None = None
) -> Queued | None:
    """Add work to the caller's transaction. With a dedup_key, work already waiting under
    the same key absorbs this one (a burst of reports becomes one recomputation): then
    None. The request (or task) that causes the work is kept in the payload, for its logs."""
    rid = current_request_id()
    if rid is not None:
        payload = {**payload, REQUEST_ID_KEY: rid}
    stmt = _INSERT_DEDUP if dedup_key is not None else _INSERT
    params = {"task": task, "payload": payload, "dedup_key": dedup_key}
    new_id = s.connection().execute(stmt, params).scalar()
    return None if new_id is None else Queued(int(new_id), task, payload)


def send_now(uow: sessionmaker[Session], send: Sender, queued: Iterable[Queued]) -> int:
    """Send work a committed transaction queued (enqueue's Queued), then mark it sent: one
    statement, no lock-and-select as relay() takes. Still at least once, never lost: a row
    not yet marked stays waiting for relay(), which may send it again in that instant
    (tasks are idempotent); a failed send is left to relay(), which records it. The
    payload sent is the one enqueued, in memory: JSON-native values only (as every
    payload here is), so it equals what relay() would read back from the row."""
    sent, _ = _send_each(send, queued)
    if sent:
        with engine_of(uow).connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(_MARK_SENT, {"ids": sent, "at": now_utc()})
    return len(sent)


def _send_each(send: Sender, rows: Iterable[Any]) -> tuple[list[int], tuple[Any, str] | None]:
    """Send rows (with id, task, payload) in order until one fails: the ids sent, and the
    row that failed with its error (the rest wait for the next relay)."""
    sent: list[int] = []
    for row in rows:
        try:
            send(row.task, row.payload)
        except Exception as exc:  # broker down: the row waits
            log.warning("outbox: %s not sent (%s)", row.task, exc)
            return sent, (row, f"{type(exc).__name__}: {exc}"[:500])
        sent.append(row.id)
    return sent, None


def relay(
    uow: sessionmaker[Session], send: Sender, *, limit: int = 200, ids: Iterable[int] | None = None
) -> int:
    """Send waiting work to the queue; return how many were sent. Rows are locked with
    SKIP LOCKED, so several relays never send the same row at once. A task may still be
    sent twice (sent, then the commit fails): tasks are idempotent."""
    t = _TABLE
    # Core on the table, not ORM objects: cheaper for the requests that relay after their
    # commit, and for beat's relay of a backlog.
    with uow() as s, s.begin():
        c = s.connection()
        q = (
            select(t.c.id, t.c.task, t.c.payload)
            .where(t.c.dispatched_at.is_(None))
            .order_by(t.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if ids is not None:
            q = q.where(t.c.id.in_(list(ids)))
        sent, failed = _send_each(send, c.execute(q).all())
        if failed is not None:  # counted on the row, tried again later
            row, error = failed
            c.execute(
                update(t)
                .where(t.c.id == row.id)
                .values(attempts=t.c.attempts + 1, last_error=error)
            )
        if sent:  # this transaction's own locks do not make SKIP LOCKED skip them
            c.execute(_MARK_SENT, {"ids": sent, "at": now_utc()})
    return len(sent)


def pending_count(uow: sessionmaker[Session]) -> int:
    with uow() as s:
        return int(
            s.scalar(select(func.count()).select_from(Outbox).where(Outbox.dispatched_at.is_(None)))
            or 0
        )


def prune(uow: sessionmaker[Session], before: datetime, batch: int = 5000) -> int:
    """Delete the rows handed to the queue before `before`; return how many. A row is
    kept a while after it left (which task a request caused, when it went, in what
    order); a row still waiting is never deleted. Oldest first, a batch per transaction,
    so a long backlog never holds its locks for long."""
    gone = 0
    while True:
        with uow() as s, s.begin():
            oldest = (
                select(Outbox.id)
                .where(Outbox.dispatched_at < before)
                .order_by(Outbox.id)
                .limit(batch)
                .scalar_subquery()
            )
            done = s.execute(delete(Outbox).where(Outbox.id.in_(oldest)).returning(Outbox.id))
            n = len(done.all())
        gone += n
        if n < batch:
            return gone
