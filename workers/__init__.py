"""Celery wiring (the celery_init_app pattern of the Flask docs). Tasks stay thin: they take
ids, open their own unit of work through k3zones services, and are safe to run twice."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from celery.signals import worker_init, worker_process_init, worker_ready
from flask import Flask

from k3zones.services.health import record_heartbeat


def beat_schedule(heartbeat_seconds: int, sweep_seconds: int = 300) -> dict[str, dict[str, Any]]:
    return {
        "heartbeat": {"task": "workers.tasks.heartbeat", "schedule": float(heartbeat_seconds)},
        # Work the API could not hand over at once (broker down) leaves the outbox here.
        "relay-outbox": {"task": "workers.tasks.relay_outbox", "schedule": 10.0},
        # Photos whose task was lost (worker killed, broker restarted) are queued again.
        "sweep-unfinished": {
            "task": "workers.tasks.sweep_unfinished",
            "schedule": float(sweep_seconds),
        },
        # Crontabs are read in the Celery timezone, Asia/Jakarta.
        "recompute-zones-nightly": {
            "task": "workers.tasks.recompute_all_zones",
            "schedule": crontab(hour=0, minute=15),
        },
        "monthly-snapshots": {
            "task": "workers.tasks.monthly_snapshots",
            "schedule": crontab(day_of_month=1, hour=1, minute=0),
        },
        # Complaints past their SLA: one notification for pimpinan each (idempotent).
        "escalate-complaints": {
            "task": "workers.tasks.escalate_complaints",
            "schedule": 300.0,
        },
        # Jadwal patroli: materialise today (catching up missed days), mark ended windows
        # terlewat. Every 10 minutes: a window's end is seen soon; a repeat creates nothing.
        "patrol-tasks": {"task": "workers.tasks.patrol_tasks", "schedule": 600.0},
        "sweep-complaint-photos": {
            "task": "workers.tasks.sweep_complaint_photos",
            "schedule": float(sweep_seconds),
        },
        # Evidence chain: seal waiting entries; record yesterday's root after midnight WIB.
        "seal-chain": {"task": "workers.tasks.seal_chain", "schedule": 60.0},
        "chain-daily-roots": {
            "task": "workers.tasks.chain_daily_roots",
            "schedule": crontab(hour=0, minute=5),
        },
        "verify-chain-nightly": {
            "task": "workers.tasks.verify_chain",
            "schedule": crontab(hour=2, minute=30),
        },
        # Privacy: public (blurred) copies for photos without one; retention at 02:30 WIB.
        "sweep-public-photos": {
            "task": "workers.tasks.sweep_public_photos",
            "schedule": float(sweep_seconds),
        },
        "retention-nightly": {
            "task": "workers.tasks.retention_nightly",
            "schedule": crontab(hour=2, minute=30),
        },
    }


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.conf.update(
        enable_utc=True,  # timestamps in UTC; the schedule itself is read in Asia/Jakarta
        beat_schedule=beat_schedule(
            app.extensions["k3"].settings.heartbeat_seconds,
            app.extensions["k3"].settings.sweep_seconds,
        ),
        task_serializer="json",
        accept_content=["json"],
        result_expires=24 * 3600,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        # Fail fast when publishing from a request: the outbox keeps what was not sent.
        broker_connection_timeout=2,
        broker_transport_options={
            "socket_connect_timeout": 2,
            "socket_timeout": 5,
            # Connecting to publish gives up quickly instead of retrying for a minute.
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
            # A task taken by a worker that died unacknowledged goes back to the queue
            # after this long (Redis's default is an hour). Longer than our longest task
            # (an export or a month's snapshots: seconds), so a slow task is not run twice.
            "visibility_timeout": 600,
        },
        task_reject_on_worker_lost=True,
        include=["workers.tasks"],
    )

    def _report_in(**_: object) -> None:
        # /readyz sees a fresh worker at once instead of after the first beat.
        record_heartbeat(app.extensions["k3"].redis)

    worker_ready.connect(_report_in, weak=False)

    def _worker_limits(**_: object) -> None:
        app.extensions["k3"].for_worker()

    # worker_init: the main process (solo pool); worker_process_init: each prefork child.
    worker_init.connect(_worker_limits, weak=False)
    worker_process_init.connect(_worker_limits, weak=False)

    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
