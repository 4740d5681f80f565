"""API processes keep nothing between requests (issue 17, point 6): two app instances on
the same PostgreSQL and Redis, as two gunicorn processes behind the compose's proxy, each
with its own runtime (engine pool, Redis clients, rate limiter), agree on sessions, rate
limits and retried reports, whichever one a request reaches."""

from __future__ import annotations

from dataclasses import replace

from api import create_app
from tests.support.http import login_client
from tests.support.payloads import report


def test_two_api_processes_share_sessions_limits_and_retries(sample, settings, redis_client):
    limited = replace(settings, report_limit_per_officer="3 per hour")
    one, two = create_app(limited), create_app(limited)
    a = login_client(one, "demo.petugas")
    b = two.test_client()
    b.environ_base["HTTP_AUTHORIZATION"] = a.environ_base["HTTP_AUTHORIZATION"]

    # Signed in through one, known to the other.
    assert b.get("/api/v1/me").status_code == 200

    # A report sent to one and retried on the other is one report, answered the same.
    body = report()
    first = a.post("/api/v1/reports", json=body)
    again = b.post("/api/v1/reports", json=body)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()

    # The per-officer limit counts across both (the replay above was not counted).
    assert b.post("/api/v1/reports", json=report()).status_code == 201
    assert a.post("/api/v1/reports", json=report()).status_code == 201
    refused = b.post("/api/v1/reports", json=report())
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers

    # Signed out through one: the other refuses the token at once.
    assert a.post("/api/v1/auth/logout").status_code in (200, 204)
    assert b.get("/api/v1/me").status_code == 401
    for app in (one, two):
        app.extensions["k3"].dispose()
