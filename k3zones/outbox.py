"""The transactional outbox: work is written in the transaction that causes it, and a
relay hands it to the queue after commit. A broker outage delays work; it loses none."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from k3zones.logging_setup import REQUEST_ID_KEY, current_request_id
from k3zones.models import Outbox
from k3zones.periods import now_utc

log = logging.getLogger(__name__)

Sender = Callable[[str, dict[str, Any]], None]


def enqueue(s: Session, task: str, payload: dict[str, Any], dedup_key: str | None = None) -> None:
    """Add work to the caller's transaction. With a dedup_key, work already waiting under
    the same key absorbs this one (a burst of reports becomes one recomputation).
    The request (or task) that causes the work is kept in the payload, for its logs."""
    rid = current_request_id()
    if rid is not None:
        payload = {**payload, REQUEST_ID_KEY: rid}
    stmt = insert(Outbox).values(task=task, payload=payload, dedup_key=dedup_key)
    if dedup_key is not None:
        stmt = stmt.on_conflict_do_nothing(
            index_elements=[Outbox.dedup_key],
            index_where=Outbox.dispatched_at.is_(None) & Outbox.dedup_key.is_not(None),
        )
    s.execute(stmt)


def relay(
    uow: sessionmaker[Session], send: Sender, *, limit: int = 200, ids: Iterable[int] | None = None
) -> int:
    """Send waiting work to the queue; return how many were sent. Rows are locked with
    SKIP LOCKED, so several relays never send the same row at once. A task may still be
    sent twice (sent, then the commit fails): tasks are idempotent."""
    sent = 0
    with uow() as s, s.begin():
        q = (
            select(Outbox)
            .where(Outbox.dispatched_at.is_(None))
            .order_by(Outbox.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if ids is not None:
            q = q.where(Outbox.id.in_(list(ids)))
        for row in s.scalars(q):
            try:
                send(row.task, row.payload)
            except Exception as exc:  # broker down: keep the row, try again later
                row.attempts += 1
                row.last_error = f"{type(exc).__name__}: {exc}"[:500]
                log.warning("outbox relay: %s not sent (%s)", row.task, exc)
                break
            row.dispatched_at = now_utc()
            sent += 1
    return sent


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
