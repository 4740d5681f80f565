"""`make bench`: speed and memory, measured against the real services on 127.0.0.1.

    python -m bench [reports|photos|memory|snapshot|plans|chain|all]

Runs against the test database (it is wiped). Prints one line per measurement and a
summary; nothing here is a pass/fail test.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = ROOT.parent / "shared" / "testdata" / "photos"
BIN = Path(sys.executable).parent
PHONE_PHOTOS = [
    "jpg_mobile_HMD_Nokia_8.3_5G.jpg",
    "jpg_mobile_jolla.jpg",
    "heic_mobile_HMD_Nokia_8.3_5G.heif",
    "heic_mobile_iphone_13_pro_max.HEIC",
]


def _fresh_database() -> None:
    from alembic import command
    from sqlalchemy import text

    from k3zones.db import make_engine
    from k3zones.settings import Settings
    from tests.support.services import alembic_config

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    with engine.begin() as c:
        c.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    command.upgrade(alembic_config(settings.database_url), "head")
    with engine.begin() as c:
        c.execute(
            text("CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, body jsonb)")
        )
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _request(
    conn: http.client.HTTPConnection, method: str, path: str, body: Any, token: str | None
) -> int:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=json.dumps(body), headers=headers)
    resp = conn.getresponse()
    resp.read()
    return resp.status


def _load(
    port: int, path: str, make_body: Any, token: str, clients: int, per_client: int
) -> tuple[float, list[float], dict[int, int]]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        codes: dict[int, int] = {}
        for _ in range(per_client):
            t = time.perf_counter()
            code = _request(conn, "POST", path, make_body(), token)
            mine.append(time.perf_counter() - t)
            codes[code] = codes.get(code, 0) + 1
        conn.close()
        with lock:
            latencies.extend(mine)
            for k, v in codes.items():
                statuses[k] = statuses.get(k, 0) + v

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return clients * per_client / elapsed, latencies, statuses


def bench_reports(clients: int = 20, per_client: int = 60) -> dict[str, float]:
    """Report POST throughput at 20 concurrent clients, against a bare one-INSERT endpoint
    of the same app (same gunicorn, same sign-in check)."""
    from api import create_app
    from k3zones.services.sample import DEMO_USERS, load_sample

    _fresh_database()
    passwords = {u: "bench-Sandi#2024" for u, _, _ in DEMO_USERS}
    app = create_app()
    ctx = app.extensions["k3"]
    load_sample(ctx.uow, dict(ctx.settings.default_radius_m), passwords)
    ctx.engine.dispose()

    port = _free_port()
    workers = str(os.environ.get("K3_BENCH_WEB_WORKERS", 4))
    log = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)  # noqa: SIM115
    # One officer sends thousands of reports here: lift the per-officer limit (its Redis
    # check still runs, so its cost is measured).
    env = {
        **os.environ,
        "K3_BENCH": "1",
        "K3_STORAGE_DIR": tempfile.mkdtemp(),
        "K3_REPORT_LIMIT_PER_OFFICER": "1000000 per hour",
    }
    proc = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            workers,
            "app:flask_app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(
            "POST",
            "/api/v1/auth/login",
            body=json.dumps({"username": "demo.petugas", "password": passwords["demo.petugas"]}),
            headers={"Content-Type": "application/json"},
        )
        token = json.loads(conn.getresponse().read())["access_token"]

        def report() -> dict[str, Any]:
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

        # Warm both paths (connections, caches), then measure each in alternating rounds;
        # the machine is shared with the load generator, so the median round counts.
        _load(port, "/api/v1/_bench/insert", dict, token, clients, 5)
        _load(port, "/api/v1/reports", report, token, clients, 5)
        bare_runs, rep_runs, lat_rep = [], [], []
        for _ in range(3):
            rps, _, codes = _load(port, "/api/v1/_bench/insert", dict, token, clients, per_client)
            assert set(codes) == {201}, codes
            bare_runs.append(rps)
            rps, lat, codes = _load(port, "/api/v1/reports", report, token, clients, per_client)
            assert set(codes) == {201}, codes
            rep_runs.append(rps)
            lat_rep.extend(lat)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    bare, rep = statistics.median(bare_runs), statistics.median(rep_runs)
    ratio = statistics.median(r / b for r, b in zip(rep_runs, bare_runs, strict=True))
    p95 = statistics.quantiles(lat_rep, n=20)[18] * 1000
    print(
        f"report POST: {rep:.0f} req/s (p95 {p95:.0f} ms) | bare insert: {bare:.0f} req/s | "
        f"ratio {ratio:.2f} (aim >= 0.5; median of 3 rounds) | {clients} clients, "
        f"gunicorn {workers} workers"
    )
    return {"report_rps": rep, "bare_rps": bare, "report_ratio": ratio}


def _baseline(path: Path) -> None:
    from PIL import Image

    import k3zones.imaging  # noqa: F401  (registers the HEIF opener, as plain Pillow would need)

    with Image.open(path) as img:
        img.thumbnail((1600, 1600))
        buf = io.BytesIO()
        img.convert("RGB").save(buf, "JPEG")


def bench_photos(rounds: int = 5) -> dict[str, float]:
    """Photos per second in one process: our processing (EXIF, upright web and thumbnail
    JPEGs, hash) against plain Pillow open + thumbnail() + save of the same files."""
    from k3zones import imaging

    files = [PHOTOS / n for n in PHONE_PHOTOS]
    for f in files:  # warm the page cache and the codecs
        imaging.process(f)
        _baseline(f)

    def rate(fn: Any) -> float:
        best = 0.0
        for _ in range(rounds):
            t = time.perf_counter()
            for f in files:
                fn(f)
            best = max(best, len(files) / (time.perf_counter() - t))
        return best

    ours = rate(imaging.process)
    base = rate(_baseline)
    jpeg = [PHOTOS / n for n in PHONE_PHOTOS if n.endswith(".jpg")]
    ours_j = len(jpeg) / min(_timed(imaging.process, jpeg) for _ in range(rounds))
    base_j = len(jpeg) / min(_timed(_baseline, jpeg) for _ in range(rounds))
    print(
        f"photo processing: {ours:.2f} photos/s | plain Pillow: {base:.2f} photos/s | "
        f"ratio {ours / base:.2f} (aim >= 1.0) | JPEG only: ratio {ours_j / base_j:.2f} | "
        f"files: {', '.join(PHONE_PHOTOS)}"
    )
    return {"photo_rate": ours, "baseline_rate": base, "photo_ratio": ours / base}


def _timed(fn: Any, files: list[Path]) -> float:
    t = time.perf_counter()
    for f in files:
        fn(f)
    return time.perf_counter() - t


def bench_memory() -> dict[str, float]:
    """Peak memory of a worker process (the full worker imports) processing the
    4608x1976 phone JPEG, measured in a fresh process."""
    # VmHWM (peak RSS of this process image) rather than ru_maxrss: the latter survives
    # exec and would report the parent's peak.
    code = (
        "def vm(key):\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith(key):\n"
        "            return int(line.split()[1])\n"
        "import app  # the worker's own imports: Flask app, Celery, SQLAlchemy, Pillow\n"
        "from k3zones import imaging\n"
        "before = vm('VmRSS:')\n"
        f"out = imaging.process({str(PHOTOS / 'jpg_mobile_HMD_Nokia_8.3_5G.jpg')!r})\n"
        "print(before, vm('VmHWM:'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "K3_STORAGE_DIR": tempfile.mkdtemp()},
    )
    before, after = (int(x) / 1024 for x in out.stdout.split())
    print(
        f"worker peak memory on the 4608x1976 JPEG: {after:.0f} MB "
        f"(resident before the photo {before:.0f} MB; aim < 300 MB)"
    )
    return {"peak_mb": after, "imports_mb": before}


def main(argv: list[str]) -> None:
    what = argv[1] if len(argv) > 1 else "all"
    results: dict[str, float] = {}
    if what in ("photos", "all"):
        results |= bench_photos()
    if what in ("memory", "all"):
        results |= bench_memory()
    if what in ("reports", "all"):
        results |= bench_reports()
    if what in ("snapshot", "all"):
        results |= bench_snapshot()
    if what in ("plans", "all"):
        results |= bench_plans()
    if what in ("chain", "all"):
        results |= bench_chain()
    print(json.dumps({k: round(v, 3) for k, v in results.items()}))


# 12 kecamatan (slugs bench-1..12) x 50 zones of one decree each: the city both benches use,
# with one user of `role` per kecamatan.
CITY_ZONES_SQL = """
INSERT INTO kecamatan (slug, name, kota, extent, is_sample)
SELECT 'bench-' || k, 'Bench ' || k, 'Kota Bench',
       ST_MakeEnvelope(106.9 + k * 0.05, -6.40, 106.95 + k * 0.05, -6.10, 4326), true
FROM generate_series(1, 12) k;
INSERT INTO app_user (id, kecamatan_id, username, full_name, role, password_hash)
SELECT gen_random_uuid(), id, 'bench.{role}.' || id, 'Bench', '{role}', 'x'
FROM kecamatan WHERE slug LIKE 'bench-%';
INSERT INTO decree (id, kecamatan_id, nomor, tanggal, perihal, status)
SELECT gen_random_uuid(), id, 'BENCH/' || id, DATE '2022-12-01', 'Bench', 'berlaku'
FROM kecamatan WHERE slug LIKE 'bench-%';
INSERT INTO zone (id, kecamatan_id, decree_id, name, kategori, geom, radius_m)
SELECT gen_random_uuid(), d.kecamatan_id, d.id, 'Zona ' || z,
       CASE WHEN z <= 15 THEN 'merah' ELSE 'kuning' END,
       ST_SetSRID(ST_MakePoint(106.92 + d.kecamatan_id * 0.05, -6.35 + z * 0.004), 4326), 100
FROM decree d JOIN kecamatan k ON k.id = d.kecamatan_id AND k.slug LIKE 'bench-%',
     generate_series(1, 50) z;
"""

CITY_SQL = (
    CITY_ZONES_SQL.format(role="petugas")
    + """
-- three years of daily patrols on those zones (about 650,000 reports).
INSERT INTO report (id, kecamatan_id, type, officer_id, zone_id, zone_match, started_at,
    started_offset_min, received_at, gps, violation_total, findings, photos_expected,
    review_state, body_hash, first_response, source)
SELECT gen_random_uuid(), z.kecamatan_id,
       CASE WHEN day % 30 = 0 THEN 'penertiban' ELSE 'patroli' END,
       u.id, z.id, 'given',
       TIMESTAMPTZ '2023-01-01 08:00+07' + day * INTERVAL '1 day', 420,
       TIMESTAMPTZ '2023-01-01 10:00+07' + day * INTERVAL '1 day', z.geom,
       CASE WHEN hashtext(z.id::text || day) % 17 = 0 THEN 2 ELSE 0 END,
       '[]'::jsonb, 0, 'diterima', 'bench', '{}'::jsonb, 'bench'
FROM zone z JOIN app_user u ON u.kecamatan_id = z.kecamatan_id
     JOIN kecamatan k ON k.id = z.kecamatan_id AND k.slug LIKE 'bench-%',
     generate_series(0, 1094) day;
-- A third of the zones were verified tertib along the way.
INSERT INTO zone_status_change (zone_id, kecamatan_id, at, kind, from_status, to_status,
    kategori, reason, actor, rule_version, evidence)
SELECT z.id, z.kecamatan_id, TIMESTAMPTZ '2025-06-01 10:00+07', 'verify', 'layak_tertib',
       'tertib', 'baik', 'bench', 'bench', 1, '{}'::jsonb
FROM zone z JOIN kecamatan k ON k.id = z.kecamatan_id AND k.slug LIKE 'bench-%'
WHERE hashtext(z.id::text) % 3 = 0;
ANALYZE;
"""
)

# The same figures in one hand-written query: designated zones, zones verified and not
# fallen back at the end of December 2025, and the per-zone counts the statuses come from.
HAND_SQL = """
WITH p AS (SELECT TIMESTAMPTZ '2025-12-31 23:59:59.999999+07' AS t,
                  TIMESTAMPTZ '2025-12-18 00:00+07' AS w),
v AS (SELECT DISTINCT ON (c.zone_id) c.zone_id, c.kind, c.at FROM zone_status_change c, p
      WHERE c.kind IN ('verify', 'withdraw') AND c.at <= p.t
      ORDER BY c.zone_id, c.at DESC, c.id DESC),
agg AS (SELECT r.zone_id,
               count(*) FILTER (WHERE r.type = 'penertiban') AS pen,
               count(DISTINCT (r.started_at AT TIME ZONE 'Asia/Jakarta')::date)
                   FILTER (WHERE r.type = 'patroli' AND r.started_at >= p.w
                           AND r.violation_total = 0) AS days,
               count(*) FILTER (WHERE r.type = 'patroli' AND r.started_at >= p.w
                                AND r.violation_total > 0) AS bad
        FROM report r, p WHERE r.review_state = 'diterima' AND r.started_at <= p.t
        GROUP BY r.zone_id)
SELECT z.kecamatan_id, count(*) AS designated,
       count(*) FILTER (WHERE v.kind = 'verify' AND NOT EXISTS (
           SELECT 1 FROM report r2, p WHERE r2.zone_id = z.id AND r2.review_state = 'diterima'
             AND r2.violation_total > 0 AND r2.started_at > v.at AND r2.started_at <= p.t))
           AS tertib,
       count(*) FILTER (WHERE agg.pen >= 1 AND agg.bad = 0 AND agg.days >= 4) AS layak
FROM zone z JOIN decree d ON d.id = z.decree_id
LEFT JOIN v ON v.zone_id = z.id LEFT JOIN agg ON agg.zone_id = z.id
WHERE d.tanggal < DATE '2026-01-01' AND z.retired_at IS NULL
GROUP BY z.kecamatan_id
"""


def bench_snapshot() -> dict[str, float]:
    """Monthly snapshot of every kecamatan of a city-sized data set, against one
    hand-written SQL query that counts the same."""
    from sqlalchemy import func, select, text

    from api import create_app
    from k3zones.models import IndicatorSnapshot, Report
    from k3zones.periods import Period
    from k3zones.scope import Scope
    from k3zones.services import indicator as ind

    _fresh_database()
    app = create_app()
    ctx = app.extensions["k3"]
    t = time.perf_counter()
    with ctx.engine.begin() as c:
        c.execute(text(CITY_SQL))
    with ctx.uow() as s:
        n = s.scalar(select(func.count()).select_from(Report))
    load = time.perf_counter() - t
    p = Period("month", 2025, 12)
    slugs = ind.all_slugs(ctx.uow, Scope.everything())
    hand_runs, ours_runs = [], []
    for _ in range(3):
        t = time.perf_counter()
        with ctx.engine.connect() as c:
            hand_rows = c.execute(text(HAND_SQL)).all()
        hand_runs.append(time.perf_counter() - t)
        t = time.perf_counter()
        for slug in slugs:
            ind.create_snapshot(ctx.uow, Scope.everything(), slug, p)
        ours_runs.append(time.perf_counter() - t)
    with ctx.uow() as s:
        snaps = list(
            s.scalars(
                select(IndicatorSnapshot)
                .order_by(IndicatorSnapshot.computed_at.desc())
                .limit(len(slugs))
            )
        )
    by_kec = {r.kecamatan_id: r for r in hand_rows}
    agree = all(
        by_kec[sn.kecamatan_id].tertib == sn.zones_tertib
        and by_kec[sn.kecamatan_id].designated == sn.zones_designated
        for sn in snaps
    )
    ours, hand = min(ours_runs), min(hand_runs)
    count = f"{n:,}".replace(",", ".")
    print(
        f"monthly snapshot, {len(slugs)} kecamatan, {count} reports (loaded in {load:.0f} s): "
        f"{ours:.2f} s | one hand-written query: {hand:.2f} s | ratio {ours / hand:.2f} "
        f"(aim < 2 and < 30 s) | same figures: {agree}"
    )
    return {"snapshot_s": ours, "hand_query_s": hand, "snapshot_ratio": ours / hand}


# Jadwal patroli at city size: 12 kecamatan x 50 zones, one team each, two daily plans per
# kecamatan (patroli and a 3-pilar penertiban) over all zones of the decree: 1,200 tasks a
# day. The zones come first; the plans are made through the service.
PLAN_CITY_SQL = (
    CITY_ZONES_SQL.format(role="trantib")
    + """
INSERT INTO team (id, kecamatan_id, name, kind, units)
SELECT gen_random_uuid(), id, 'Tim 3 Pilar ' || id, 'tiga_pilar',
       ARRAY['kecamatan', 'polsek', 'koramil']::varchar[]
FROM kecamatan WHERE slug LIKE 'bench-%';
"""
)

# A year of those tasks (438,000), as beat would have left them: most done on time, some
# late, some missed, each done one with its (accepted) report.
PLAN_YEAR_SQL = """
SET LOCAL statement_timeout = 0;
CREATE TEMP TABLE bench_days AS
SELECT t.plan_id, t.plan_version, t.kecamatan_id, t.zone_id, t.team_id, t.activity, t.units,
       d::date AS day, (t.window_start - t.day::timestamp AT TIME ZONE 'Asia/Jakarta') AS ws,
       (t.window_end - t.window_start) AS len, (t.late_until - t.window_end) AS late,
       abs(hashtext(t.zone_id::text || d::date || t.activity)) % 20 AS h
FROM (SELECT DISTINCT ON (plan_id, zone_id) * FROM patrol_task ORDER BY plan_id, zone_id) t,
     generate_series(DATE '{year}-01-01', DATE '{year}-12-31', INTERVAL '1 day') d;
CREATE TEMP TABLE bench_rep AS
SELECT gen_random_uuid() AS report_id, b.*,
       (b.day::timestamp AT TIME ZONE 'Asia/Jakarta') + b.ws
           + CASE WHEN b.h = 0 THEN b.len + INTERVAL '10 minutes' ELSE INTERVAL '30 minutes' END
           AS started_at
FROM bench_days b WHERE b.h <> 1;
INSERT INTO report (id, kecamatan_id, type, officer_id, zone_id, zone_match, started_at,
    started_offset_min, received_at, gps, violation_total, findings, photos_expected,
    review_state, body_hash, first_response, source, team_id)
SELECT r.report_id, r.kecamatan_id, r.activity, u.id, r.zone_id, 'given', r.started_at, 420,
       r.started_at + INTERVAL '1 hour', z.geom, 0, '[]'::jsonb, 0, 'diterima', 'bench',
       '{}'::jsonb, 'bench', r.team_id
FROM bench_rep r JOIN zone z ON z.id = r.zone_id
JOIN app_user u ON u.kecamatan_id = r.kecamatan_id;
INSERT INTO patrol_task (id, kecamatan_id, source, plan_id, plan_version, day, zone_id,
    team_id, activity, units, window_start, window_end, late_until, state, report_id,
    done_at, units_present)
SELECT gen_random_uuid(), b.kecamatan_id, 'rencana', b.plan_id, b.plan_version, b.day,
       b.zone_id, b.team_id, b.activity, b.units,
       (b.day::timestamp AT TIME ZONE 'Asia/Jakarta') + b.ws,
       (b.day::timestamp AT TIME ZONE 'Asia/Jakarta') + b.ws + b.len,
       (b.day::timestamp AT TIME ZONE 'Asia/Jakarta') + b.ws + b.len + b.late,
       CASE WHEN b.h = 1 THEN 'terlewat' WHEN b.h = 0 THEN 'terlambat' ELSE 'selesai' END,
       r.report_id, r.started_at,
       CASE WHEN b.h = 1 THEN '{}'::varchar[] ELSE b.units END
FROM bench_days b LEFT JOIN bench_rep r
  ON r.plan_id = b.plan_id AND r.zone_id = b.zone_id AND r.day = b.day
ON CONFLICT ON CONSTRAINT uq_patrol_task_plan_zone_day DO NOTHING;
ANALYZE;
"""


def _stats(xs: list[float]) -> tuple[float, float]:
    """Median and p95 (nearest rank) in seconds."""
    ys = sorted(xs)
    return statistics.median(ys), ys[max(0, -(-95 * len(ys) // 100) - 1)]


def bench_plans(days: int = 10, rounds: int = 3) -> dict[str, float]:
    """Jadwal patroli (issue 14): beat materialising one WIB day for 12 kecamatan x 50
    zones x 2 activities (1,200 tasks; aim < 2 s), and coverage of a year of that per
    kecamatan (438,000 tasks and their reports; aim < 1 s)."""
    from sqlalchemy import func, select, text, update

    from api import create_app
    from k3zones.audit import SYSTEM, acting_as
    from k3zones.enums import ReportType, Role
    from k3zones.models import Decree, Kecamatan, PatrolPlan, PatrolTask, Team, User
    from k3zones.periods import WIB, Period, today_wib
    from k3zones.principal import Principal
    from k3zones.scope import Scope
    from k3zones.services import plans

    _fresh_database()
    app = create_app()
    ctx = app.extensions["k3"]
    with ctx.engine.begin() as c:
        c.execute(text(PLAN_CITY_SQL))
    today = today_wib()
    with ctx.uow() as s:
        rows = s.execute(
            select(Kecamatan.id, Kecamatan.slug, User.id, Team.id, Decree.id)
            .join(User, User.kecamatan_id == Kecamatan.id)
            .join(Team, Team.kecamatan_id == Kecamatan.id)
            .join(Decree, Decree.kecamatan_id == Kecamatan.id)
            .order_by(Kecamatan.id)
        ).all()
    with acting_as(SYSTEM):
        for kid, slug, uid, team, decree in rows:
            who = Principal(uid, f"bench.trantib.{kid}", "Bench", Role.TRANTIB, kid, slug, None)
            for activity, start, end in (
                (ReportType.PATROLI, "08:00", "16:00"),
                (ReportType.PENERTIBAN, "09:00", "12:00"),
            ):
                plans.create_plan(
                    ctx.uow,
                    who,
                    plans.PlanInput(
                        name=f"{activity.value} harian",
                        rrule="FREQ=DAILY",
                        activity=activity,
                        team_id=team,
                        target=f"sk:{decree}",
                        window_start=start,
                        window_end=end,
                    ),
                )
    # Beat at 00:05 WIB of each next day, every plan materialised up to the day before:
    # exactly one day to make (with beat's reconcile and missed-window steps).
    materialise: list[float] = []
    made = set()
    for i in range(1, days + 1):
        day = today + timedelta(days=i)
        with ctx.uow() as s, s.begin():
            s.execute(update(PatrolPlan).values(materialised_through=day - timedelta(days=1)))
        at = datetime.combine(day, dtime(0, 5), tzinfo=WIB)
        t = time.perf_counter()
        res = plans.run_beat(ctx.uow, now=at)
        materialise.append(time.perf_counter() - t)
        made.add(res.created)
    with ctx.uow() as s:
        per_day = s.scalar(
            select(func.count())
            .select_from(PatrolTask)
            .where(PatrolTask.day == today + timedelta(days=1))
        )
    year = today.year + 1
    t = time.perf_counter()
    with ctx.engine.begin() as c:
        c.execute(text(PLAN_YEAR_SQL.replace("{year}", str(int(year)))))
    load = time.perf_counter() - t
    with ctx.uow() as s:
        n_year = s.scalar(
            select(func.count())
            .select_from(PatrolTask)
            .where(func.extract("year", PatrolTask.day) == year)
        )
    slugs = [slug for _, slug, _, _, _ in rows]
    p = Period("year", year)
    cover: dict[str, list[float]] = {"zona/periode": [], "kecamatan/bulan": [], "tim/minggu": []}
    for _ in range(rounds):
        for slug in slugs:
            for key in cover:
                group, bucket = key.split("/")
                t = time.perf_counter()
                plans.coverage(ctx.uow, Scope.everything(), slug, p, group, bucket)
                cover[key].append(time.perf_counter() - t)
    med, p95 = _stats(materialise)
    print(
        f"materialise one day (beat), {len(rows)} kecamatan x 50 zones x 2 activities = "
        f"{per_day} tasks (created per run: {sorted(made)}): median {med:.3f} s, "
        f"p95 {p95:.3f} s over {days} days (aim < 2 s)"
    )
    out = {"plan_day_median_s": med, "plan_day_p95_s": p95}
    count = f"{n_year:,}".replace(",", ".")
    for key, xs in cover.items():
        med, p95 = _stats(xs)
        print(
            f"coverage of {year} per kecamatan ({key}), {count} tasks in the city "
            f"(loaded in {load:.0f} s): median {med:.3f} s, p95 {p95:.3f} s over "
            f"{len(xs)} calls (aim < 1 s)"
        )
        out[f"coverage_{key.replace('/', '_')}_median_s"] = med
        out[f"coverage_{key.replace('/', '_')}_p95_s"] = p95
    return out


# --- evidence chain -----------------------------------------------------------------------


def bench_chain(rounds: int = 6, per_round: int = 150) -> dict[str, float]:
    """What the evidence-chain writes add to a report POST: the same app and code with the
    write hook switched on and off (k3zones.audit.CHAIN_WRITES) in alternating rounds, so
    both see the same machine load; in-process (Flask's test client, one client), so the
    difference is the server's own work and not hidden behind network time. Then how fast
    the sealer (beat, every minute) seals what the POSTs left."""
    from api import create_app
    from k3zones import audit
    from k3zones.services import chain as chain_service
    from k3zones.services.sample import DEMO_USERS, load_sample

    _fresh_database()
    os.environ["K3_REPORT_LIMIT_PER_OFFICER"] = "1000000 per hour"
    passwords = {u: "bench-Sandi#2024" for u, _, _ in DEMO_USERS}
    app = create_app()
    ctx = app.extensions["k3"]
    load_sample(ctx.uow, dict(ctx.settings.default_radius_m), passwords)
    client = app.test_client()
    login = client.post(
        "/api/v1/auth/login",
        json={"username": "demo.petugas", "password": passwords["demo.petugas"]},
    )
    headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}

    def post() -> None:
        body = {
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
        r = client.post("/api/v1/reports", json=body, headers=headers)
        assert r.status_code == 201, r.get_json()

    for _ in range(50):  # warm: connections, statement caches
        post()
    runs: dict[bool, list[float]] = {True: [], False: []}
    try:
        for i in range(rounds):
            for on in (True, False) if i % 2 == 0 else (False, True):
                audit.CHAIN_WRITES["on"] = on
                t = time.perf_counter()
                for _ in range(per_round):
                    post()
                runs[on].append((time.perf_counter() - t) / per_round)
    finally:
        audit.CHAIN_WRITES["on"] = True
    on_s, off_s = statistics.median(runs[True]), statistics.median(runs[False])
    overhead = (on_s - off_s) / off_s * 100
    t = time.perf_counter()
    sealed = chain_service.seal(ctx.uow)
    seal_s = time.perf_counter() - t
    # The reports posted with the hook off have no entry: give them one (as after an
    # upgrade), so the verification below walks a chain that is whole.
    added = chain_service.backfill(ctx.uow)
    t = time.perf_counter()
    verdict = chain_service.verify_all(ctx.uow)
    verify_s = time.perf_counter() - t
    print(
        f"report POST with chain writes: {on_s * 1000:.2f} ms, without: {off_s * 1000:.2f} ms, "
        f"overhead {overhead:+.1f} % (aim < 10 %; median of {rounds} alternating rounds of "
        f"{per_round}) | sealing {sealed} entries: {seal_s:.2f} s | full verification of "
        f"{verdict.entries} entries ({added} backfilled): {verify_s:.2f} s (ok={verdict.ok})"
    )
    ctx.engine.dispose()
    return {
        "chain_post_ms": on_s * 1000,
        "nochain_post_ms": off_s * 1000,
        "chain_overhead_pct": overhead,
        "chain_seal_per_s": sealed / seal_s if seal_s else 0.0,
        "chain_verify_s": verify_s,
    }


if __name__ == "__main__":
    main(sys.argv)
