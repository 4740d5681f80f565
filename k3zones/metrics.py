"""Prometheus metrics (prometheus_client), for the API's /metrics and the worker's port.

Counters and histograms live in each process; with several processes (gunicorn's workers,
Celery's prefork pool) PROMETHEUS_MULTIPROC_DIR names a folder where each process keeps
its values, which a scrape adds up (prometheus_client's multiprocess mode). The folder is
emptied when the server starts (docker/entrypoint.sh, docker/gunicorn_conf.py).

What the database and Redis hold (outbox depth and age, queue length, export jobs, the
worker's heartbeat) is read when scraped, by StateCollector: one short query each, under a
statement timeout, so a slow database makes a scrape report an error, not hang.

Labels are bounded: an endpoint is Flask's endpoint name (never the raw path, which carries
ids), a status is its class (2xx...), a task is its registered name.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from redis import Redis
from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Tasks whose duration is also a metric of its own.
PHOTO_TASKS = frozenset(
    {
        "workers.tasks.process_photo",
        "workers.tasks.process_complaint_photo",
        "workers.tasks.render_public_photo",
    }
)
EXPORT_TASK = "workers.tasks.build_export"
# Celery's queue (a Redis list of that name on the broker).
QUEUES = ("celery",)
# A scrape counts at most this many waiting outbox rows (the gauge saturates there).
OUTBOX_COUNT_CAP = 100_000
SCRAPE_STATEMENT_TIMEOUT_MS = 1000
# Where workers report in (k3zones.services.health writes and reads it).
HEARTBEAT_KEY = "k3zones:worker:heartbeat"

HTTP_REQUESTS = Counter(
    "k3zones_http_requests",
    "HTTP requests answered, by Flask endpoint, method and status class.",
    ["endpoint", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "k3zones_http_request_duration_seconds",
    "Time to answer an HTTP request (in the app, without the proxy), by Flask endpoint.",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
TASK_DURATION = Histogram(
    "k3zones_task_duration_seconds",
    "Time a Celery task ran, by task name and final state.",
    ["task", "state"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)
PHOTO_PROCESSING = Histogram(
    "k3zones_photo_processing_seconds",
    "Time the worker spent on one photo (evidence, thumbnails, public copy), by task.",
    ["task"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0),
)
EXPORT_DURATION = Histogram(
    "k3zones_export_duration_seconds",
    "Time the worker spent building one LKIP export, by final state.",
    ["state"],
    buckets=(0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status <= 599 else "other"


def observe_request(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    name = endpoint or "unmatched"  # no route: a 404 (or 405) of an unknown URL
    verb = method if method in METHODS else "other"
    HTTP_REQUESTS.labels(name, verb, status_class(status)).inc()
    HTTP_LATENCY.labels(name, verb).observe(seconds)


def observe_task(task: str, state: str, seconds: float) -> None:
    TASK_DURATION.labels(task, state).observe(seconds)
    if task in PHOTO_TASKS:
        PHOTO_PROCESSING.labels(task.rsplit(".", 1)[-1]).observe(seconds)
    elif task == EXPORT_TASK:
        EXPORT_DURATION.labels(state).observe(seconds)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def clean_multiprocess_dir(path: str | None = None) -> None:
    """Empty the folder of the previous run (values of dead processes would be added)."""
    path = path or multiprocess_dir()
    if not path:
        return
    folder = Path(path)
    if folder.is_dir():
        for child in folder.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)


def mark_process_dead(pid: int) -> None:
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


class _ThisProcess(Collector):
    """The default registry (a single process: the tests, `flask run`)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def registry(extra: Iterable[Collector] = ()) -> CollectorRegistry:
    """A registry for one scrape: every process's values (or this process's), plus `extra`."""
    reg = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(reg)  # type: ignore[no-untyped-call]
    else:
        reg.register(_ThisProcess())
    for collector in extra:
        reg.register(collector)
    return reg


def render(extra: Iterable[Collector] = ()) -> bytes:
    return generate_latest(registry(extra))


class StateCollector(Collector):
    """Gauges read at scrape time from PostgreSQL and Redis."""

    def __init__(self, engine: Engine, broker: Redis, redis: Redis) -> None:
        self.engine, self.broker, self.redis = engine, broker, redis

    def collect(self) -> Iterator[Metric]:
        errors = GaugeMetricFamily(
            "k3zones_scrape_error",
            "1 when this part of the scrape could not be read (its gauges are missing).",
            labels=["source"],
        )
        try:
            yield from self._database()
            errors.add_metric(["database"], 0)
        except Exception as exc:  # a scrape reports a down database, it does not fail
            log.warning("metrics: database not read (%s)", type(exc).__name__)
            errors.add_metric(["database"], 1)
        try:
            yield from self._redis()
            errors.add_metric(["redis"], 0)
        except Exception as exc:
            log.warning("metrics: redis not read (%s)", type(exc).__name__)
            errors.add_metric(["redis"], 1)
        yield errors

    def _database(self) -> list[Metric]:
        with self.engine.connect() as c, c.begin():
            c.execute(text(f"SET LOCAL statement_timeout = {SCRAPE_STATEMENT_TIMEOUT_MS}"))
            # Both read the partial index ix_outbox_pending (id WHERE dispatched_at IS NULL).
            depth = c.execute(
                text(
                    "SELECT count(*) FROM (SELECT 1 FROM outbox WHERE dispatched_at IS NULL"
                    " LIMIT :cap) AS waiting"
                ),
                {"cap": OUTBOX_COUNT_CAP},
            ).scalar_one()
            age = c.execute(
                text(
                    "SELECT extract(epoch FROM now() - created_at) FROM outbox"
                    " WHERE dispatched_at IS NULL ORDER BY id LIMIT 1"
                )
            ).scalar()
            # Jobs still to finish, and those finished in the last day.
            jobs = c.execute(
                text(
                    "SELECT status, count(*) FROM export_job"
                    " WHERE status IN ('menunggu', 'berjalan')"
                    " OR created_at > now() - interval '1 day' GROUP BY status"
                )
            ).all()
        outbox = GaugeMetricFamily(
            "k3zones_outbox_pending",
            f"Outbox rows not yet handed to the queue (counted up to {OUTBOX_COUNT_CAP}).",
            value=int(depth),
        )
        oldest = GaugeMetricFamily(
            "k3zones_outbox_oldest_pending_age_seconds",
            "Age of the oldest outbox row not yet handed to the queue (0: none waiting).",
            value=float(age or 0.0),
        )
        by_status: dict[str, int] = {str(k): int(v) for k, v in jobs}
        exports = GaugeMetricFamily(
            "k3zones_export_jobs",
            "Export jobs by status: all waiting or running, and those of the last day.",
            labels=["status"],
        )
        for status in ("menunggu", "berjalan", "selesai", "gagal"):
            exports.add_metric([status], int(by_status.get(status, 0)))
        return [outbox, oldest, exports]

    def _redis(self) -> list[Metric]:
        queue = GaugeMetricFamily(
            "k3zones_celery_queue_length",
            "Tasks waiting in the Celery queue on the broker.",
            labels=["queue"],
        )
        for name in QUEUES:
            queue.add_metric([name], int(self.broker.llen(name)))  # type: ignore[arg-type]
        raw = self.redis.get(HEARTBEAT_KEY)
        heartbeat = GaugeMetricFamily(
            "k3zones_worker_heartbeat_age_seconds",
            "Seconds since a worker last reported in (-1: never, or the report expired).",
            value=-1.0 if raw is None else max(0.0, time.time() - float(raw)),  # type: ignore[arg-type]
        )
        return [queue, heartbeat]
