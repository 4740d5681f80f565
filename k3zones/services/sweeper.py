"""Work that was accepted but never finished gets done anyway. A photo is stored and its
processing queued in one transaction, but the queued task can still be lost after the
outbox handed it over: a worker killed mid-task, Redis restarted, the database down while
the task ran. The sweeper finds photos still waiting after a while and queues them again
(through the outbox, deduplicated, so a burst of sweeps is one job per photo). A photo a
worker holds (a live `claimed_until` lease, k3zones.services.photos.claim) is left to it; a
crashed worker's lease runs out and the photo is queued again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from k3zones.models import Photo, PhotoStatus
from k3zones.periods import now_utc
from k3zones.services.photos import queue_processing

STUCK_AFTER = timedelta(minutes=10)
BATCH = 500


def requeue_stuck_photos(
    uow: sessionmaker[Session], older_than: timedelta = STUCK_AFTER, limit: int = BATCH
) -> int:
    """Queue again every photo received more than `older_than` ago, still waiting and held
    by no worker (no lease, or one that ran out); returns how many. A photo whose first
    task is merely slow is processed once: the second copy finds it claimed or done."""
    with uow() as s, s.begin():
        ids = list(
            s.scalars(
                select(Photo.id)
                .where(
                    Photo.status == PhotoStatus.DITERIMA,
                    Photo.received_at < now_utc() - older_than,
                    or_(Photo.claimed_until.is_(None), Photo.claimed_until < now_utc()),
                )
                .order_by(Photo.received_at)
                .limit(limit)
            )
        )
        for pid in ids:
            queue_processing(s, pid)
        return len(ids)
