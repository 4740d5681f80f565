"""GET /metrics: Prometheus text of the API, with what PostgreSQL and Redis hold."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from api import create_app
from k3zones.outbox import enqueue
from tests.support.http import assert_problem
from tests.support.services import with_port

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}
OUTSIDE = {"REMOTE_ADDR": "8.8.8.8"}


def scrape(client: Any, **kw: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    resp = client.get("/metrics", **kw)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.content_type.startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(resp.get_data(as_text=True))
        for s in family.samples
    }


def test_requests_are_counted_by_endpoint_and_status_class(anon, db):
    key = (
        "k3zones_http_requests_total",
        (("endpoint", "health.healthz"), ("method", "GET"), ("status", "2xx")),
    )
    before = scrape(anon, environ_base=LOCAL).get(key, 0.0)
    for _ in range(3):
        assert anon.get("/healthz").status_code == 200
    # A raw path never becomes a label: an unknown URL is "unmatched", ids are not labels.
    anon.get("/tidak-ada/12345")
    after = scrape(anon, environ_base=LOCAL)
    assert after[key] == before + 3
    assert any(
        name == "k3zones_http_requests_total" and ("endpoint", "unmatched") in labels
        for name, labels in after
    )
    assert not any("12345" in v for _, labels in after for _, v in labels)
    latency = (
        "k3zones_http_request_duration_seconds_count",
        (("endpoint", "health.healthz"), ("method", "GET")),
    )
    assert after[latency] >= 3


def test_outbox_depth_and_age_reflect_a_waiting_row(anon, app, db):
    empty = scrape(anon, environ_base=LOCAL)
    assert empty[("k3zones_outbox_pending", ())] == 0
    assert empty[("k3zones_outbox_oldest_pending_age_seconds", ())] == 0
    assert empty[("k3zones_scrape_error", (("source", "database"),))] == 0
    uow = app.extensions["k3"].uow
    with uow() as s, s.begin():
        enqueue(s, "workers.tasks.recompute_all_zones", {})
        s.execute(text("UPDATE outbox SET created_at = now() - interval '90 seconds'"))
    m = scrape(anon, environ_base=LOCAL)
    assert m[("k3zones_outbox_pending", ())] == 1
    assert m[("k3zones_outbox_oldest_pending_age_seconds", ())] >= 90
    for status in ("menunggu", "berjalan", "selesai", "gagal"):
        assert m[("k3zones_export_jobs", (("status", status),))] == 0
    assert ("k3zones_celery_queue_length", (("queue", "celery"),)) in m


def test_only_local_networks_may_scrape_without_a_token(anon, db):
    assert_problem(anon.get("/metrics", environ_base=OUTSIDE), 403, "jaringan lokal")
    for addr in ("100.64.0.1", "172.32.0.1", "::ffff:8.8.8.8", "2001:4860::8888"):
        assert anon.get("/metrics", environ_base={"REMOTE_ADDR": addr}).status_code == 403, addr
    for addr in ("127.0.0.1", "10.1.2.3", "172.18.0.5", "192.168.1.10", "::1"):
        assert anon.get("/metrics", environ_base={"REMOTE_ADDR": addr}).status_code == 200, addr


def test_with_a_token_only_the_token_opens_it(settings, db):
    app = create_app(replace(settings, metrics_token="rahasia-pemantau-" + "x" * 20))
    client = app.test_client()
    # The token is required from everywhere once set, loopback included.
    assert_problem(client.get("/metrics", environ_base=LOCAL), 401, "K3_METRICS_TOKEN")
    wrong = {"Authorization": "Bearer salah"}
    assert client.get("/metrics", headers=wrong, environ_base=LOCAL).status_code == 401
    good = {"Authorization": "Bearer rahasia-pemantau-" + "x" * 20}
    assert client.get("/metrics", headers=good, environ_base=OUTSIDE).status_code == 200


def test_metrics_are_not_an_api_operation(anon):
    spec = anon.get("/api/v1/openapi.json").get_json()
    assert not [p for p in spec["paths"] if "metrics" in p]


def test_a_down_database_is_reported_not_a_failed_scrape(settings, db):
    app = create_app(replace(settings, database_url=with_port(settings.database_url, 1)))
    m = scrape(app.test_client(), environ_base=LOCAL)
    assert m[("k3zones_scrape_error", (("source", "database"),))] == 1
    assert ("k3zones_outbox_pending", ()) not in m
