"""`make bench WHAT=scale`: a city of 40 kecamatan x 50 zones x 3 years (about 4.4 million
reports, one photo row each) in a database of its own, and the read paths people wait on,
timed on it.

    python -m bench scale [--rebuild | --map-only]

--map-only (`make bench WHAT="scale --map-only"`) times the console map's two calls and
stops there; it reuses the data as it is (even of an older data version) and never
generates it.

The data lives in K3_BENCH_SCALE_DB (k3zones_bench_scale) on the project's PostgreSQL
(the host and port of K3_DATABASE_URL, so K3_PG_PORT holds). It is generated once with
SQL (bench.__main__.city_zones_sql / city_reports_sql) and kept: a marker table records the
generator's version and the schema's columns, and a later run reuses the data when both
match (only the indexes are brought in line with the migrations). When the migrations
moved on but the same generator made the data, the kept database is migrated to head (as a
city's would be) and reused if its columns then match. --rebuild (or
K3_BENCH_SCALE_REBUILD=1) generates it again.

Each run adds a little to it, as the real code would: the zones it recomputes (zone_status,
their changes, audit rows) and the 40 snapshots per round (with their chain entries).

The timings go through the real code: the HTTP endpoints through Flask's test client
(routing, sign-in, schema, service, JSON) and the worker's service call for a zone's
recompute and the monthly snapshot. EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of
each measured call goes to K3_BENCH_EXPLAIN (var/bench/scale-explain.txt).
"""

from __future__ import annotations

import hashlib
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import Connection, make_url

from bench.__main__ import (
    HAND_SQL,
    ROOT,
    VERIFIED_SQL,
    _fresh_database,
    city_reports_sql,
    city_schema,
    city_zones_sql,
)

# Bump when what the generator means changes without its SQL text changing.
DATA_VERSION = "scale-1"
KECAMATAN = 40
OFFICERS = 10  # petugas per kecamatan; zone z is officer (z - 1) % 10 + 1's
KELURAHAN = 5  # per kecamatan, 10 zones each, with boundaries
SHIFTS = 2  # patrols a day per zone (08:00 and 16:00 WIB); every 30th day one is a penertiban
DAYS = 1095  # 2023-01-01 .. 2025-12-31
PHOTOS = 1  # photo rows per report (no files)
PENDING_DAYS = 7  # the last week still waits for review
PASSWORD = "bench-Sandi#2024"
# The audit rows and chain entries of every report and photo: another ~17 minutes of
# generation on the shared two cores, so only with K3_BENCH_SCALE_LEDGER=1.
LEDGER = os.environ.get("K3_BENCH_SCALE_LEDGER") == "1"
TABLES = ("report", "photo", "zone_status_change", "audit_log", "chain_entry")


def _ledger_sql() -> str:
    """What the write hook leaves for each generated report and photo: the report's audit
    row (its fields as created) and the evidence-chain entries of both, sealed in order.
    The review's own audit row and chain entry are left out."""
    return """
INSERT INTO audit_log (at, kecamatan_id, actor_id, actor, entity, entity_id, action, changes)
SELECT r.received_at, r.kecamatan_id, r.officer_id, 'bench', 'report', r.id::text, 'create',
       jsonb_build_object(
           'id', jsonb_build_object('before', null, 'after', r.id),
           'kecamatan_id', jsonb_build_object('before', null, 'after', r.kecamatan_id),
           'type', jsonb_build_object('before', null, 'after', r.type),
           'officer_id', jsonb_build_object('before', null, 'after', r.officer_id),
           'zone_id', jsonb_build_object('before', null, 'after', r.zone_id),
           'zone_match', jsonb_build_object('before', null, 'after', r.zone_match),
           'started_at', jsonb_build_object('before', null, 'after', r.started_at),
           'started_offset_min', jsonb_build_object('before', null, 'after', 420),
           'gps', jsonb_build_object('before', null, 'after', ST_AsGeoJSON(r.gps)::jsonb),
           'findings', jsonb_build_object('before', null, 'after', r.findings),
           'violation_total', jsonb_build_object('before', null, 'after', r.violation_total),
           'photos_expected', jsonb_build_object('before', null, 'after', r.photos_expected),
           'flags', jsonb_build_object('before', null, 'after', r.flags),
           'body_hash', jsonb_build_object('before', null, 'after', r.body_hash),
           'source', jsonb_build_object('before', null, 'after', r.source))
FROM report r WHERE r.source = 'bench';
INSERT INTO chain_entry (at, kecamatan_id, kind, ref, payload_hash, position, prev_hash,
    entry_hash, sealed_at)
SELECT e.at, e.kecamatan_id, e.kind, e.ref, e.h, e.pos,
       md5(e.pos - 1 || 'e') || md5(e.pos - 1 || 'f'), md5(e.pos || 'e') || md5(e.pos || 'f'),
       e.at + INTERVAL '1 minute'
FROM (SELECT x.*, row_number() OVER (ORDER BY x.at, x.kind DESC, x.ref) AS pos
      FROM (SELECT r.received_at AS at, r.kecamatan_id, 'report' AS kind, r.id::text AS ref,
                   md5(r.id::text) || md5(r.body_hash || r.id) AS h
            FROM report r WHERE r.source = 'bench'
            UNION ALL
            SELECT p.received_at, p.kecamatan_id, 'photo', p.id::text, p.sha256
            FROM photo p WHERE p.original_key LIKE 'bench/%') x) e;
"""


def generator_sql(c: Connection) -> list[tuple[str, str]]:
    """The generation steps, in order: (name, SQL)."""
    schema = city_schema(c)
    return [
        (
            "kecamatan, kelurahan, users, decrees, zones",
            city_zones_sql(schema, kecamatan=KECAMATAN, officers=OFFICERS, kelurahan=KELURAHAN),
        ),
        (
            "reports and photo rows",
            city_reports_sql(
                officers=OFFICERS,
                shifts=SHIFTS,
                days=DAYS,
                photos=PHOTOS,
                pending_days=PENDING_DAYS,
            ),
        ),
        ("verifications", VERIFIED_SQL),
    ] + ([("audit rows and chain entries", _ledger_sql())] if LEDGER else [])


# --- the bench database: create, fingerprint, reuse -------------------------------------


def _bench_url(url: str) -> str:
    name = os.environ.get("K3_BENCH_SCALE_DB", "k3zones_bench_scale")
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _columns(c: Connection) -> str:
    rows = c.execute(
        text(
            "SELECT table_name, column_name, data_type, udt_name, is_nullable, "
            "coalesce(column_default, '') FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name NOT LIKE 'bench%' "
            "ORDER BY 1, 2"
        )
    ).all()
    return "\n".join("|".join(str(v) for v in r) for r in rows)


def _indexes(c: Connection) -> dict[str, tuple[str, str]]:
    """The plain indexes (not those behind a constraint): name -> (table, definition)."""
    rows = c.execute(
        text(
            "SELECT i.indexname, i.tablename, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = 'public' AND i.tablename NOT LIKE 'bench%' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)"
        )
    ).all()
    return {name: (table, d) for name, table, d in rows}


def _version(columns: str, steps: list[tuple[str, str]]) -> str:
    h = hashlib.sha256(DATA_VERSION.encode())
    h.update(columns.encode())
    for name, sql in steps:
        h.update(name.encode() + sql.encode())
    return h.hexdigest()[:16]


def _marker(c: Connection) -> str | None:
    if c.execute(text("SELECT to_regclass('public.bench_scale_marker')")).scalar() is None:
        return None
    v: str | None = c.execute(text("SELECT version FROM bench_scale_marker")).scalar()
    return v


def prepare(test_url: str, rebuild: bool, generate: bool = True) -> str:
    """The bench database holding the current data version; its URL. generate False: stop
    rather than generate it (a missing or outdated data set)."""
    from alembic import command

    from k3zones.db import make_engine
    from tests.support.services import alembic_config

    # The schema at head, as the migrations make it (the test database is wiped for it).
    _fresh_database()
    ref = make_engine(test_url)
    with ref.connect() as c:
        columns, indexes = _columns(c), _indexes(c)
        head = c.execute(text("SELECT version_num FROM alembic_version")).scalar()
        version = _version(columns, generator_sql(c))
    with ref.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        url = _bench_url(test_url)
        name = make_url(url).database
        if not c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            c.execute(text(f'CREATE DATABASE "{name}"'))
    ref.dispose()

    engine = make_engine(url)
    try:
        with engine.connect() as c:
            found = _marker(c)
            same_columns = found is not None and _columns(c) == columns
            # The same generator made this data for the schema it has now: a later
            # migration (of tables the data does or does not fill) can run on it, as it
            # would on a real city's database, instead of generating it all again.
            migratable = found is not None and found == _version(_columns(c), generator_sql(c))
        if not rebuild and found != version and migratable and generate:
            t = time.perf_counter()
            command.upgrade(alembic_config(url), "head")
            with engine.begin() as c:
                same_columns = _columns(c) == columns
                if same_columns:
                    c.execute(text("UPDATE bench_scale_marker SET version = :v"), {"v": version})
                    found = version
            print(
                f"scale data: {name} migrated to {head} in {time.perf_counter() - t:.0f} s "
                f"({'reused' if same_columns else 'schema still differs: generating'})"
            )
        if not rebuild and found == version and same_columns:
            print(f"scale data: reusing {name} (data version {version})")
            _sync_indexes(engine, indexes, head)
            return url
        why = "--rebuild" if rebuild else f"data version {found} -> {version}"
        if not generate:
            # The map reads reports, zones, kelurahan and users: a schema changed elsewhere
            # (another table's migration) leaves those as they were.
            if found is None:
                raise SystemExit(f"scale data: {name} has no data; not generating it")
            print(f"scale data: reusing {name} as it is ({why}; not generated, not migrated)")
            return url
        print(f"scale data: generating {name} ({why}); several minutes on two cores")
        with engine.begin() as c:
            c.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            c.execute(text("CREATE SCHEMA public"))
        command.upgrade(alembic_config(url), "head")
        _generate(engine, version)
    finally:
        engine.dispose()
    return url


def _generate(engine: Engine, version: str) -> None:
    total = time.perf_counter()
    with engine.begin() as c:
        # Bulk load: the plain indexes of the big tables are built after the rows (one
        # sort each instead of 4 million inserts), foreign keys are not checked row by
        # row (the generator makes them consistent), and commits need not wait for disk.
        c.execute(text("SET LOCAL synchronous_commit = off"))
        c.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        c.execute(text("SET LOCAL work_mem = '256MB'"))
        c.execute(text("SET LOCAL statement_timeout = 0"))
        c.execute(text("SET LOCAL session_replication_role = replica"))
        big = ("report", "photo", "audit_log", "chain_entry")
        later = {n: (t, d) for n, (t, d) in _indexes(c).items() if t in big}
        for n in later:
            c.execute(text(f'DROP INDEX "{n}"'))
        for step, sql in generator_sql(c):
            t = time.perf_counter()
            c.execute(text(sql))
            print(f"  {step}: {time.perf_counter() - t:.0f} s", flush=True)
        t = time.perf_counter()
        for _, d in later.values():
            c.execute(text(d))
        print(f"  {len(later)} indexes of {', '.join(big)}: {time.perf_counter() - t:.0f} s")
        c.execute(
            text(
                "CREATE TABLE bench_scale_marker (version text PRIMARY KEY, "
                "built_at timestamptz NOT NULL DEFAULT now(), seconds float8 NOT NULL)"
            )
        )
        c.execute(
            text("INSERT INTO bench_scale_marker (version, seconds) VALUES (:v, :s)"),
            {"v": version, "s": time.perf_counter() - total},
        )
    t = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("SET statement_timeout = 0"))
        c.execute(text("VACUUM (ANALYZE)"))
    print(f"  vacuum and analyze: {time.perf_counter() - t:.0f} s")
    print(f"scale data generated in {time.perf_counter() - total:.0f} s")


def _sync_indexes(engine: Engine, want: dict[str, tuple[str, str]], head: Any) -> None:
    """Reused data, current indexes: build what the migrations have and the bench database
    lacks, drop what they no longer have."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("SET statement_timeout = 0"))
        c.execute(text("SET maintenance_work_mem = '512MB'"))
        have = _indexes(c)
        for n in sorted(set(have) - set(want)):
            c.execute(text(f'DROP INDEX "{n}"'))
            print(f"  index dropped (no longer in the migrations): {n}")
        for n in sorted(set(want) - set(have)):
            t = time.perf_counter()
            c.execute(text(want[n][1]))
            print(f"  index built (new in the migrations): {n}, {time.perf_counter() - t:.0f} s")
        for n in sorted(set(want) & set(have)):
            if want[n] != have[n]:
                c.execute(text(f'DROP INDEX "{n}"'))
                c.execute(text(want[n][1]))
                print(f"  index rebuilt (changed in the migrations): {n}")
        c.execute(text("UPDATE alembic_version SET version_num = :h"), {"h": head})


# --- timing ------------------------------------------------------------------------------


@dataclass
class Recorder:
    """The SQL statements one call runs, with their times (for the EXPLAINs)."""

    on: bool = False
    statements: list[tuple[float, str, Any]] = field(default_factory=list)

    def install(self, engine: Engine) -> None:
        def before(conn: Any, cursor: Any, stmt: str, params: Any, ctx: Any, many: bool) -> None:
            conn.info["bench_t"] = time.perf_counter()

        def after(conn: Any, cursor: Any, stmt: str, params: Any, ctx: Any, many: bool) -> None:
            if self.on and not many:
                took = time.perf_counter() - conn.info.pop("bench_t", time.perf_counter())
                self.statements.append((took, stmt, params))

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)

    @contextmanager
    def recording(self) -> Iterator[None]:
        self.statements.clear()
        self.on = True
        try:
            yield
        finally:
            self.on = False


def _p(xs: list[float], q: int) -> float:
    ys = sorted(xs)
    return ys[max(0, -(-q * len(ys) // 100) - 1)]


def _line(
    label: str, xs: list[float], aim_ms: float, extra: str = "", share: float | None = None
) -> dict[str, float]:
    med, p95 = statistics.median(xs) * 1000, _p(xs, 95) * 1000
    if share is not None:
        extra += f"; time in SQL {share * 100:.0f} %"
    ok = "ok" if p95 < aim_ms else "MISSED"
    print(
        f"{label}: median {med:.1f} ms, p95 {p95:.1f} ms over {len(xs)} calls "
        f"(aim p95 < {aim_ms:.0f} ms: {ok}){extra}"
    )
    key = label.split(" (")[0].replace(" ", "_").replace(",", "")
    return {f"{key}_median_ms": med, f"{key}_p95_ms": p95}


class Explainer:
    def __init__(self, engine: Engine, path: Path) -> None:
        self.engine = engine
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")

    def explain(self, label: str, statements: list[tuple[float, str, Any]], top: int = 1) -> None:
        """EXPLAIN (ANALYZE, BUFFERS) of the slowest `top` statements of one call."""
        out = [f"==== {label} ({len(statements)} statements in the call)"]
        for took, stmt, params in sorted(statements, key=lambda s: -s[0])[:top]:
            if not stmt.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            with self.engine.connect() as c:
                plan = c.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + stmt, params).all()
                c.rollback()
            out += [f"-- {took * 1000:.1f} ms in the call", stmt.strip(), f"-- params: {params}"]
            out += [r[0] for r in plan]
        with self.path.open("a") as f:
            f.write("\n".join(out) + "\n\n")


def bench_scale(argv: list[str]) -> dict[str, float]:
    from api import create_app
    from k3zones.auth import hash_password
    from k3zones.periods import Period
    from k3zones.scope import Scope
    from k3zones.services import indicator as ind
    from k3zones.services import zone_status
    from k3zones.settings import Settings

    rebuild = "--rebuild" in argv or os.environ.get("K3_BENCH_SCALE_REBUILD") == "1"
    map_only = "--map-only" in argv
    settings = Settings.from_env()
    url = prepare(settings.database_url, rebuild and not map_only, generate=not map_only)
    os.environ["K3_REPORT_LIMIT_PER_OFFICER"] = "1000000 per hour"
    app = create_app(replace(settings, database_url=url))
    ctx = app.extensions["k3"]
    engine: Engine = ctx.engine
    rec = Recorder()
    rec.install(engine)
    explain_path = Path(
        os.environ.get("K3_BENCH_EXPLAIN", str(ROOT / "var" / "bench" / "scale-explain.txt"))
    )
    ex = Explainer(engine, explain_path)
    rng = random.Random(17)

    # One admin per kecamatan signs in (the console's user); the password set each run.
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO app_user (id, kecamatan_id, username, full_name, role, "
                "password_hash) SELECT gen_random_uuid(), id, 'bench.admin.' || id, "
                "'Bench Admin', 'admin', :h FROM kecamatan WHERE slug LIKE 'bench-%' "
                "ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash"
            ),
            {"h": hash_password(PASSWORD)},
        )
        kec = c.execute(
            text("SELECT id, slug FROM kecamatan WHERE slug LIKE 'bench-%' ORDER BY id")
        ).all()
        kel = c.execute(
            text(
                "SELECT kecamatan_id, slug, ST_XMin(boundary), ST_YMin(boundary), "
                "ST_XMax(boundary), ST_YMax(boundary) FROM kelurahan WHERE slug LIKE 'bench-%'"
            )
        ).all()
        zones = c.execute(
            text("SELECT id, kecamatan_id FROM zone WHERE name LIKE 'Zona %' ORDER BY id")
        ).all()
        officers = c.execute(
            text("SELECT id, kecamatan_id FROM app_user WHERE username LIKE 'bench.petugas.%'")
        ).all()
        n_reports = c.execute(
            text("SELECT reltuples::bigint FROM pg_class WHERE relname = 'report'")
        ).scalar()
    client = app.test_client()
    signed = kec[: min(len(kec), 8)]  # eight kecamatan offices take turns
    headers: dict[int, dict[str, str]] = {}
    for kid, _ in signed:
        r = client.post(
            "/api/v1/auth/login", json={"username": f"bench.admin.{kid}", "password": PASSWORD}
        )
        assert r.status_code == 200, r.get_json()
        headers[kid] = {"Authorization": f"Bearer {r.get_json()['access_token']}"}
    kel_of: dict[int, list[Any]] = {}
    for row in kel:
        kel_of.setdefault(row[0], []).append(row)
    months = [(y, m) for y in (2023, 2024, 2025) for m in range(1, 13)]

    def month_range(y: int, m: int) -> tuple[str, str]:
        last = [31, 29 if y % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return f"{y}-{m:02d}-01", f"{y}-{m:02d}-{last}"

    def get(path: str, kid: int) -> tuple[float, int, Any]:
        t = time.perf_counter()
        r = client.get(path, headers=headers[kid])
        took = time.perf_counter() - t
        assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True)[:500])
        return took, len(r.data), r

    def timed(
        label: str,
        calls: Sequence[Callable[..., Any]],
        rounds: int = 1,
        sink: list[Any] | None = None,
    ) -> list[float]:
        """Run the first calls once to warm, then every call `rounds` times; EXPLAIN the
        slowest call's slowest statement. `sink` (what the calls append to) keeps only
        what the measured calls appended."""
        for f in calls[:3]:
            f()
        if sink is not None:
            sink.clear()
        xs: list[float] = []
        worst: tuple[float, Callable[..., Any]] = (0.0, calls[0])
        sql = 0.0
        for _ in range(rounds):
            for f in calls:
                with rec.recording():
                    t = time.perf_counter()
                    f()
                    took = time.perf_counter() - t
                sql += sum(st[0] for st in rec.statements)
                xs.append(took)
                worst = max(worst, (took, f), key=lambda w: w[0])
        sql_share[label] = sql / sum(xs)
        kept = list(sink) if sink is not None else []
        with rec.recording():
            worst[1]()
        ex.explain(label, list(rec.statements))
        if sink is not None:
            sink[:] = kept
        return xs

    results: dict[str, float] = {}
    sql_share: dict[str, float] = {}
    count = f"{n_reports:,}".replace(",", ".")
    print(
        f"city: {len(kec)} kecamatan, {len(zones)} zones, {len(kel)} kelurahan, about "
        f"{count} reports; in-process (Flask test client for HTTP, service calls for the "
        "worker's work); the machine is shared with other work, so the figures are noisy"
    )

    # 1. The console map: one kelurahan's box, one month (reports as GeoJSON, at most 200,
    # and the zones in the box).
    sizes: list[int] = []
    map_calls, zone_calls = [], []
    for _ in range(40):
        kid = rng.choice(signed)[0]
        _, kslug, x0, y0, x1, y1 = rng.choice(kel_of[kid])
        d0, d1 = month_range(*rng.choice(months))
        bbox = f"{x0:.5f},{y0:.5f},{x1:.5f},{y1:.5f}"

        def map_call(kid: int = kid, bbox: str = bbox, d0: str = d0, d1: str = d1) -> None:
            _, n, _ = get(
                f"/api/v1/reports?format=geojson&limit=200&bbox={bbox}&date_from={d0}&date_to={d1}",
                kid,
            )
            sizes.append(n)

        def zone_call(kid: int = kid, bbox: str = bbox) -> None:
            _, n, _ = get(f"/api/v1/zones?bbox={bbox}", kid)
            zone_sizes.append(n)

        map_calls.append(map_call)
        zone_calls.append(zone_call)
    zone_sizes: list[int] = []
    xs = timed("map view: reports of one kelurahan-month", map_calls, 2, sizes)
    big = max(sizes) / 1024
    results |= _line(
        "map view reports (GET /reports?format=geojson&bbox=<kelurahan>&date_from..to=<month>"
        "&limit=200)",
        xs,
        100,
        f"; largest answer {big:.0f} KB (aim < 500 KB: {'ok' if big < 500 else 'MISSED'})",
        sql_share["map view: reports of one kelurahan-month"],
    )
    results["map_view_max_kb"] = big
    xs = timed("map view: zones of one kelurahan", zone_calls, 2, zone_sizes)
    zbig = max(zone_sizes) / 1024
    results |= _line(
        "map view zones (GET /zones?bbox=<kelurahan>)",
        xs,
        100,
        f"; largest answer {zbig:.0f} KB (aim < 500 KB: {'ok' if zbig < 500 else 'MISSED'})",
        sql_share["map view: zones of one kelurahan"],
    )
    if map_only:
        print(f"EXPLAIN (ANALYZE, BUFFERS) of each measured call: {explain_path}")
        engine.dispose()
        return results

    # 2. The report list: filters, then keyset pages (next_cursor) five deep.
    def pages(query: str, kid: int, depth: int = 5) -> Callable[[], None]:
        def run() -> None:
            cursor = None
            for _ in range(depth):
                q = query + (f"&cursor={cursor}" if cursor else "")
                took, _, r = get(f"/api/v1/reports?{q}", kid)
                page_times.append(took)
                cursor = r.get_json()["next_cursor"]
                if cursor is None:
                    break

        return run

    officer_of: dict[int, list[Any]] = {}
    for oid, kid in officers:
        officer_of.setdefault(kid, []).append(oid)
    variants: dict[str, Callable[[int, int, int], str]] = {
        "type and year": lambda kid, y, m: f"type=patroli&date_from={y}-01-01&date_to={y}-12-31",
        "kelurahan and month": lambda kid, y, m: (
            f"kelurahan={rng.choice(kel_of[kid])[1]}&date_from={month_range(y, m)[0]}"
            f"&date_to={month_range(y, m)[1]}"
        ),
        "review queue (menunggu, oldest first)": lambda kid, y, m: (
            "review_state=menunggu&order=terlama"
        ),
        "flagged": lambda kid, y, m: "flag=any",
        "one officer's trail": lambda kid, y, m: f"officer={rng.choice(officer_of[kid])}",
        "no filter": lambda kid, y, m: "",
    }
    all_pages: list[float] = []
    page_times: list[float] = []
    for name, make in variants.items():
        calls = []
        for _ in range(6):
            kid = rng.choice(signed)[0]
            y, m = rng.choice(months)
            calls.append(pages(f"limit=50&{make(kid, y, m)}".rstrip("&"), kid))
        timed(f"report list: {name}", calls, 1, page_times)
        measured = list(page_times)
        all_pages += measured
        results |= _line(
            f"report list page, {name} (limit 50, 5 pages)",
            measured,
            100,
            share=sql_share[f"report list: {name}"],
        )
    results |= _line("report list page, all filters above", all_pages, 100)

    # 3. The indicator of one kecamatan-year, computed now.
    ind_calls = []
    for kid, kslug in signed:
        for year in (2024, 2025):
            ind_calls.append(
                lambda kid=kid, kslug=kslug, year=year: get(
                    f"/api/v1/indicators/wilayah-tertib?kecamatan={kslug}&year={year}", kid
                )
            )
    xs = timed("indicator (GET /indicators/wilayah-tertib?kecamatan=&year=)", ind_calls, 2)
    results |= _line(
        "indicator one kecamatan-year (GET /indicators/wilayah-tertib)",
        xs,
        200,
        share=sql_share["indicator (GET /indicators/wilayah-tertib?kecamatan=&year=)"],
    )

    # 4. A zone's status recompute (the worker's task, after a review).
    sample = rng.sample(zones, 30)
    recompute_calls = [
        (lambda zid=zid: zone_status.recompute_zone(ctx.uow, zid)) for zid, _ in sample
    ]
    xs = timed("zone status recompute (zone_status.recompute_zone)", recompute_calls, 2)
    results |= _line(
        "zone status recompute (service call, as the worker)",
        xs,
        50,
        share=sql_share["zone status recompute (zone_status.recompute_zone)"],
    )

    # 5. The monthly snapshot of every kecamatan against one hand-written query.
    p = Period("month", 2025, 12)
    slugs = [s for _, s in kec]
    hand_runs, ours_runs = [], []
    for i in range(2):
        t = time.perf_counter()
        with engine.connect() as c:
            if i == 0:
                with rec.recording():
                    hand_rows = c.execute(text(HAND_SQL)).all()
                hand_stmts = list(rec.statements)
            else:
                hand_rows = c.execute(text(HAND_SQL)).all()
        hand_runs.append(time.perf_counter() - t)
        t = time.perf_counter()
        snap_stmts: list[tuple[float, str, Any]] = []
        for slug in slugs:
            with rec.recording():
                ind.create_snapshot(ctx.uow, Scope.everything(), slug, p)
            snap_stmts += rec.statements
        ours_runs.append(time.perf_counter() - t)
    ex.explain("monthly snapshot, all kecamatan (slowest statement)", snap_stmts, top=2)
    ex.explain("hand-written query", hand_stmts)
    with engine.connect() as c:
        snaps = c.execute(
            text(
                "SELECT DISTINCT ON (kecamatan_id) kecamatan_id, zones_tertib, zones_designated "
                "FROM indicator_snapshot ORDER BY kecamatan_id, computed_at DESC"
            )
        ).all()
    by_kec = {r.kecamatan_id: r for r in hand_rows}
    agree = all(
        by_kec[k].tertib == tertib and by_kec[k].designated == designated
        for k, tertib, designated in snaps
        if k in by_kec
    )
    ours, hand = statistics.median(ours_runs), statistics.median(hand_runs)
    print(
        f"monthly snapshot, {len(slugs)} kecamatan (create_snapshot each, as beat): "
        f"{ours:.2f} s (aim < 60 s: {'ok' if ours < 60 else 'MISSED'}) | one hand-written "
        f"query: {hand:.2f} s | ratio {ours / hand:.2f} (aim <= 2: "
        f"{'ok' if ours / hand <= 2 else 'MISSED'}) | same figures: {agree} | median of "
        f"{len(ours_runs)} rounds"
    )
    results |= {"snapshot_all_s": ours, "snapshot_hand_s": hand, "snapshot_ratio": ours / hand}

    # 6. Sizes.
    print(_sizes(engine))
    print(f"EXPLAIN (ANALYZE, BUFFERS) of each measured call: {explain_path}")
    engine.dispose()
    return results


def _sizes(engine: Engine) -> str:
    mb = 1024 * 1024
    out = ["table sizes (rows estimated; MB): table | rows | heap | indexes | total"]
    with engine.connect() as c:
        for t in TABLES:
            rows, heap, idx, total = c.execute(
                text(
                    "SELECT reltuples::bigint, pg_relation_size(oid), pg_indexes_size(oid), "
                    "pg_total_relation_size(oid) FROM pg_class WHERE oid = to_regclass(:t)"
                ),
                {"t": f"public.{t}"},
            ).one()
            out.append(
                f"  {t} | {rows:,} | {heap / mb:.0f} | {idx / mb:.0f} | {total / mb:.0f}".replace(
                    ",", "."
                )
            )
        out.append("index sizes (MB):")
        for table, name, size in c.execute(
            text(
                "SELECT t.relname, i.relname, pg_relation_size(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                "WHERE t.relname = ANY(:ts) ORDER BY t.relname, pg_relation_size(i.oid) DESC"
            ),
            {"ts": list(TABLES)},
        ):
            out.append(f"  {table}.{name}: {size / mb:.0f}")
        db = c.execute(text("SELECT pg_database_size(current_database())")).scalar() or 0
        out.append(f"database total: {db / mb / 1024:.1f} GB")
    return "\n".join(out)


if __name__ == "__main__":
    bench_scale(sys.argv)
