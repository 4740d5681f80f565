"""Liveness and readiness probes (for gunicorn supervisors, compose and load balancers)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from api.context import k3
from api.problems import problem
from k3zones.services.health import (
    check_database,
    check_postgis,
    check_redis,
    check_storage,
    check_worker,
    worker_heartbeat_age,
)

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz() -> Response:
    """The process is alive (no dependencies checked)."""
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz() -> Response:
    """Every dependency with its state: database, PostGIS, Redis, photo storage (required),
    and the worker's heartbeat (reported only). 503 naming what is down otherwise."""
    ctx = k3()
    database = check_database(ctx.engine)
    checks = [
        database,
        check_postgis(ctx.engine, database),
        check_redis(ctx.redis),
        check_storage(ctx.storage),
    ]
    worker = check_worker(ctx.redis, ctx.settings.heartbeat_seconds)
    body: dict[str, dict[str, object]] = {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}
    age = worker_heartbeat_age(ctx.redis)
    # Reported, not required: the API serves reads while workers restart.
    body["worker"] = {
        "ok": worker.ok,
        "detail": worker.detail,
        "required": False,
        "last_seen_seconds_ago": None if age is None else round(age, 1),
    }
    failed = [c for c in checks if not c.ok]
    if failed:
        down = ", ".join(c.name for c in failed)
        detail = f"Tidak siap ({down}): " + "; ".join(c.detail for c in failed)
        resp = problem(503, detail, checks=body, down=[c.name for c in failed])
        resp.headers["Retry-After"] = "5"
        return resp
    return jsonify(status="siap", checks=body)
