"""The fault matrix's own world (tests/faults): a throwaway PostgreSQL cluster and Redis on
free ports, the running stack over them (gunicorn, a Celery worker, beat), and "phones"
that send reports and photos with retries while a test breaks something.

Nothing here touches the shared services of `make test` (K3_PG_PORT, K3_REDIS_PORT):
stopping this cluster or this Redis disturbs no other test.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from tests.support.e2e import free_port, http, wait_for
from tests.support.paths import BIN, ROOT

# Figures of every scenario, printed at the end of the run (see pytest_terminal_summary).
FIGURES: list[tuple[str, dict[str, Any]]] = []


@dataclass
class World:
    cluster: Any
    redis: Any
    procs: Any
    engine: Any
    token: str
    storage_dir: Path
    tmp: Path


def _is_root() -> bool:
    return os.geteuid() == 0


def _as_pg(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root the cluster belongs to `postgres`."""
    return ["runuser", "-u", "postgres", "--", *cmd] if _is_root() else cmd


def pg_bindir() -> Path:
    cands = [Path("/usr/lib/postgresql/15/bin")]
    cands += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for d in cands:
        if (d / "pg_ctl").exists():
            return d
    raise RuntimeError("PostgreSQL is not installed (scripts/bootstrap.sh)")


class Cluster:
    """A PostgreSQL cluster of its own, in a directory the postgres user can reach."""

    def __init__(self) -> None:
        self.bindir = pg_bindir()
        # Not under pytest's tmp dir: that one is 0700 root, where postgres cannot go.
        self.dir = Path(tempfile.mkdtemp(prefix="k3faults-pg-", dir="/var/tmp"))
        self.data = self.dir / "data"
        self.run = self.dir / "run"
        self.log = self.dir / "postgresql.log"
        self.port = free_port()
        self.password = secrets.token_urlsafe(18)
        self.user = "k3zones"
        self.db = "k3zones_faults_test"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.db}"

    def _pg(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            _as_pg([str(self.bindir / args[0]), *args[1:]]),
            capture_output=True,
            text=True,
            check=check,
            stdin=subprocess.DEVNULL,
        )

    def init(self) -> None:
        self.run.mkdir()
        pwfile = self.dir / "pwfile"
        pwfile.write_text(self.password + "\n")
        os.chmod(self.dir, 0o755)
        if _is_root():
            shutil.chown(self.dir, "postgres")
            for p in (self.run, pwfile):
                shutil.chown(p, "postgres")
        self._pg(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.user,
            f"--pwfile={pwfile}",
            "--auth-local=scram-sha-256",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        pwfile.unlink()
        conf = (
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.run}'\n"
            "timezone = 'UTC'\nfsync = off\nmax_connections = 100\n"
        )
        # As root the data dir belongs to postgres; root may still append to it.
        with open(self.data / "postgresql.conf", "a") as f:
            f.write(conf)

    def start(self) -> None:
        self._pg(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            f"-p {self.port}",
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def create_db(self) -> None:
        env = {**os.environ, "PGPASSWORD": self.password}
        subprocess.run(
            [
                "psql",
                "-X",
                "-q",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                "postgres",
                "-c",
                f'CREATE DATABASE "{self.db}"',
            ],
            env=env,
            check=True,
            capture_output=True,
        )

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisServer:
    """A Redis of its own, without persistence: stopping it loses what was queued, as a
    crashed broker would."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir
        self.port = free_port()
        self.password = secrets.token_urlsafe(18)
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        conf = self.dir / "redis.conf"
        conf.write_text(f"requirepass {self.password}\n")
        self.proc = subprocess.Popen(
            [
                "redis-server",
                str(conf),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.dir),
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                str(self.dir / "redis.log"),
            ],
            stdin=subprocess.DEVNULL,
        )

        def up() -> bool:
            import redis  # lazy: like tests/support/services.py, only when used

            c = redis.Redis.from_url(self.url())
            try:
                return bool(c.ping())
            except redis.RedisError:
                return False
            finally:
                c.close()

        wait_for(up, timeout=15, what="redis-server")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


def children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += [int(x) for x in (task / "children").read_text().split()]
    return out


class Processes:
    """gunicorn (2 workers), a Celery worker (solo pool) and beat, with one environment."""

    COMMANDS: ClassVar[dict[str, list[str]]] = {
        "api": ["gunicorn", "--workers", "2", "--timeout", "60", "app:flask_app"],
        "worker": [
            "celery",
            "-A",
            "workers.main.celery_app",
            "worker",
            "--pool",
            "solo",
            "-l",
            "INFO",
        ],
        "beat": ["celery", "-A", "workers.main.celery_app", "beat", "-l", "INFO"],
    }

    def __init__(self, env: dict[str, str], logdir: Path) -> None:
        self.env = env
        self.logdir = logdir
        self.port = free_port()
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self, name: str) -> None:
        cmd = list(self.COMMANDS[name])
        if name == "api":
            cmd += ["--bind", f"127.0.0.1:{self.port}"]
        if name == "beat":
            cmd += ["--schedule", str(self.logdir / "beat-schedule")]
        with open(self.logdir / f"{name}.log", "a") as log:
            self.procs[name] = subprocess.Popen(
                [str(BIN / cmd[0]), *cmd[1:]],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def ensure_up(self) -> None:
        """Start again whatever is not running (a scenario before may have left it dead),
        so that one scenario's failure does not cascade into the next."""
        for name, p in list(self.procs.items()):
            if p.poll() is not None:
                self.start(name)
        wait_for(lambda: http("GET", self.base + "/healthz")[0] == 200, 60, "gunicorn")

    def kill(self, name: str) -> None:
        p = self.procs[name]
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=15)

    def stop_all(self) -> None:
        for p in self.procs.values():
            p.terminate()
        for p in self.procs.values():
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def tail(self, name: str, n: int = 3000) -> str:
        f = self.logdir / f"{name}.log"
        return f.read_text(errors="replace")[-n:] if f.exists() else ""


def request(
    method: str, url: str, body: bytes | None, ctype: str, token: str
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP call; a connection failure is status 0 (the phone just tries again)."""
    req = urllib.request.Request(
        url,
        data=body,
        method=method,
        headers={"Content-Type": ctype, "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
    except (OSError, urllib.error.URLError):
        return 0, {}, b""


@dataclass
class PhoneRun:
    """What the phones saw: every status, what was acknowledged, what failed for good."""

    reports_acked: set[str] = field(default_factory=set)
    photos_acked: dict[str, str] = field(default_factory=dict)  # photo id -> report id
    statuses: Counter[int] = field(default_factory=Counter)
    retries: int = 0
    bad_5xx: list[str] = field(default_factory=list)  # 5xx other than 503 + Retry-After
    refused: list[str] = field(default_factory=list)  # 4xx: a phone would give up
    gave_up: list[str] = field(default_factory=list)
    # "before", "fault" (the dependency is down), "after": the statuses of each phase.
    phase: str = "before"
    by_phase: dict[str, Counter[int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self, phase: str) -> None:
        with self.lock:
            self.phase = phase

    def figures(self) -> dict[str, Any]:
        return {
            "reports_acked": len(self.reports_acked),
            "photos_acked": len(self.photos_acked),
            "retries": self.retries,
            "statuses": dict(sorted(self.statuses.items())),
            "statuses_by_phase": {ph: dict(sorted(c.items())) for ph, c in self.by_phase.items()},
            "bad_5xx": len(self.bad_5xx),
            "refused": len(self.refused),
            "gave_up": len(self.gave_up),
        }


def report_body(rid: str) -> bytes:
    return json.dumps(
        {
            "id": rid,
            "type": "patroli",
            "started_at": "2024-05-02T08:15:00+07:00",
            "ended_at": "2024-05-02T09:00:00+07:00",
            "location": {"type": "Point", "coordinates": [106.9790, -6.2072]},
            "accuracy_m": 8,
            "findings": [{"kind": "pkl", "count": 3}],
            "photos_expected": 1,
        }
    ).encode()


def send(
    run: PhoneRun, what: str, method: str, url: str, body: bytes, ctype: str, token: str
) -> bool:
    """Send until acknowledged (200/201), with the same id every time; False if the phone
    gave up (a 4xx, or still failing after the deadline)."""
    deadline = time.monotonic() + 90
    first = True
    while time.monotonic() < deadline:
        if not first:
            with run.lock:
                run.retries += 1
        first = False
        status, headers, out = request(method, url, body, ctype, token)
        with run.lock:
            run.statuses[status] += 1
            run.by_phase.setdefault(run.phase, Counter())[status] += 1
        if status in (200, 201):
            return True
        if status >= 500 and not (status == 503 and headers.get("Retry-After")):
            with run.lock:
                run.bad_5xx.append(f"{method} {what}: {status} {out[:300]!r}")
        elif 400 <= status < 500:
            with run.lock:
                run.refused.append(f"{method} {what}: {status} {out[:300]!r}")
            return False
        time.sleep(0.3 + 0.2 * (hash(url) % 5) / 5)
    with run.lock:
        run.gave_up.append(f"{method} {what}")
    return False


# A pause between a phone's reports, so that a run lasts ~15 s and a fault falls inside it.
PACE_S = 0.6


def phone(run: PhoneRun, base: str, token: str, n_reports: int, photo: bytes, pace: float) -> None:
    for i in range(n_reports):
        if i:
            time.sleep(pace)
        rid = str(uuid.uuid4())
        if not send(
            run, rid, "POST", base + "/api/v1/reports", report_body(rid), "application/json", token
        ):
            continue
        with run.lock:
            run.reports_acked.add(rid)
        pid = str(uuid.uuid4())
        # Each photo its own bytes (a marker after the JPEG's end), as real photos are.
        data = photo + pid.encode()
        url = f"{base}/api/v1/reports/{rid}/photos/{pid}"
        if send(run, pid, "PUT", url, data, "image/jpeg", token):
            with run.lock:
                run.photos_acked[pid] = rid


def start_phones(
    base: str,
    token: str,
    photo: bytes,
    n_phones: int = 6,
    n_reports: int = 20,
    pace: float = PACE_S,
) -> tuple[PhoneRun, list[threading.Thread]]:
    run = PhoneRun()
    threads = [
        threading.Thread(target=phone, args=(run, base, token, n_reports, photo, pace), daemon=True)
        for _ in range(n_phones)
    ]
    for t in threads:
        t.start()
    return run, threads


def _holder(children_pids: list[int], server_port: int, client_port: int) -> int | None:
    """The gunicorn worker holding the server side of the connection from client_port."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        cols = line.split()
        local, remote = cols[1], cols[2]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == (
            client_port
        ):
            inodes.add(f"socket:[{cols[9]}]")
    for pid in children_pids:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                        return pid
    return None


def kill_mid_upload(procs: Processes, path: str, data: bytes, token: str) -> int:
    """Start a PUT of `data` that stops halfway through the body, find the gunicorn worker
    reading it, SIGKILL that worker (not the master); returns its pid. The client sees its
    connection dropped and must send again."""
    sock = socket.create_connection(("127.0.0.1", procs.port), timeout=15)
    try:
        head = (
            f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1:{procs.port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: image/jpeg\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
        ).encode()
        sock.sendall(head + data[: len(data) // 2])
        client_port = sock.getsockname()[1]
        pid = wait_for(
            lambda: _holder(children(procs.procs["api"].pid), procs.port, client_port),
            timeout=10,
            what="the gunicorn worker reading the upload",
        )
        os.kill(pid, signal.SIGKILL)
        try:
            answer = sock.recv(100)
        except OSError:
            answer = b""
        assert answer == b"", f"an answer to half an upload: {answer!r}"
        return int(pid)
    finally:
        sock.close()
