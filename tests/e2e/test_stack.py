"""The running system as `make run` starts it: gunicorn, a Celery worker and beat, over the
real PostGIS and Redis, spoken to over HTTP on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import uuid
from http.client import HTTPConnection
from urllib.parse import urlsplit

import pytest
import redis
from shapely.geometry import box, shape

from k3zones.services.health import HEARTBEAT_KEY
from tests.support.e2e import http, wait_for
from tests.support.paths import TESTDATA

pytestmark = pytest.mark.e2e


def test_running_service_lists_the_ten_sample_zones(stack):
    assert http("GET", stack.base + "/api/v1/zones")[0] == 401
    status, headers, body = http("GET", stack.base + "/api/v1/zones", token=stack.token)
    assert status == 200 and headers["Content-Type"].startswith("application/geo+json")
    fc = json.loads(body)
    assert len(fc["features"]) == 10
    area = box(106.97, -6.21, 107.00, -6.16)
    assert all(area.contains(shape(f["geometry"])) for f in fc["features"])


def test_bad_input_over_real_http_is_problem_json(stack):
    status, headers, body = http("POST", stack.base + "/api/v1/auth/login", b'{"nomor": ')
    assert status == 400 and headers["Content-Type"] == "application/problem+json"
    assert "JSON tidak valid" in json.loads(body)["detail"]
    status, body = declare_big_body(stack.base, "/api/v1/auth/login", 3 * 1024 * 1024)
    assert status == 413 and "MB" in json.loads(body)["detail"]


def declare_big_body(base: str, path: str, size: int) -> tuple[int, bytes]:
    """POST that announces a body of `size` bytes and waits for the answer before sending
    it, as a client with Expect: 100-continue does. The server refuses on Content-Length;
    pushing the whole body first would race its early close (a broken pipe, not a 413)."""
    url = urlsplit(base)
    conn = HTTPConnection(url.hostname, url.port, timeout=10)
    conn.putrequest("POST", path)
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(size))
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, body


def test_beat_and_worker_report_in_through_redis(stack, settings):
    def seen():
        status, _, body = http("GET", stack.base + "/readyz")
        worker = json.loads(body)["checks"]["worker"]
        return status == 200 and worker["last_seen_seconds_ago"] is not None

    wait_for(seen, timeout=30, what="worker heartbeat in /readyz")
    # Beat (every 2 s here) keeps sending the heartbeat and the worker keeps running it.
    client = redis.Redis.from_url(settings.redis_url)
    first = client.get(HEARTBEAT_KEY)
    wait_for(lambda: client.get(HEARTBEAT_KEY) != first, timeout=30, what="a later heartbeat")


def test_a_phone_sends_a_report_and_a_photo_that_the_worker_processes(stack):
    rid = str(uuid.uuid4())
    body = {
        "id": rid,
        "type": "penertiban",
        "started_at": "2024-05-02T08:15:00+07:00",
        "ended_at": "2024-05-02T09:00:00+07:00",
        "location": {"type": "Point", "coordinates": [106.9790, -6.2072]},
        "findings": [{"kind": "spanduk", "count": 4}],
        "actions": [{"kind": "pembongkaran", "count": 4}],
        "photos_expected": 1,
    }
    first = http(
        "POST", stack.base + "/api/v1/reports", json.dumps(body).encode(), token=stack.token
    )
    again = http(
        "POST", stack.base + "/api/v1/reports", json.dumps(body).encode(), token=stack.token
    )
    assert first[0] == again[0] == 201 and json.loads(first[2]) == json.loads(again[2])
    photo = (TESTDATA / "photos" / "jpg_mobile_HMD_Nokia_8.3_5G.jpg").read_bytes()
    status, _, out = http(
        "PUT",
        f"{stack.base}/api/v1/reports/{rid}/photos/{uuid.uuid4()}",
        photo,
        "image/jpeg",
        token=stack.token,
    )
    assert status == 201, out
    assert json.loads(out)["sha256"] == hashlib.sha256(photo).hexdigest()

    def processed():
        _, _, raw = http("GET", f"{stack.base}/api/v1/reports/{rid}", token=stack.token)
        report = json.loads(raw)
        return report if report["photos"][0]["status"] == "diproses" else None

    report = wait_for(processed, timeout=60, what="photo processing by the worker")
    assert report["status"] == "lengkap" and "photo_gps_far" in report["flags"]
    status, headers, thumb = http(
        "GET", stack.base + report["photos"][0]["urls"]["thumb"], token=stack.token
    )
    assert status == 200 and headers["Content-Type"] == "image/jpeg" and thumb[:2] == b"\xff\xd8"
