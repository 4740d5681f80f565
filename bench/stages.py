"""Where the CPU of a report POST and a photo PUT goes, stage by stage (issue 17, point 4).

    python -m bench stages      (make bench WHAT=stages, ~1 minute)

In one process, through Flask's test client (no gunicorn, no network), the real app sends
reports and photos as `make bench WHAT=post` does; the functions of each stage are
wrapped to add up their CPU time (time.process_time: waiting on PostgreSQL or Redis is
not counted). Stages nest (indented under the one that calls them), so the lines do not
add up; what a stage costs beyond its listed children is its own code and the layers
around it. The figures are per request, over `K3_BENCH_STAGE_REQUESTS` (1000) of each
after a warm-up. bench/post.py measures the same requests under gunicorn and wrk: there
the API process spends ~1 ms more per request (the server, the socket, the body).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench import post

Stages = list[tuple[str, str, str]]
Spent = defaultdict[str, float]

# (module, attribute path, label); the label's indent is the stage's depth. The first
# stages and the last are every signed-in request's.
_FIRST: Stages = [
    ("flask.app", "Flask.wsgi_app", "request (Flask, from the WSGI call)"),
    ("flask.app", "Flask.preprocess_request", " before_request hooks"),
    ("k3zones.services.auth", "authenticate", "  session check (access token)"),
    ("api.quota", "Quotas.take", " per-officer quota (Redis)"),
]
_LAST = ("flask.app", "Flask.finalize_request", " after_request hooks, response")
_POST_STAGES: Stages = [
    *_FIRST,
    ("api.reports", "read_json_body", " body read and JSON parse"),
    ("k3zones.services.reports", "submit_report", " submit_report"),
    ("k3zones.services.reports", "parse_report", "  validation (parse_report)"),
    ("k3zones.services.reports", "body_hash", "  body hash"),
    ("k3zones.services.reports", "_check_refs", "  zone/team given: checks"),
    ("k3zones.services.reports", "_apply", "  fields onto the row"),
    ("k3zones.services.reports", "_match_zone", "  zone match (connection, BEGIN, query)"),
    ("k3zones.services.reports", "report_dict", "  the answer (report_dict)"),
    ("k3zones.services.reports", "insert_with_entry", "  INSERT report + audit + chain"),
    ("sqlalchemy.orm.session", "SessionTransaction.commit", "  COMMIT"),
    _LAST,
]
_PUT_STAGES: Stages = [
    *_FIRST,
    ("api.reports", "spool", " body to a spool file, SHA-256"),
    ("k3zones.services.photos", "put_photo", " put_photo"),
    ("k3zones.imaging", "read_header", "  image header (Pillow)"),
    ("k3zones.services.photos", "_photo_target", "  report row locked, counts"),
    ("k3zones.storage", "LocalStorage.put_file", "  file write + fsync"),
    ("k3zones.services.photos", "insert_with_entry", "  INSERT photo + audit + chain"),
    ("k3zones.services.photos", "update_with_entry", "  UPDATE report count + audit"),
    ("k3zones.services.photos", "queue_processing", "  outbox row (claimed)"),
    ("sqlalchemy.orm.session", "SessionTransaction.commit", "  COMMIT"),
    ("k3zones.runtime", "Runtime.send_now", " task to the queue after commit"),
    ("k3zones.runtime", "Runtime.send", "  Celery send_task (the app's sender)"),
    _LAST,
]


def _timed_fn(f: Callable[..., Any], label: str, spent: Spent) -> Callable[..., Any]:
    @functools.wraps(f)
    def run(*a: Any, **kw: Any) -> Any:
        t = time.process_time()
        try:
            return f(*a, **kw)
        finally:
            spent[label] += time.process_time() - t

    return run


@contextmanager
def _timed(stages: Stages, spent: Spent, runtime: Any) -> Iterator[None]:
    """Wrap each stage's function to add its CPU time to spent[label]; undone on exit.
    Runtime.send is the app's sender (an attribute of its runtime, not a method)."""
    import importlib

    undo: list[Callable[[], None]] = []
    try:
        for module, path, label in stages:
            owner: Any = importlib.import_module(module)
            *outer, name = path.split(".")
            for part in outer:
                owner = getattr(owner, part)
            if path == "Runtime.send":
                owner = runtime
            original = owner.__dict__[name]
            setattr(owner, name, _timed_fn(original, label, spent))
            undo.append(functools.partial(setattr, owner, name, original))
        yield
    finally:
        for u in reversed(undo):
            u()


def _print(title: str, spent: Spent, stages: Stages, n: int) -> None:
    print(f"{title}: CPU per request by stage (ms, in-process, {n} requests)")
    for _, _, label in stages:
        depth = len(label) - len(label.lstrip(" "))
        print(f"  {'  ' * depth}{label.strip():<44} {1000 * spent[label] / n:6.2f}")


def bench_stages(fresh_database: Callable[[], None]) -> dict[str, float]:
    from api import create_app
    from k3zones.services.sample import DEMO_USERS, load_sample

    n = int(os.environ.get("K3_BENCH_STAGE_REQUESTS", "1000"))
    fresh_database()
    storage = tempfile.mkdtemp()
    saved = dict(os.environ)
    os.environ |= {
        "K3_STORAGE_DIR": storage,
        "K3_REPORT_LIMIT_PER_OFFICER": "10000000 per hour",
        "K3_PHOTO_LIMIT_PER_OFFICER": "10000000 per hour",
    }
    results: dict[str, float] = {}
    try:
        spent: Spent = defaultdict(float)
        app = create_app()
        ctx = app.extensions["k3"]
        load_sample(
            ctx.uow,
            dict(ctx.settings.default_radius_m),
            {u: post.PASSWORD for u, _, _ in DEMO_USERS},
        )
        client = app.test_client()
        login = {"username": "demo.petugas", "password": post.PASSWORD}
        token = client.post("/api/v1/auth/login", json=login).get_json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        def report(photos: int = 2) -> str:
            body = json.dumps(post.report_body() | {"photos_expected": photos})
            r = client.post(
                "/api/v1/reports", data=body, headers=headers, content_type="application/json"
            )
            assert r.status_code == 201, r.get_json()
            return str(r.get_json()["id"])

        photo = post.PHOTO.read_bytes()
        waiting = [report(10) for _ in range(n // 10 + 30)]

        def put(i: int) -> None:
            rid = waiting[i // 10]
            r = client.put(
                f"/api/v1/reports/{rid}/photos/{uuid.uuid4()}",
                data=photo,
                headers=headers,
                content_type="image/jpeg",
            )
            assert r.status_code == 201, r.get_json()

        for title, stages, run in (
            ("Report POST", _POST_STAGES, lambda _i: report()),
            ("Photo PUT", _PUT_STAGES, put),
        ):
            offset = 0 if title == "Report POST" else 200
            for i in range(200):  # warm: connections, statement caches
                run(i)
            spent.clear()
            with _timed(stages, spent, ctx):
                for i in range(n):
                    run(offset + i)
            _print(title, spent, stages, n)
            key = "post" if title == "Report POST" else "put"
            results[f"stage_{key}_cpu_ms"] = 1000 * spent[stages[0][2]] / n
        ctx.dispose()
    finally:
        os.environ.clear()
        os.environ |= saved
        shutil.rmtree(storage, ignore_errors=True)
    return results
