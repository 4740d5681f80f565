"""Celery tasks: thin wrappers over k3zones services."""

from __future__ import annotations

import uuid

from celery import shared_task
from flask import current_app

from k3zones.services import exports, indicator, photos, zone_status
from k3zones.services.health import record_heartbeat
from k3zones.storage import StorageError


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Tell /readyz a worker is consuming the queue (beat sends this every minute)."""
    record_heartbeat(current_app.extensions["k3"].redis)


@shared_task(
    ignore_result=True,
    acks_late=True,
    autoretry_for=(StorageError,),
    retry_backoff=True,
    max_retries=10,
)
def process_photo(photo_id: str) -> str:
    """EXIF, derived images and evidence flags for one photo. Idempotent, so acks_late:
    a worker killed mid-photo leaves it for the next."""
    ctx = current_app.extensions["k3"]
    return photos.process_photo(ctx.uow, ctx.storage, ctx.rules, uuid.UUID(photo_id))


@shared_task(ignore_result=True)
def relay_outbox() -> int:
    """Hand waiting outbox work to the queue (what the API could not send at once)."""
    return int(current_app.extensions["k3"].relay())


@shared_task(ignore_result=True, acks_late=True)
def recompute_zone(zone_id: str) -> str:
    """A zone's status after a review or a verification (coalesced through the outbox)."""
    return zone_status.recompute_zone(current_app.extensions["k3"].uow, uuid.UUID(zone_id))


@shared_task(ignore_result=True)
def recompute_all_zones() -> int:
    """Nightly: the 14-day window moves even on days without reports."""
    return zone_status.recompute_all(current_app.extensions["k3"].uow)


@shared_task(ignore_result=True, acks_late=True)
def monthly_snapshots() -> int:
    """1st of the month, 01:00 WIB: every kecamatan's snapshot of the month before."""
    return indicator.monthly_snapshots(current_app.extensions["k3"].uow)


@shared_task(ignore_result=True, acks_late=True)
def build_export(job_id: str) -> str:
    """Build an LKIP export file (idempotent: a finished job is left alone)."""
    ctx = current_app.extensions["k3"]
    return exports.build(ctx.uow, ctx.storage, uuid.UUID(job_id))
