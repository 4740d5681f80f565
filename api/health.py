"""Liveness and readiness probes (for gunicorn supervisors, compose and load balancers)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from api.context import k3
from api.problems import problem
from k3zones.services.health import check_database, check_redis, worker_heartbeat_age

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz() -> Response:
    """The process is alive (no dependencies checked)."""
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz() -> Response:
    """Database (with PostGIS) and Redis reachable; 503 with the reason otherwise."""
    ctx = k3()
    checks = [check_database(ctx.engine), check_redis(ctx.redis)]
    body = {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}
    age = worker_heartbeat_age(ctx.redis)
    # Reported, not required: the API serves reads while workers restart.
    body["worker"] = {"last_seen_seconds_ago": None if age is None else round(age, 1)}
    failed = [c for c in checks if not c.ok]
    if failed:
        resp = problem(503, "; ".join(c.detail for c in failed), checks=body)
        resp.headers["Retry-After"] = "5"
        return resp
    return jsonify(status="siap", checks=body)
