"""Celery wiring without Flask: `make_celery(runtime)` gives a Celery app whose tasks run with
that k3zones Runtime. The worker and beat start from workers.main (no API imported: ~30 MB
less per worker process); the API builds its own for sending and eager tests. Tasks stay
thin: they take ids, open their own unit of work through k3zones services, and are safe to
run twice."""

from __future__ import annotations

import contextvars
import logging
import time
from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from celery.signals import (
    setup_logging,
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_init,
    worker_ready,
)
from prometheus_client import start_http_server

from k3zones import logging_setup, metrics
from k3zones.outbox import Sender
from k3zones.runtime import Runtime
from k3zones.services.health import record_heartbeat

log = logging.getLogger(__name__)


def outbox_sender(celery_app: Celery) -> Sender:
    """How outbox work reaches the queue: the request id the payload carries (enqueue puts
    it there) goes in the task's headers, and the task gets its own arguments only."""

    def send(task: str, payload: dict[str, Any]) -> None:
        kwargs = dict(payload)
        rid = kwargs.pop(logging_setup.REQUEST_ID_KEY, None)
        headers = {logging_setup.REQUEST_ID_HEADER: rid} if isinstance(rid, str) else None
        # Nobody waits on an outbox task's result: without ignore_result Celery subscribes
        # to it in the result backend on every send (a third of the send's cost).
        celery_app.send_task(
            task,
            kwargs=kwargs,
            retry=False,
            headers=headers,
            ignore_result=True,
            add_to_parent=False,
        )

    return send


def _configure_logging(loglevel: object = None, **_: object) -> None:
    # Connected: Celery leaves the root logger to us (JSON or text, with the request id).
    level = logging.getLevelName(loglevel) if isinstance(loglevel, int) else loglevel
    logging_setup.configure(level=str(level or "INFO").upper())


# Worker and beat: logs as K3_LOG_FORMAT says, instead of Celery's own format.
setup_logging.connect(_configure_logging, weak=False)

_started: dict[str, tuple[float, Any]] = {}


def _task_started(task_id: str = "", task: Any = None, **_: object) -> None:
    rid = getattr(task.request, logging_setup.REQUEST_ID_HEADER, None) if task else None
    ctx = logging_setup.task_context(
        rid if isinstance(rid, str) else None, task_id, getattr(task, "name", "-")
    )
    ctx.__enter__()
    _started[task_id] = (time.perf_counter(), ctx)


def _task_finished(task_id: str = "", task: Any = None, state: str | None = None, **_: Any) -> None:
    started = _started.pop(task_id, None)
    if started is None:
        return
    seconds = time.perf_counter() - started[0]
    name = getattr(task, "name", "-")
    metrics.observe_task(name, state or "UNKNOWN", seconds)
    # Logged inside the task's context: the line carries the request id that caused it.
    log.info("tugas %s %s dalam %.3f s", name, state or "-", seconds)
    started[1].__exit__(None, None, None)


task_prerun.connect(_task_started, weak=False)
task_postrun.connect(_task_finished, weak=False)


def beat_schedule(heartbeat_seconds: int, sweep_seconds: int = 300) -> dict[str, dict[str, Any]]:
    return {
        "heartbeat": {"task": "workers.tasks.heartbeat", "schedule": float(heartbeat_seconds)},
        # Work the API could not hand over at once (broker down) leaves the outbox here.
        "relay-outbox": {"task": "workers.tasks.relay_outbox", "schedule": 10.0},
        "prune-outbox": {
            "task": "workers.tasks.prune_outbox",
            "schedule": crontab(hour=3, minute=0),
        },
        # Photos whose task was lost (worker killed, broker restarted) are queued again.
        "sweep-unfinished": {
            "task": "workers.tasks.sweep_unfinished",
            "schedule": float(sweep_seconds),
        },
        # Crontabs are read in the Celery timezone, Asia/Jakarta.
        # Verifications whose validity ended (e.g. 31 March 23:59 WIB) expire at midnight.
        "expire-verifications": {
            "task": "workers.tasks.expire_verifications",
            "schedule": crontab(hour=0, minute=0),
        },
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


# The Runtime of the Celery app running the current task: a context variable, not a module
# global, so two apps in one process (tests, eager mode) never see each other's.
_runtime: contextvars.ContextVar[Runtime] = contextvars.ContextVar("k3_runtime")


def current_runtime() -> Runtime:
    return _runtime.get()


def make_celery(runtime: Runtime, name: str = "k3zones") -> Celery:
    class RuntimeTask(Task):  # type: ignore[misc]
        def __call__(self, *args: object, **kwargs: object) -> object:
            token = _runtime.set(runtime)
            try:
                return self.run(*args, **kwargs)
            finally:
                _runtime.reset(token)

    settings = runtime.settings
    celery_app = Celery(name, task_cls=RuntimeTask)
    celery_app.conf.update(
        broker_url=settings.celery_broker_url,
        result_backend=settings.redis_url,
        timezone=settings.timezone,
        task_always_eager=settings.celery_always_eager,
    )
    celery_app.conf.update(
        enable_utc=True,  # timestamps in UTC; the schedule itself is read in Asia/Jakarta
        beat_schedule=beat_schedule(settings.heartbeat_seconds, settings.sweep_seconds),
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
        record_heartbeat(runtime.redis)

    worker_ready.connect(_report_in, weak=False)

    def _serve_metrics(**_: object) -> None:
        # The main process serves every pool process's values (PROMETHEUS_MULTIPROC_DIR).
        port = settings.worker_metrics_port
        if port:
            start_http_server(port, registry=metrics.registry())
            log.info("metrik worker di port %d", port)

    worker_ready.connect(_serve_metrics, weak=False)

    def _worker_limits(**_: object) -> None:
        runtime.for_worker()

    # worker_init: the main process (solo pool); worker_process_init: each prefork child.
    worker_init.connect(_worker_limits, weak=False)
    worker_process_init.connect(_worker_limits, weak=False)

    celery_app.set_default()
    return celery_app
