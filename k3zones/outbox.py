"""The transactional outbox: work is written in the transaction that causes it, and a
relay hands it to the queue after commit. A broker outage delays work; it loses none."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from k3zones.db import autocommit_engine
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
# Written as sent: the request that writes it sends it itself after commit (send_now).
_INSERT_CLAIMED = _ROW.values(dispatched_at=func.now()).returning(_TABLE.c.id)
_INSERT_DEDUP = _ROW.on_conflict_do_nothing(
    index_elements=[_TABLE.c.dedup_key],
    index_where=_TABLE.c.dispatched_at.is_(None) & _TABLE.c.dedup_key.is_not(None),
).returning(_TABLE.c.id)
# The relay marks what it sent, in its own transaction (it holds their locks).
_MARK_SENT = (
    update(_TABLE)
    .where(_TABLE.c.id.in_(bindparam("ids", expanding=True)))
    .values(dispatched_at=bindparam("at"))
)
# A claimed row whose send failed waits for the relay again, unless another row with its
# key waits already (it carries the same work; two waiting rows cannot share a key).
_o = _TABLE.alias("w")
_RELEASE = (
    update(_TABLE)
    .where(
        _TABLE.c.id == bindparam("row_id"),
        _TABLE.c.dispatched_at.is_not(None),
        ~select(_o.c.id)
        .where(_o.c.dedup_key == _TABLE.c.dedup_key, _o.c.dispatched_at.is_(None))
        .exists(),
    )
    .values(
        dispatched_at=None,
        attempts=_TABLE.c.attempts + bindparam("tried"),
        last_error=func.coalesce(
            bindparam("error", type_=_TABLE.c.last_error.type), _TABLE.c.last_error
        ),
    )
)


@dataclass(frozen=True)
class Queued:
    """A row enqueue() added, as it will be sent once its transaction commits."""

    id: int
    task: str
    payload: dict[str, Any]


def enqueue(
    s: Session,
    task: str,
    payload: dict[str, Any],
    dedup_key: str | None = None,
    *,
    claim: bool = False,
) -> Queued | None:
    """Add work to the caller's transaction. With a dedup_key, work already waiting under
    the same key absorbs this one (a burst of reports becomes one recomputation): then
    None. The request (or task) that causes the work is kept in the payload, for its logs.

    claim=True: the caller sends the work itself right after commit (send_now), so the row
    is written as sent and nothing waits for the relay; no other waiting row absorbs it. A
    send that fails gives the row back to the relay; a process that dies between commit
    and send leaves a row that says sent. Only for work a sweeper queues again when it was
    never done (a photo still waiting after K3_SWEEP_STUCK_SECONDS is)."""
    rid = current_request_id()
    if rid is not None:
        payload = {**payload, REQUEST_ID_KEY: rid}
    stmt = _INSERT_CLAIMED if claim else _INSERT_DEDUP if dedup_key is not None else _INSERT
    params = {"task": task, "payload": payload, "dedup_key": dedup_key}
    new_id = s.connection().execute(stmt, params).scalar()
    return None if new_id is None else Queued(int(new_id), task, payload)


def send_now(uow: sessionmaker[Session], send: Sender, queued: Sequence[Queued]) -> int:
    """Send work a committed transaction claimed (enqueue(claim=True)); return how many
    were sent. The rows already say sent, so a send that works costs no statement: no
    lock-and-select as relay() takes, no second commit. The first send that fails gives
    its row (attempt counted) and the rest back to the relay. The payload sent is the one
    enqueued, in memory: JSON-native values only (as every payload here is), so it equals
    what relay() would read back from the row."""
    sent, failed = _send_each(send, queued)
    if failed is not None:
        row, error = failed
        release(uow, queued[len(sent) :], error, failed=row.id)
    return len(sent)


def release(
    uow: sessionmaker[Session],
    queued: Sequence[Queued],
    error: str | None,
    failed: int | None = None,
) -> None:
    """Claimed rows that did not reach the queue wait for the relay again (`failed`: the
    one whose send was tried, its attempt and error recorded). Autocommit, one row per
    statement: a row whose key another waiting row took meanwhile is left as it is."""
    with autocommit_engine(uow).connect() as c:
        for q in queued:
            tried = q.id == failed
            try:
                c.execute(
                    _RELEASE,
                    {"row_id": q.id, "tried": int(tried), "error": error if tried else None},
                )
            except IntegrityError:
                # A waiting row with its key appeared in between: it carries the work.
                log.info("outbox: %s %s left sent; a waiting row has its key", q.task, q.id)


def error_text(exc: BaseException) -> str:
    """What an outbox row records of a failed send (last_error)."""
    return f"{type(exc).__name__}: {exc}"[:500]


def _send_each(send: Sender, rows: Iterable[Any]) -> tuple[list[int], tuple[Any, str] | None]:
    """Send rows (with id, task, payload) in order until one fails: the ids sent, and the
    row that failed with its error (the rest wait for the next relay)."""
    sent: list[int] = []
    for row in rows:
        try:
            send(row.task, row.payload)
        except Exception as exc:  # broker down: the row waits
            log.warning("outbox: %s not sent (%s)", row.task, exc)
            return sent, (row, error_text(exc))
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
        if sent:
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
