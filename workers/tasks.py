"""Celery tasks: thin wrappers over k3zones services. Each takes ids, never ORM objects,
and reaches the database, Redis and storage through the app's k3zones Runtime.

Only the photo services are imported with the module: every other task imports its service
when it first runs. A worker process that only derives photos (most of them, by far) then
never holds the exports, complaints (with its holiday calendar), plans, indicator, chain
and retention code: ~4 MB of its resident memory (`make bench WHAT=memory`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar, cast

from celery import shared_task
from sqlalchemy.exc import InterfaceError, OperationalError

from k3zones.audit import Actor, acting_as
from k3zones.periods import now_utc
from k3zones.runtime import Runtime
from k3zones.services import photos, privacy
from k3zones.services.health import record_heartbeat
from k3zones.storage import StorageError
from workers import current_runtime

P = ParamSpec("P")
R = TypeVar("R")


def task(**options: Any) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Celery's shared_task with the function's types kept (Celery ships no type hints)."""
    return cast(Callable[[Callable[P, R]], Callable[P, R]], shared_task(**options))


def runtime() -> Runtime:
    return current_runtime()


@task(ignore_result=True)
def heartbeat() -> None:
    """Tell /readyz a worker is consuming the queue (beat sends this every minute)."""
    record_heartbeat(runtime().redis)


# Faults that pass: the database restarting or unreachable, the photo storage failing for a
# while. A task meeting one is retried with growing pauses (up to 10 minutes apart) instead
# of failing for good; the sweeper queues again whatever is still left after that.
TRANSIENT = (StorageError, OperationalError, InterfaceError)
RETRY: dict[str, Any] = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 30,
}


@task(ignore_result=True, acks_late=True, **RETRY)
def process_photo(photo_id: str) -> str:
    """EXIF, derived images and evidence flags for one photo. Idempotent, so acks_late:
    a worker killed mid-photo leaves it for the next (once its claim's lease runs out); a
    second copy of the task while one holds the photo returns "diklaim" at once. The lease
    is K3_SWEEP_STUCK_SECONDS: a derive that long is stuck like a photo waiting that long."""
    ctx = runtime()
    lease = timedelta(seconds=ctx.settings.sweep_stuck_seconds)
    return photos.process_photo(ctx.uow, ctx.storage, ctx.rules, uuid.UUID(photo_id), lease)


@task(ignore_result=True)
def relay_outbox() -> int:
    """Hand waiting outbox work to the queue (what the API could not send at once)."""
    return int(runtime().relay())


@task(ignore_result=True, acks_late=True, **RETRY)
def prune_outbox() -> int:
    """Nightly: outbox rows handed to the queue more than K3_OUTBOX_KEEP_DAYS ago go
    (~0.5 kB a report would otherwise stay forever); waiting rows are never touched."""
    from k3zones import outbox  # why: lazy, see the docstring

    ctx = runtime()
    return outbox.prune(ctx.uow, now_utc() - timedelta(days=ctx.settings.outbox_keep_days))


@task(ignore_result=True, acks_late=True, **RETRY)
def recompute_zone(zone_id: str) -> str:
    """A zone's status after a review or a verification (coalesced through the outbox)."""
    from k3zones.services import zone_status  # why: lazy, see the docstring

    return zone_status.recompute_zone(runtime().uow, uuid.UUID(zone_id))


@task(ignore_result=True)
def recompute_all_zones() -> int:
    """Nightly: the 14-day window moves even on days without reports."""
    from k3zones.services import zone_status  # why: lazy, see the docstring

    return zone_status.recompute_all(runtime().uow)


@task(ignore_result=True, acks_late=True, **RETRY)
def expire_verifications() -> int:
    """00:00 WIB: zones whose verification's validity ended are tertib no longer."""
    from k3zones.services import zone_status  # why: lazy, see the docstring

    return zone_status.expire_verifications(runtime().uow)


@task(ignore_result=True, acks_late=True, **RETRY)
def monthly_snapshots() -> int:
    """1st of the month, 01:00 WIB: every kecamatan's snapshot of the month before."""
    from k3zones.services import indicator  # why: lazy, see the docstring

    return indicator.monthly_snapshots(runtime().uow)


@task(ignore_result=True, acks_late=True, **RETRY)
def build_export(job_id: str) -> str:
    """Build an LKIP export file (idempotent: a finished job is left alone)."""
    from k3zones.services import exports  # why: lazy, see the docstring

    ctx = runtime()
    return exports.build(ctx.uow, ctx.storage, uuid.UUID(job_id))


@task(ignore_result=True)
def sweep_unfinished() -> int:
    """Every few minutes: photos still waiting long after they were received are queued
    again (their task was lost), then handed to the queue."""
    from k3zones.services import sweeper  # why: lazy, see the docstring

    ctx = runtime()
    n = sweeper.requeue_stuck_photos(
        ctx.uow, older_than=timedelta(seconds=ctx.settings.sweep_stuck_seconds)
    )
    if n:
        ctx.relay()
    return n


@task(ignore_result=True, acks_late=True, **RETRY)
def process_complaint_photo(photo_id: str) -> str:
    """A citizen's photo: EXIF, EXIF-free derived images, evidence flags (idempotent)."""
    from k3zones.services import complaints  # why: lazy, see the docstring

    ctx = runtime()
    return complaints.process_photo(ctx.uow, ctx.storage, ctx.rules, uuid.UUID(photo_id))


@task(ignore_result=True)
def escalate_complaints() -> int:
    """Every few minutes: complaints past their SLA notify pimpinan, once per state."""
    from k3zones.services import complaints  # why: lazy, see the docstring

    return complaints.escalate_breaches(runtime().uow)


@task(ignore_result=True)
def sweep_complaint_photos() -> int:
    """Citizens' photos whose task was lost are queued again, then handed to the queue."""
    from k3zones.services import complaints  # why: lazy, see the docstring

    ctx = runtime()
    n = complaints.requeue_stuck_photos(
        ctx.uow, older_than=timedelta(seconds=ctx.settings.sweep_stuck_seconds)
    )
    if n:
        ctx.relay()
    return n


@task(ignore_result=True, acks_late=True, **RETRY)
def patrol_tasks() -> dict[str, int]:
    """Jadwal patroli: today's tasks (and days missed while beat was down), reports that
    waited for them, then windows that ended (terlewat). Idempotent."""
    from k3zones.services import plans  # why: lazy, see the docstring

    r = plans.run_beat(runtime().uow)
    return {"created": r.created, "fulfilled": r.fulfilled, "missed": r.missed}


@task(ignore_result=True, acks_late=True, **RETRY)
def seal_chain() -> int:
    """Every minute: give waiting evidence-chain entries their positions and hashes."""
    from k3zones.services import chain as chain_service  # why: lazy, see the docstring

    return chain_service.seal(runtime().uow)


@task(ignore_result=True, acks_late=True, **RETRY)
def verify_chain() -> bool:
    """A full verification of the evidence chain (asked through the API, and nightly);
    its verdict goes to the audit log. Idempotent: a repeat records another verdict."""
    from k3zones.services import chain as chain_service  # why: lazy, see the docstring

    return chain_service.run_verification(runtime().uow).ok


@task(ignore_result=True, acks_late=True, **RETRY)
def chain_daily_roots() -> int:
    """After midnight WIB: record each finished day's chain root in the audit log."""
    from k3zones.services import chain as chain_service  # why: lazy, see the docstring

    return chain_service.record_daily_roots(runtime().uow)


@task(ignore_result=True, acks_late=True, **RETRY)
def render_public_photo(photo_id: str) -> str:
    """A photo's public copies made again after a reviewer's blur box (idempotent)."""
    ctx = runtime()
    return privacy.render_public(ctx.uow, ctx.storage, uuid.UUID(photo_id))


@task(ignore_result=True)
def sweep_public_photos() -> int:
    """Processed photos without a public copy record (citizens' photos, older photos):
    their render is queued, then handed to the queue."""
    ctx = runtime()
    n = privacy.sweep_public(ctx.uow)
    if n:
        ctx.relay()
    return n


@task(ignore_result=True, acks_late=True, **RETRY)
def retention_nightly() -> dict[str, int]:
    """Nightly: what is past its retention period is deleted, a tombstone each."""
    from k3zones.services import retention  # why: lazy, see the docstring

    ctx = runtime()
    with acting_as(Actor(None, "sistem:retensi")):
        r = retention.run(ctx.uow, ctx.storage, now_utc(), dry_run=False)
    return {"due": len(r.items), "deleted": r.done}
