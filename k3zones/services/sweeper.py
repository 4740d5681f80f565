"""Work that was accepted but never finished gets done anyway. A photo is stored and its
processing queued in one transaction, but the queued task can still be lost after the
outbox handed it over: a worker killed mid-task, Redis restarted, the database down while
the task ran. The sweeper finds photos still waiting after a while and queues them again
(through the outbox, deduplicated, so a burst of sweeps is one job per photo)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from k3zones.models import Photo, PhotoStatus
from k3zones.periods import now_utc
from k3zones.services.photos import queue_processing

STUCK_AFTER = timedelta(minutes=10)
BATCH = 500


def requeue_stuck_photos(
    uow: sessionmaker[Session], older_than: timedelta = STUCK_AFTER, limit: int = BATCH
) -> int:
    """Queue again every photo received more than `older_than` ago and still waiting for
    its worker; returns how many. Processing is idempotent, so a photo whose first task
    is merely slow is processed once and the second task finds it done."""
    with uow() as s, s.begin():
        ids = list(
            s.scalars(
                select(Photo.id)
                .where(
                    Photo.status == PhotoStatus.DITERIMA,
                    Photo.received_at < now_utc() - older_than,
                )
                .order_by(Photo.received_at)
                .limit(limit)
            )
        )
        for pid in ids:
            queue_processing(s, pid)
        return len(ids)
