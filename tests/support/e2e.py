"""Talking to the running stack (gunicorn, Celery) over real HTTP, for the e2e tests."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any

from tests.support.paths import BIN, ROOT


@dataclass(frozen=True)
class Stack:
    base: str
    token: str
    demo: dict[str, str]


def first_point(geometry: dict[str, Any]) -> tuple[float, float]:
    """(lat, lon) of a GeoJSON geometry's first position."""
    c: Any = geometry["coordinates"]
    while isinstance(c[0], list):
        c = c[0]
    return float(c[1]), float(c[0])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http(
    method: str,
    url: str,
    body: bytes | None = None,
    ctype: str = "application/json",
    token: str | None = None,
) -> tuple[int, Message, bytes]:
    headers = {"Content-Type": ctype}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def wait_for(fn: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            got = fn()
            if got:
                return got
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def flask_sample_load(env: Mapping[str, str], demo_users: Path) -> dict[str, Any]:
    """`flask sample load` as an operator runs it, against `env`; its JSON answer. The demo
    passwords go to (and on a second load come from) `demo_users`."""
    done = subprocess.run(
        [
            str(BIN / "flask"),
            "--app",
            "app",
            "sample",
            "load",
            "--demo-users-file",
            str(demo_users),
        ],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout))


def api(stack: Stack, method: str, path: str, token: str, body: Any = None) -> Any:
    """A JSON call to the running stack that must succeed; its answer, parsed."""
    raw = json.dumps(body).encode() if body is not None else None
    status, _, out = http(method, stack.base + path, raw, token=token)
    assert status < 300, (method, path, status, out[:500])
    return json.loads(out) if out else None


def sign_in(stack: Stack, user: str) -> str:
    """An access token of a demo user of the running stack."""
    body = {"username": user, "password": stack.demo[user]}
    status, _, out = http("POST", stack.base + "/api/v1/auth/login", json.dumps(body).encode())
    assert status == 200, out
    return str(json.loads(out)["access_token"])


def post_patrol(
    stack: Stack, zone: dict[str, Any], findings: list[dict[str, Any]], photos: int, **extra: Any
) -> str:
    """A patrol report of now (the phone's time) at the zone's first point, sent by the
    stack's officer; its id. `extra` goes into the body as it is (e.g. team_id)."""
    lat, lon = first_point(zone["geometry"])
    rid = str(uuid.uuid4())
    body = {
        "id": rid,
        "type": "patroli",
        "zone_id": zone["id"],
        **extra,
        "started_at": datetime.now(UTC).isoformat(),
        "location": {"type": "Point", "coordinates": [lon, lat]},
        "accuracy_m": 8,
        "findings": findings,
        "photos_expected": photos,
    }
    api(stack, "POST", "/api/v1/reports", stack.token, body)
    return rid


def send_photo_and_wait(stack: Stack, rid: str, photo: Path) -> None:
    """One JPEG to the report, then wait until the worker has made its web-size copy."""
    status, _, out = http(
        "PUT",
        f"{stack.base}/api/v1/reports/{rid}/photos/{uuid.uuid4()}",
        photo.read_bytes(),
        ctype="image/jpeg",
        token=stack.token,
    )
    assert status in (200, 201, 202), out

    def processed() -> bool:
        photos = api(stack, "GET", f"/api/v1/reports/{rid}", stack.token)["photos"]
        return bool(photos and photos[0]["urls"].get("web"))

    wait_for(processed, timeout=60, what="the worker to make the web-size photo")


def lapor_form(stack: Stack, fields: dict[str, str]) -> None:
    """A citizen's complaint through the /lapor form (urlencoded, as the page posts it)."""
    form = urllib.parse.urlencode(fields).encode()
    status, _, _ = http(
        "POST", stack.base + "/lapor", form, ctype="application/x-www-form-urlencoded"
    )
    assert status == 200  # urllib follows the 303 to the status page
