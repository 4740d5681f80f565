"""The worker's side of observability, with a real Celery worker: the request id of the
request that caused a task is in the worker's log lines for that task, and the task's
time reaches Prometheus through the multiprocess folder."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.support.payloads import report
from tests.support.services import start_worker, stop


@pytest.fixture(scope="module")
def json_worker(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A worker logging JSON, its metrics in a folder of its own; yields that folder."""
    folder = tmp_path_factory.mktemp("worker-obs")
    metrics_dir = folder / "metrics"
    metrics_dir.mkdir()
    log = folder / "worker.log"
    saved = {k: os.environ.get(k) for k in ("PROMETHEUS_MULTIPROC_DIR", "K3_LOG_FORMAT")}
    os.environ.update(PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), K3_LOG_FORMAT="json")
    try:
        proc = start_worker(settings, log)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    yield folder
    stop(proc)


def _lines_with(log: Path, rid: str, timeout: float = 30) -> list[dict[str, Any]]:
    """The worker's JSON log lines carrying `rid`, once one says a task finished."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
        mine = [x for x in lines if x.get("request_id") == rid]
        if any(x["message"].startswith("tugas ") for x in mine):
            return mine
        time.sleep(0.2)
    raise AssertionError(f"no log line of {rid} in\n{log.read_text()[-3000:]}")


def test_a_task_caused_by_a_request_logs_its_request_id_and_its_time(
    json_worker, app, sample, login
):
    phone, trantib = login("demo.petugas"), login("demo.trantib")
    rid = phone.post("/api/v1/reports", json=report()).get_json()["id"]
    request_id = f"ops-{uuid.uuid4().hex[:12]}"
    # Accepting the report queues its zone's recompute (through the outbox).
    r = trantib.post(
        f"/api/v1/reports/{rid}/review",
        json={"state": "diterima"},
        headers={"X-Request-ID": request_id},
    )
    assert r.status_code == 200, r.get_json()
    assert r.headers["X-Request-ID"] == request_id
    # Relayed later, outside the request (as beat's relay_outbox does): the id comes from
    # the outbox row, not from the request's context.
    with app.app_context():
        assert app.extensions["k3"].relay() >= 1

    lines = _lines_with(json_worker / "worker.log", request_id)
    done = [x for x in lines if x["message"].startswith("tugas workers.tasks.recompute_zone")]
    assert done and done[0]["task_name"] == "workers.tasks.recompute_zone"
    assert done[0]["level"] == "INFO" and done[0]["task_id"]
    # Celery's own line for the task is JSON and carries the id too.
    assert any(x["logger"] == "celery.app.trace" and "succeeded" in x["message"] for x in lines)

    # The worker's values, as its metrics port would serve them.
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(json_worker / "metrics"))
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for s in family.samples
    }
    key = (
        "k3zones_task_duration_seconds_count",
        (("state", "SUCCESS"), ("task", "workers.tasks.recompute_zone")),
    )
    assert samples[key] >= 1
