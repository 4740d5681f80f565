"""The floor `make bench` compares the API against: a bare Flask app on a psycopg pool.

    gunicorn --workers 4 bench.floor_app:app      (K3_DATABASE_URL, K3_FLOOR_* set)

No sign-in, no validation, no ORM: POST /report parses the JSON body and INSERTs the same
report row the API writes (same table, same columns) in one statement; PUT /photo/<name>
streams the body to a file (written beside, fsynced, renamed, as the local storage does).
Whatever the API costs above these two is its own work.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

from flask import Flask, request
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

app = Flask(__name__)
_pools: dict[int, ConnectionPool] = {}

INSERT = """
INSERT INTO report (id, kecamatan_id, type, officer_id, zone_id, zone_match, started_at,
    started_offset_min, ended_at, ended_offset_min, received_at, gps, gps_accuracy_m,
    violation_total, findings, actions, photos_expected, photos_received, review_state,
    body_hash, first_response, source, version, flags, units)
VALUES (%(id)s, %(kecamatan_id)s, %(type)s, %(officer_id)s, %(zone_id)s, 'gps',
    %(started_at)s, 420, %(ended_at)s, 420, now(),
    ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), %(accuracy_m)s, %(total)s,
    %(findings)s, %(actions)s, %(photos_expected)s, 0, 'menunggu', 'floor', %(body)s,
    'api', 1, '{}'::jsonb, '{}')
"""


def pool() -> ConnectionPool:
    # One pool per process, made after gunicorn forks (a pool must not cross a fork).
    p = _pools.get(os.getpid())
    if p is None:
        url = os.environ["K3_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        p = _pools[os.getpid()] = ConnectionPool(url, min_size=1, max_size=2, open=True)
    return p


@app.get("/healthz")
def healthz() -> Any:
    return {"ok": True}


@app.post("/report")
def report() -> Any:
    body = json.loads(request.get_data())
    lon, lat = body["location"]["coordinates"]
    row = {
        "id": body["id"],
        "kecamatan_id": int(os.environ["K3_FLOOR_KECAMATAN"]),
        "type": body["type"],
        "officer_id": os.environ["K3_FLOOR_OFFICER"],
        "zone_id": os.environ["K3_FLOOR_ZONE"],
        "started_at": body["started_at"],
        "ended_at": body["ended_at"],
        "lon": lon,
        "lat": lat,
        "accuracy_m": body["accuracy_m"],
        "total": sum(f["count"] for f in body["findings"]),
        "findings": Jsonb(body["findings"]),
        "actions": Jsonb(body["actions"]),
        "photos_expected": body["photos_expected"],
        "body": Jsonb(body),
    }
    with pool().connection() as c:
        c.execute(INSERT, row)
    return body, 201


@app.put("/photo/<name>")
def photo(name: str) -> Any:
    folder = os.environ["K3_FLOOR_DIR"]
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    size = 0
    with os.fdopen(fd, "wb") as out:
        while block := request.stream.read(256 * 1024):
            size += len(block)
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, os.path.join(folder, os.path.basename(name)))
    return {"id": name, "size": size}, 201
