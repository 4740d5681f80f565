"""Readiness: can this process reach what it needs?"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis
from sqlalchemy import text
from sqlalchemy.engine import Engine

HEARTBEAT_KEY = "k3zones:worker:heartbeat"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database(engine: Engine) -> Check:
    try:
        with engine.connect() as c:
            c.execute(text("SET LOCAL statement_timeout = 2000"))
            version = c.execute(text("SELECT postgis_lib_version()")).scalar()
        return Check("database", True, f"PostGIS {version}")
    except Exception as exc:  # any failure means "not ready"; the reason is reported
        return Check("database", False, f"basis data tidak dapat dihubungi: {type(exc).__name__}")


def check_redis(client: redis.Redis) -> Check:
    try:
        client.ping()
        return Check("redis", True, "PONG")
    except Exception as exc:
        return Check("redis", False, f"Redis tidak dapat dihubungi: {type(exc).__name__}")


def worker_heartbeat_age(client: redis.Redis) -> float | None:
    """Seconds since a worker last reported in, or None if never / unreachable."""
    try:
        raw = client.get(HEARTBEAT_KEY)
    except Exception:
        return None
    if raw is None:
        return None
    return max(0.0, time.time() - float(raw))  # type: ignore[arg-type]


def record_heartbeat(client: redis.Redis, ttl_s: int = 600) -> None:
    client.set(HEARTBEAT_KEY, str(time.time()), ex=ttl_s)
