"""Report POST and photo PUT against the stack's floor, driven by wrk (issue 17, point 4).

    python -m bench post        (make bench WHAT=post)

The API (gunicorn, the real app, a signed-in petugas) and the floor (bench/floor_app.py:
Flask + psycopg pool, no sign-in, the same report row in one INSERT; a bare streamed file
write for the photo) run under the same gunicorn settings, on 127.0.0.1 only. wrk (C, not
Python threads on the same cores) keeps 20 connections busy; the two are measured in
alternating rounds so both see the same machine load, and the medians are printed.

K3_BENCH_ROUNDS (3), K3_BENCH_SECONDS (10), K3_BENCH_WEB_WORKERS (4, as the image's
entrypoint) and K3_BENCH_CONNECTIONS (20) change the run; K3_BENCH_PYSPY=<file> records a
py-spy profile of the API workers during one extra report POST run; K3_BENCH_BEFORE=<dir>
(an older tree, e.g. `git archive HEAD`, with .venv linked) adds it as a third contender;
K3_BENCH_LEAN=1 adds bench/lean_app.py to the report POST runs (the same work without the
app's layers).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WRK = Path(__file__).resolve().parent / "wrk"
BIN = ROOT / ".venv" / "bin"
PHOTO = ROOT.parent / "shared" / "testdata" / "photos" / "jpg_mobile_jolla.jpg"
PASSWORD = "bench-Sandi#2024"
# Reports the photo PUT run spreads its photos over (10 photos each at most).
PHOTO_REPORTS = 800


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _settings() -> tuple[int, int, int, int]:
    env = os.environ.get
    return (
        int(env("K3_BENCH_ROUNDS", "3")),
        int(env("K3_BENCH_SECONDS", "10")),
        int(env("K3_BENCH_WEB_WORKERS", "4")),
        int(env("K3_BENCH_CONNECTIONS", "20")),
    )


@contextmanager
def _gunicorn(
    app: str, env: dict[str, str], workers: int, cwd: Path = ROOT
) -> Iterator[tuple[int, int]]:
    """Serve `app` on a free 127.0.0.1 port; yields (port, master pid)."""
    port = _free_port()
    log = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)  # noqa: SIM115
    # Sync workers, no access log: the same for the API and the floor.
    cmd = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers), app]
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        # The port accepts before a worker has finished its imports (slow on a loaded
        # machine): wait for an answer.
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=60):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{app} did not start; see {log.name}") from None
                time.sleep(0.5)
        yield port, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=120)


def _call(port: int, method: str, path: str, body: Any, token: str | None = None) -> Any:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
    )
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read())


def _wrk(port: int, script: str, args: list[str], seconds: int, connections: int) -> dict[str, Any]:
    out = subprocess.run(
        [
            "wrk",
            "--threads",
            "2",
            "--connections",
            str(connections),
            "--duration",
            f"{seconds}s",
            "--timeout",
            "10s",
            "--script",
            str(WRK / script),
            f"http://127.0.0.1:{port}",
            "--",
            *args,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in out.stdout.splitlines() if x.startswith("BENCH "))
    res: dict[str, Any] = json.loads(line[6:])
    res["rps"] = res["requests"] / (res["duration_us"] / 1e6)
    res["errors"] = sum(res[k] for k in ("connect", "read", "write", "status", "timeout"))
    return res


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _server_pids(engine: Any, master: int) -> tuple[list[int], list[int]]:
    """The processes that serve one app's requests: its gunicorn workers, and every
    PostgreSQL backend of the bench database but the bench's own (the other app is idle
    meanwhile)."""
    from sqlalchemy import text

    from tests.support.faults import children  # one way to read /proc, shared

    with engine.connect() as c:
        backends = c.scalars(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND application_name <> 'k3-bench'"
            )
        ).all()
    return children(master), [int(b) for b in backends]


def _measured(
    engine: Any, master: int, run: Callable[[], dict[str, Any]]
) -> Callable[[], dict[str, Any]]:
    """`run`, adding `cpu_ms` (and its parts `app_ms`, `db_ms`): CPU milliseconds per
    request the app's processes and its database backends used. Unlike req/s this hardly
    moves with the machine's other load, so it says what a request costs wherever it
    runs."""

    def used(before: dict[int, float], after: dict[int, float]) -> float:
        return sum(after.get(p, t) - t for p, t in before.items()) + sum(
            t for p, t in after.items() if p not in before
        )

    def measured() -> dict[str, Any]:
        app0, db0 = ({p: _cpu(p) for p in pids} for pids in _server_pids(engine, master))
        r = run()
        app1, db1 = ({p: _cpu(p) for p in pids} for pids in _server_pids(engine, master))
        n = max(1, r["requests"])
        r["app_ms"] = used(app0, app1) * 1000 / n
        r["db_ms"] = used(db0, db1) * 1000 / n
        r["cpu_ms"] = r["app_ms"] + r["db_ms"]
        return r

    return measured


def _report_count(engine: Any) -> int:
    from sqlalchemy import text

    with engine.connect() as c:
        return int(c.scalar(text("SELECT count(*) FROM report")))


def _rounds(
    label: str, rounds: int, contenders: dict[str, Callable[[], dict[str, Any]]]
) -> dict[str, float]:
    """Run each contender once per round, in an order rotated every round (so none
    always runs first or last), print each run and the medians next to the aims. The
    contenders are "ours" and "floor", and "before" (an older tree) when asked for."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in contenders}
    names = list(contenders)
    for i in range(rounds):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            r = contenders[name]()
            runs[name].append(r)
            print(
                f"  {label} round {i + 1} {name:6}: {r['rps']:7.1f} req/s, p50 "
                f"{r['p50_us'] / 1000:6.1f} ms, p99 {r['p99_us'] / 1000:6.1f} ms, "
                f"{r['cpu_ms']:5.1f} ms CPU/request, {r['requests']} requests, "
                f"{r['errors']} errors",
                flush=True,
            )
    med = {
        who: {
            k: statistics.median(x[k] for x in rs)
            for k in ("rps", "p50_us", "p99_us", "cpu_ms", "app_ms", "db_ms")
        }
        for who, rs in runs.items()
    }

    def ratio(who: str) -> float:
        return float(
            statistics.median(
                o["rps"] / f["rps"] for o, f in zip(runs[who], runs["floor"], strict=True)
            )
        )

    o, f = med["ours"], med["floor"]
    before = "".join(
        f" | {who}: {b['rps']:.0f} req/s, p50 {b['p50_us'] / 1000:.1f} ms, p99 "
        f"{b['p99_us'] / 1000:.1f} ms, ratio {ratio(who):.2f}, {b['cpu_ms']:.1f} ms CPU"
        for who, b in med.items()
        if who not in ("ours", "floor")
    )
    print(
        f"{label}: {o['rps']:.0f} req/s, p50 {o['p50_us'] / 1000:.1f} ms, p99 "
        f"{o['p99_us'] / 1000:.1f} ms (aim < 100 ms) | floor: {f['rps']:.0f} req/s, p50 "
        f"{f['p50_us'] / 1000:.1f} ms, p99 {f['p99_us'] / 1000:.1f} ms | ratio "
        f"{ratio('ours'):.2f} (aim >= 0.5, stretch 0.8; median of {rounds} rounds){before}",
        flush=True,
    )
    # What a request costs, whatever else the machine runs: the ratio a dedicated machine
    # (CPU-bound, as both are here) would show.
    print(
        f"{label} CPU per request (app processes + their PostgreSQL backends): ours "
        f"{o['cpu_ms']:.1f} ms ({o['app_ms']:.1f} + {o['db_ms']:.1f}), floor "
        f"{f['cpu_ms']:.1f} ms ({f['app_ms']:.1f} + {f['db_ms']:.1f}) | capacity ratio "
        f"{f['cpu_ms'] / o['cpu_ms']:.2f} (aim >= 0.5)",
        flush=True,
    )
    key = label.split()[0].lower()
    return {
        f"{key}_rps": o["rps"],
        f"{key}_p50_ms": o["p50_us"] / 1000,
        f"{key}_p99_ms": o["p99_us"] / 1000,
        f"{key}_floor_rps": f["rps"],
        f"{key}_floor_p99_ms": f["p99_us"] / 1000,
        f"{key}_ratio": ratio("ours"),
        f"{key}_cpu_ms": o["cpu_ms"],
        f"{key}_floor_cpu_ms": f["cpu_ms"],
    }


def bench_post(fresh_database: Callable[[], None]) -> dict[str, float]:
    """Report POST and photo PUT of the API against the floor, by wrk."""
    from sqlalchemy import event, text

    from api import create_app
    from k3zones.services.sample import DEMO_USERS, load_sample

    rounds, seconds, workers, connections = _settings()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk tidak terpasang: jalankan lewat `make bench` (K3_BENCH=1)")
    fresh_database()
    app = create_app()
    ctx = app.extensions["k3"]
    load_sample(
        ctx.uow, dict(ctx.settings.default_radius_m), {u: PASSWORD for u, _, _ in DEMO_USERS}
    )
    engine = ctx.engine
    # The bench's own queries (counting rows, making reports for the photo runs) are not
    # the apps' work: its backends are named and left out of the CPU figures.
    event.listen(
        engine, "connect", lambda dbapi, _r: dbapi.execute("SET application_name = 'k3-bench'")
    )
    engine.dispose()
    storage, floor_dir = tempfile.mkdtemp(), tempfile.mkdtemp()
    # One officer sends thousands of reports and photos here: lift the per-officer limits
    # (their Redis checks still run, so their cost is measured).
    env = {
        **os.environ,
        "K3_BENCH": "1",
        "K3_STORAGE_DIR": storage,
        "K3_REPORT_LIMIT_PER_OFFICER": "10000000 per hour",
        "K3_PHOTO_LIMIT_PER_OFFICER": "10000000 per hour",
    }
    print(
        f"report POST / photo PUT by wrk: {connections} connections, 2 wrk threads, "
        f"{seconds} s per run; API and floor each on gunicorn {workers} sync workers "
        f"(the image's default), no access log",
        flush=True,
    )
    results: dict[str, float] = {}
    before_tree = os.environ.get("K3_BENCH_BEFORE")
    try:
        with ExitStack() as stack:
            port, pid = stack.enter_context(_gunicorn("app:flask_app", env, workers))
            token = _call(
                port,
                "POST",
                "/api/v1/auth/login",
                {"username": "demo.petugas", "password": PASSWORD},
            )["access_token"]
            first = _post_one(port, token)
            assert first["zone_match"] == "gps", first  # the point lies inside a zone
            with engine.connect() as c:
                row = c.execute(
                    text("SELECT kecamatan_id, officer_id, zone_id FROM report WHERE id = :i"),
                    {"i": first["id"]},
                ).one()
            floor_env = env | {
                "K3_FLOOR_KECAMATAN": str(row.kecamatan_id),
                "K3_FLOOR_OFFICER": str(row.officer_id),
                "K3_FLOOR_ZONE": str(row.zone_id),
                "K3_FLOOR_DIR": floor_dir,
            }
            fport, fpid = stack.enter_context(_gunicorn("bench.floor_app:app", floor_env, workers))

            def post(p: int, path: str, tok: str) -> Callable[[], dict[str, Any]]:
                def run() -> dict[str, Any]:
                    before = _report_count(engine)
                    r = _wrk(p, "post.lua", [path, tok, secrets.token_hex(4)], seconds, connections)
                    made = _report_count(engine) - before
                    # Every answered request made one new row (none was a replay); a few
                    # more (in flight as wrk stopped) may have committed too.
                    assert r["errors"] == 0, r
                    assert r["requests"] <= made <= r["requests"] + 2 * connections, (r, made)
                    return r

                return run

            template = first["id"]
            posts = {
                "ours": post(port, "/api/v1/reports", token),
                "floor": post(fport, "/report", "-"),
            }
            puts = {
                "ours": _photo_run(engine, port, token, template, storage, seconds, connections),
                "floor": _photo_run(engine, fport, "-", None, floor_dir, seconds, connections),
            }
            masters = {"ours": pid, "floor": fpid}
            if before_tree:
                # The same measurement of an older tree (e.g. `git archive` of the last
                # commit) on the same database: what a change gained, under the same load.
                bport, masters["before"] = stack.enter_context(
                    _gunicorn("app:flask_app", env, workers, cwd=Path(before_tree))
                )
                posts["before"] = post(bport, "/api/v1/reports", token)
                puts["before"] = _photo_run(
                    engine, bport, token, template, storage, seconds, connections
                )
            if os.environ.get("K3_BENCH_LEAN") == "1":
                # The same work without the app's layers (bench/lean_app.py): what the
                # API's CPU above the floor is the work's, and what the layers'.
                lport, masters["lean"] = stack.enter_context(
                    _gunicorn("bench.lean_app:app", env, workers)
                )
                posts["lean"] = post(lport, "/report", token)
            for who in posts:
                posts[who] = _measured(engine, masters[who], posts[who])
                if who in puts:
                    puts[who] = _measured(engine, masters[who], puts[who])
            for run in posts.values():
                run()  # warm (connections, caches, prepared statements)
            results |= _rounds("Report POST", rounds, posts)
            if os.environ.get("K3_BENCH_PYSPY"):
                _profile(pid, posts["ours"], os.environ["K3_BENCH_PYSPY"])
            for run in puts.values():
                run()
            results |= _rounds("Photo PUT", rounds, puts)
    finally:
        engine.dispose()
        shutil.rmtree(storage, ignore_errors=True)
        shutil.rmtree(floor_dir, ignore_errors=True)
    return results


def report_body() -> dict[str, Any]:
    """A new penertiban report (a fresh id) at Jl. Sultan Agung, two photos expected."""
    return {
        "id": str(uuid.uuid4()),
        "type": "penertiban",
        "started_at": "2024-05-02T08:15:00+07:00",
        "ended_at": "2024-05-02T09:00:00+07:00",
        "location": {"type": "Point", "coordinates": [106.9790, -6.2072]},
        "accuracy_m": 8,
        "findings": [{"kind": "pkl", "count": 3}],
        "actions": [{"kind": "teguran_lisan", "count": 3}],
        "photos_expected": 2,
    }


def _post_one(port: int, token: str) -> dict[str, Any]:
    result: dict[str, Any] = _call(port, "POST", "/api/v1/reports", report_body(), token)
    return result


def _photo_run(
    engine: Any,
    port: int,
    token: str,
    template: str | None,
    folder: str,
    seconds: int,
    connections: int,
) -> Callable[[], dict[str, Any]]:
    """One wrk run of photo PUTs; the API's get fresh reports (copies of `template`
    waiting for 10 photos each), so no PUT meets a full report."""
    from sqlalchemy import text

    def run() -> dict[str, Any]:
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as ids:
            if template is not None:
                with engine.begin() as c:
                    rows = c.execute(
                        text(
                            "INSERT INTO report (id, kecamatan_id, type, officer_id, zone_id, "
                            "zone_match, started_at, started_offset_min, received_at, gps, "
                            "findings, photos_expected, review_state, body_hash, "
                            "first_response, source) SELECT gen_random_uuid(), kecamatan_id, "
                            "type, officer_id, zone_id, zone_match, started_at, "
                            "started_offset_min, received_at, gps, findings, 10, review_state, "
                            "body_hash, first_response, source FROM report, "
                            "generate_series(1, :n) WHERE id = :t RETURNING id"
                        ),
                        {"n": PHOTO_REPORTS, "t": template},
                    ).scalars()
                    ids.write("".join(f"{i}\n" for i in rows))
                ids.flush()
            mode = "api" if template is not None else "floor"
            args = [mode, token, secrets.token_hex(4), str(PHOTO), ids.name, "2"]
            r = _wrk(port, "photo.lua", args, seconds, connections)
        assert r["errors"] == 0, r
        # The photos of this run are not needed again: keep the disk from filling up.
        for p in Path(folder).iterdir():
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        return r

    return run


def _profile(pid: int, run: Callable[[], dict[str, Any]], out: str) -> None:
    """py-spy over the API's workers during one more report POST run."""
    _, seconds, _, _ = _settings()
    spy = subprocess.Popen(
        [
            str(BIN / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--format",
            "raw",
            "--rate",
            "200",
            "--duration",
            str(seconds),
            "--output",
            out,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)
    run()
    spy.wait(timeout=seconds + 60)
    print(f"py-spy profile of the report POST run: {out}", flush=True)
