"""Celery tasks: thin wrappers over k3zones services."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from k3zones.services.health import record_heartbeat


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Tell /readyz a worker is consuming the queue (beat sends this every minute)."""
    record_heartbeat(current_app.extensions["k3"].redis)
