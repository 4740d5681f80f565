"""Readiness: can this process reach what it needs? Each dependency is a check of its own,
so an operator reads which one is down: the database, PostGIS in it, Redis, the photo
storage; the worker's heartbeat is reported (the API serves while workers restart)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import redis
from sqlalchemy import text
from sqlalchemy.engine import Engine

from k3zones.metrics import HEARTBEAT_KEY
from k3zones.storage import LocalStorage, Storage

__all__ = [
    "HEARTBEAT_KEY",
    "Check",
    "check_database",
    "check_postgis",
    "check_redis",
    "check_storage",
    "check_worker",
    "record_heartbeat",
    "worker_heartbeat_age",
]

# A key nobody writes: asking for it proves the bucket answers with our credentials.
STORAGE_PROBE_KEY = "k3zones-readyz-probe"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    # False: reported, but a failure does not make the process unready.
    required: bool = True


def check_database(engine: Engine) -> Check:
    try:
        with engine.connect() as c, c.begin():
            c.execute(text("SET LOCAL statement_timeout = 2000"))
            version = c.execute(text("SHOW server_version")).scalar()
        return Check("database", True, f"PostgreSQL {version}")
    except Exception as exc:  # any failure means "not ready"; the reason is reported
        return Check("database", False, f"basis data tidak dapat dihubungi: {type(exc).__name__}")


def check_postgis(engine: Engine, database: Check) -> Check:
    """PostGIS installed and working in the database (zones and reports need it)."""
    if not database.ok:
        return Check("postgis", False, "tidak diperiksa: basis data tidak dapat dihubungi")
    try:
        with engine.connect() as c, c.begin():
            c.execute(text("SET LOCAL statement_timeout = 2000"))
            # A real geometry operation, not only the extension's presence.
            c.execute(text("SELECT ST_AsText(ST_Buffer(ST_MakePoint(0, 0), 1))")).scalar()
            version = c.execute(text("SELECT postgis_lib_version()")).scalar()
        return Check("postgis", True, f"PostGIS {version}")
    except Exception as exc:
        return Check("postgis", False, f"PostGIS tidak tersedia: {type(exc).__name__}")


def check_redis(client: redis.Redis) -> Check:
    try:
        client.ping()
        return Check("redis", True, "PONG")
    except Exception as exc:
        return Check("redis", False, f"Redis tidak dapat dihubungi: {type(exc).__name__}")


def check_storage(storage: Storage) -> Check:
    """The local folder exists and is writable; or the S3 bucket answers."""
    try:
        if isinstance(storage, LocalStorage):
            root = storage.root
            if not root.is_dir() or not os.access(root, os.W_OK | os.X_OK):
                return Check("storage", False, "folder foto tidak ada atau tidak dapat ditulisi")
            return Check("storage", True, "folder lokal dapat ditulisi")
        storage.exists(STORAGE_PROBE_KEY)
        return Check("storage", True, "bucket S3 menjawab")
    except Exception as exc:
        return Check(
            "storage", False, f"penyimpanan foto tidak dapat dihubungi: {type(exc).__name__}"
        )


def check_worker(client: redis.Redis, heartbeat_seconds: int) -> Check:
    """Reported, not required: a worker seen within three heartbeats counts as up."""
    age = worker_heartbeat_age(client)
    if age is None:
        return Check("worker", False, "belum ada worker yang melapor", required=False)
    if age > 3 * heartbeat_seconds:
        return Check("worker", False, f"worker terakhir melapor {age:.0f} detik lalu", False)
    return Check("worker", True, f"worker melapor {age:.0f} detik lalu", required=False)


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
