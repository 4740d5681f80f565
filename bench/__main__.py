"""`make bench`: speed and memory, measured against the real services on 127.0.0.1.

    python -m bench [post|stages|json|photos|memory|snapshot|plans|chain|all]   (reports = post)

Runs against the test database (it is wiped). Prints one line per measurement and a
summary; nothing here is a pass/fail test.
"""

from __future__ import annotations

import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from bench import post

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
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _baseline(path: Path) -> None:
    from PIL import Image

    import k3zones.imaging  # noqa: F401  (registers the HEIF opener, as plain Pillow would need)

    with Image.open(path) as img:
        img.thumbnail((1600, 1600))
        buf = io.BytesIO()
        img.convert("RGB").save(buf, "JPEG")


def bench_photos(rounds: int = 5) -> dict[str, float]:
    """Photos per second in one process: our processing (EXIF, upright web and thumbnail
    JPEGs, hash) against plain Pillow open + thumbnail() + save of the same files (HEIC
    through pillow-heif's libheif, as plain Pillow would). Best of `rounds` by wall time,
    and by CPU time (all threads of this process: steadier than wall time on a shared
    machine). Also: how many HEICs took the FFmpeg path (k3zones.heif) rather than
    falling back to libheif."""
    from PIL import Image

    from k3zones import heif, imaging

    files = [PHOTOS / n for n in PHONE_PHOTOS]
    for f in files:  # warm the page cache and the codecs
        imaging.process(f)
        _baseline(f)
    heic = [f for f in files if f.suffix.lower() != ".jpg"]
    fast = 0
    for f in heic:
        with f.open("rb") as src, Image.open(f) as header:
            size = header.size
            fast += heif.decode_fit(src, imaging.WEB_PX, size, imaging.MAX_PIXELS) is not None

    # Each file timed on its own, best of `rounds` per file; groups are sums of those.
    wall: dict[tuple[str, Path], float] = {}
    cpu: dict[tuple[str, Path], float] = {}
    for _ in range(rounds):
        for name, fn in (("ours", imaging.process), ("base", _baseline)):
            for f in files:
                w, c = time.perf_counter(), time.process_time()
                fn(f)
                w, c = time.perf_counter() - w, time.process_time() - c
                wall[name, f] = min(wall.get((name, f), w), w)
                cpu[name, f] = min(cpu.get((name, f), c), c)

    def total(times: dict[tuple[str, Path], float], name: str, jpeg: bool | None = None) -> float:
        return sum(t for (n, f), t in times.items() if n == name and jpeg in (None, f not in heic))

    ratio = total(wall, "base") / total(wall, "ours")
    ratio_cpu = total(cpu, "base") / total(cpu, "ours")
    jpeg_only = total(cpu, "base", True) / total(cpu, "ours", True)
    heic_only = total(cpu, "base", False) / total(cpu, "ours", False)
    print(
        f"photo processing: {len(files) / total(wall, 'ours'):.2f} photos/s | plain Pillow: "
        f"{len(files) / total(wall, 'base'):.2f} photos/s | ratio {ratio:.2f} (aim >= 2.0; "
        f"CPU time: {ratio_cpu:.2f}) | JPEG only: {jpeg_only:.2f} | HEIC only: "
        f"{heic_only:.2f} | HEICs decoded by FFmpeg: {fast} of {len(heic)} | files: "
        f"{', '.join(PHONE_PHOTOS)}"
    )
    return {
        "photo_rate": len(files) / total(wall, "ours"),
        "baseline_rate": len(files) / total(wall, "base"),
        "photo_ratio": ratio,
        "photo_ratio_cpu": ratio_cpu,
    }


def _timed(fn: Any, files: list[Path]) -> float:
    t = time.perf_counter()
    for f in files:
        fn(f)
    return time.perf_counter() - t


def bench_json(rounds: int = 5, per_round: int = 40) -> dict[str, float]:
    """Writing a map page (500 reports as GeoJSON, the list's shape) through the standard
    library as Flask would, and through k3zones.fastjson as the app does: CPU per page,
    best of `rounds`."""
    import uuid

    from k3zones import fastjson

    props = {
        "type": "patroli",
        "status": "lengkap",
        "review_state": "diterima",
        "officer": "demo.petugas",
        "officer_name": "Budi Santoso",
        "units": ["satpol_pp"],
        "zone": "Jl. Sultan Agung depan Pasar Baru",
        "zone_match": "gps",
        "started_at": "2024-05-02T08:15:00+07:00",
        "received_at": "2024-05-02T02:00:00.123456+00:00",
        "accuracy_m": 8.0,
        "findings": [{"kind": "pkl", "count": 3, "notes": "Lapak di trotoar"}],
        "actions": [{"kind": "teguran_lisan", "count": 3}],
        "notes": "Pedagang kaki lima di trotoar, sudah ditegur; kembali esok harinya",
        "flags": {"late_sync": {"message": "Dikirim 26 jam setelah kegiatan."}},
    }
    page = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": str(uuid.uuid4()),
                "geometry": {"type": "Point", "coordinates": [106.97 + i / 1e5, -6.2 - i / 1e5]},
                "properties": {"id": str(uuid.uuid4()), **props},
            }
            for i in range(500)
        ],
        "next_cursor": None,
    }

    def best(write: Any) -> float:
        times = []
        for _ in range(rounds):
            t = time.process_time()
            for _ in range(per_round):
                write(page)
            times.append((time.process_time() - t) / per_round)
        return min(times) * 1000

    stdlib = best(lambda p: json.dumps(p, ensure_ascii=False, separators=(",", ":")))
    fast = best(fastjson.dumps)
    size = len(fastjson.dumps(page).encode()) / 1024
    print(
        f"JSON of a map page (500 reports, {size:.0f} KB): standard library {stdlib:.2f} ms, "
        f"fastjson {fast:.2f} ms CPU ({stdlib / fast:.1f}x)"
    )
    return {"json_stdlib_ms": stdlib, "json_fast_ms": fast}


def bench_memory() -> dict[str, float]:
    """Peak memory of a worker process (the full worker imports) deriving one phone photo
    as the photo task does (k3zones.services.photos.derive: decode, web and thumbnail,
    face and plate detection with OpenCV, public copies) from a local folder, each photo
    in a fresh process: the 4608x1976 JPEG (the aim) and the 16 MP HEIF."""
    results: dict[str, float] = {}
    for label, name in (("jpeg", "jpg_mobile_HMD_Nokia_8.3_5G.jpg"), ("heif", PHONE_PHOTOS[2])):
        code = (
            "import hashlib, tempfile\n"
            "def vm(key):\n"
            "    for line in open('/proc/self/status'):\n"
            "        if line.startswith(key):\n"
            "            return int(line.split()[1])\n"
            "import workers.main, workers.tasks  # what a worker process imports (no Flask)\n"
            "from k3zones import blur\n"
            "from k3zones.services import photos\n"
            "from k3zones.storage import LocalStorage\n"
            "blur.configure(True)\n"
            "before = vm('VmRSS:')\n"
            "st = LocalStorage(tempfile.mkdtemp())\n"
            f"data = open({str(PHOTOS / name)!r}, 'rb').read()\n"
            "sha = hashlib.sha256(data).hexdigest()\n"
            "st.put_bytes('originals/bench/p', data, 'application/octet-stream')\n"
            "del data\n"
            "out = photos.derive(st, 'originals/bench/p', sha, 'derived/bench/p')\n"
            "assert not isinstance(out, str), out\n"
            "print(before, vm('VmHWM:'))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "K3_STORAGE_DIR": tempfile.mkdtemp()},
        )
        before, after = (int(x) / 1024 for x in done.stdout.split())
        results[f"peak_mb_{label}"] = after
        results["imports_mb"] = before
    peak, imports = results["peak_mb_jpeg"], results["imports_mb"]
    print(
        f"worker peak memory deriving the 4608x1976 JPEG: {peak:.0f} MB (aim < 150 MB) | "
        f"resident before the photo (imports): {imports:.0f} MB | the photo's own share "
        f"(decode, OpenCV import and detection, public copies): {peak - imports:.0f} MB | "
        f"16 MP HEIF: {results['peak_mb_heif']:.0f} MB"
    )
    return {"peak_mb": peak, **results}


def main(argv: list[str]) -> None:
    what = argv[1] if len(argv) > 1 else "all"
    results: dict[str, float] = {}
    if what in ("photos", "all"):
        results |= bench_photos()
    if what in ("memory", "all"):
        results |= bench_memory()
    if what in ("reports", "post", "all"):
        # Report POST and photo PUT against the bare floor, by wrk (bench/post.py).
        results |= post.bench_post(_fresh_database)
    if what in ("json", "all"):
        results |= bench_json()
    if what in ("stages", "all"):
        # Where a POST's and a PUT's CPU goes, stage by stage, in-process (bench/stages.py).
        from bench.stages import bench_stages

        results |= bench_stages(_fresh_database)
    if what in ("snapshot", "all"):
        results |= bench_snapshot()
    if what in ("plans", "all"):
        results |= bench_plans()
    if what in ("chain", "all"):
        results |= bench_chain()
    if what == "city":  # the city view and recap (bench/city.py), on its own: ~10 minutes
        from bench.city import bench_city  # why: bench.city imports this module's SQL builders

        results |= bench_city()
    if what in ("scale", "all"):
        # why: bench.scale imports this module's SQL builders (a cycle at import time)
        from bench.scale import bench_scale

        results |= bench_scale(argv)
    print(json.dumps({k: round(v, 3) for k, v in results.items()}))


# A generated city, the one SQL builder every city bench uses (snapshot, plans, scale):
# `kecamatan` kecamatan (slugs bench-1..N) x 50 zones of one decree each, with `officers`
# users of `role` per kecamatan and, when `kelurahan` > 0, that many kelurahan per
# kecamatan (bands of 50/kelurahan zones, with boundaries). `schema` says what the
# current tables need (city_schema), so the builder follows the migrations.
@dataclass(frozen=True)
class CitySchema:
    kota_table: bool = False  # kecamatan.kota_id (migration 0016) rather than a kota name
    multi_extent: bool = False  # kecamatan.extent is a MULTIPOLYGON


def city_schema(c: Any) -> CitySchema:
    from sqlalchemy import text

    cols = set(
        c.execute(
            text(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = 'kecamatan'"
            )
        ).scalars()
    )
    kind = c.execute(
        text(
            "SELECT type FROM geometry_columns WHERE f_table_schema = 'public' "
            "AND f_table_name = 'kecamatan' AND f_geometry_column = 'extent'"
        )
    ).scalar()
    return CitySchema(kota_table="kota_id" in cols, multi_extent=kind == "MULTIPOLYGON")


def city_zones_sql(
    schema: CitySchema,
    *,
    kecamatan: int = 12,
    role: str = "petugas",
    officers: int = 1,
    kelurahan: int = 0,
) -> str:
    extent = "ST_MakeEnvelope(106.9 + k * 0.05, -6.40, 106.95 + k * 0.05, -6.10, 4326)"
    if schema.multi_extent:
        extent = f"ST_Multi({extent})"
    if schema.kota_table:
        kota = (
            "INSERT INTO kota (kode, name, provinsi) VALUES ('9999', 'Kota Bench', 'Bench') "
            "ON CONFLICT (kode) DO NOTHING;\n"
        )
        kota_col, kota_val = "kota_id", "(SELECT id FROM kota WHERE kode = '9999')"
    else:
        kota, kota_col, kota_val = "", "kota", "'Kota Bench'"
    per = 50 // kelurahan if kelurahan else 0
    kel_sql = kel_id = ""
    if kelurahan:
        # Kelurahan j holds zones per*(j-1)+1 .. per*j (zone z sits at -6.35 + z * 0.004).
        kel_sql = f"""
INSERT INTO kelurahan (kecamatan_id, slug, name, boundary, boundary_approximate)
SELECT k.id, 'bench-' || k.id || '-' || j, 'Kelurahan Bench ' || k.id || '-' || j,
       ST_Multi(ST_MakeEnvelope(
           ST_XMin(k.extent),
           CASE WHEN j = 1 THEN ST_YMin(k.extent)
                ELSE -6.35 + ({per} * (j - 1) + 0.5) * 0.004 END,
           ST_XMax(k.extent),
           CASE WHEN j = {kelurahan} THEN ST_YMax(k.extent)
                ELSE -6.35 + ({per} * j + 0.5) * 0.004 END,
           4326)), true
FROM kecamatan k, generate_series(1, {kelurahan}) j WHERE k.slug LIKE 'bench-%';"""
        kel_id = (
            "(SELECT l.id FROM kelurahan l WHERE l.kecamatan_id = k.id "
            f"AND l.slug = 'bench-' || k.id || '-' || ((z - 1) / {per} + 1))"
        )
    return f"""
{kota}INSERT INTO kecamatan (slug, name, {kota_col}, extent, is_sample)
SELECT 'bench-' || k, 'Bench ' || k, {kota_val}, {extent}, true
FROM generate_series(1, {kecamatan}) k;
INSERT INTO app_user (id, kecamatan_id, username, full_name, role, password_hash)
SELECT gen_random_uuid(), id,
       'bench.{role}.' || id || CASE WHEN {officers} > 1 THEN '.' || n ELSE '' END,
       'Bench', '{role}', 'x'
FROM kecamatan, generate_series(1, {officers}) n WHERE slug LIKE 'bench-%';
INSERT INTO decree (id, kecamatan_id, nomor, tanggal, perihal, status)
SELECT gen_random_uuid(), id, 'BENCH/' || id, DATE '2022-12-01', 'Bench', 'berlaku'
FROM kecamatan WHERE slug LIKE 'bench-%';{kel_sql}
INSERT INTO zone (id, kecamatan_id, decree_id, kelurahan_id, name, kategori, geom, radius_m)
SELECT gen_random_uuid(), d.kecamatan_id, d.id, {kel_id or "NULL"}, 'Zona ' || z,
       CASE WHEN z <= 15 THEN 'merah' ELSE 'kuning' END,
       ST_SetSRID(ST_MakePoint(ST_XMin(k.extent) + 0.02, -6.35 + z * 0.004), 4326), 100
FROM decree d JOIN kecamatan k ON k.id = d.kecamatan_id AND k.slug LIKE 'bench-%',
     generate_series(1, 50) z;
"""


def city_reports_sql(
    *,
    officers: int = 1,
    shifts: int = 1,
    days: int = 1095,
    photos: int = 0,
    pending_days: int = 0,
    role: str = "petugas",
) -> str:
    """`days` days from 2023-01-01 of `shifts` patrols a day on every bench zone (the
    first shift of every 30th day a penertiban instead), by the zone's officer, stored in
    time order as they would arrive; a report in 17 found violations. With `photos`, that
    many photo rows per report (no files), a flag on one report in 50, and the last
    `pending_days` days still waiting for review."""
    officer = (
        f"'bench.{role}.' || z.kecamatan_id || CASE WHEN {officers} > 1 THEN '.' || "
        f"((substr(z.name, 6)::int - 1) % {officers} + 1) ELSE '' END"
    )
    h = "hashtext(z.id::text || day || repeat('s', shift))"
    gps = "z.geom"
    flags = "'{}'::jsonb"
    review = "'diterima'"
    if photos:
        # Spread within ~100 m of the zone, as phones do; a flag on one report in 50.
        gps = f"ST_Translate(z.geom, ({h} % 90) / 100000.0, ({h} % 70) / 100000.0)"
        flags = (
            f"CASE WHEN {h} % 50 = 1 THEN "
            '\'{"low_accuracy": {"message": "Akurasi GPS rendah (bench)."}}\'::jsonb '
            "ELSE '{}'::jsonb END"
        )
    if pending_days:
        review = (
            f"CASE WHEN day >= {days - pending_days} THEN 'menunggu' "
            f"WHEN {h} % 97 = 3 THEN 'ditolak' ELSE 'diterima' END"
        )
    sql = f"""
INSERT INTO report (id, kecamatan_id, type, officer_id, zone_id, zone_match, started_at,
    started_offset_min, received_at, gps, violation_total, findings, photos_expected,
    photos_received, flags, review_state, body_hash, first_response, source)
SELECT gen_random_uuid(), z.kecamatan_id,
       CASE WHEN day % 30 = 0 AND shift = 0 THEN 'penertiban' ELSE 'patroli' END,
       u.id, z.id, 'given',
       TIMESTAMPTZ '2023-01-01 08:00+07' + day * INTERVAL '1 day' + shift * INTERVAL '8 hours',
       420,
       TIMESTAMPTZ '2023-01-01 10:00+07' + day * INTERVAL '1 day' + shift * INTERVAL '8 hours',
       {gps}, CASE WHEN {h} % 17 = 0 THEN 2 ELSE 0 END,
       '[]'::jsonb, {photos}, {photos}, {flags}, {review}, 'bench', '{{}}'::jsonb, 'bench'
FROM zone z JOIN kecamatan k ON k.id = z.kecamatan_id AND k.slug LIKE 'bench-%'
     JOIN app_user u ON u.kecamatan_id = z.kecamatan_id AND u.username = {officer},
     generate_series(0, {days - 1}) day, generate_series(0, {shifts - 1}) shift
ORDER BY day, shift, z.id;
"""
    if photos:
        # The photo rows only (no files): processed, with a hash and its GIN bands.
        ph = "('x' || substr(md5(r.id::text || p), 1, 16))::bit(64)::bigint"
        bands = ", ".join(
            f"{i} * 256 + get_byte(decode(substr(md5(r.id::text || p), 1, 16), 'hex'), {7 - i})"
            for i in range(8)
        )
        sql += f"""
INSERT INTO photo (id, report_id, kecamatan_id, status, original_key, sha256, size_bytes,
    content_type, width, height, taken_at, gps, thumb_key, web_key, phash, phash_bands,
    received_at, processed_at)
SELECT gen_random_uuid(), r.id, r.kecamatan_id, 'diproses', 'bench/' || r.id || '/' || p,
       md5(r.id::text || p) || md5(p || r.id::text), 2400000, 'image/jpeg', 4000, 3000,
       r.started_at, r.gps, 'bench/' || r.id || '/' || p || '.thumb.jpg',
       'bench/' || r.id || '/' || p || '.web.jpg', {ph}, ARRAY[{bands}],
       r.received_at, r.received_at + INTERVAL '1 minute'
FROM report r, generate_series(1, {photos}) p WHERE r.source = 'bench';
"""
    return sql


def city_sql(schema: CitySchema) -> str:
    """The city bench_snapshot uses: 12 kecamatan, three years of one daily patrol per zone
    (about 650,000 reports), a third of the zones verified tertib along the way."""
    return city_zones_sql(schema) + city_reports_sql() + VERIFIED_SQL + "ANALYZE;\n"


# A third of the zones were verified tertib along the way.
VERIFIED_SQL = """
INSERT INTO zone_status_change (zone_id, kecamatan_id, at, kind, from_status, to_status,
    kategori, reason, actor, rule_version, evidence)
SELECT z.id, z.kecamatan_id, TIMESTAMPTZ '2025-06-01 10:00+07', 'verify', 'layak_tertib',
       'tertib', 'baik', 'bench', 'bench', 1, '{}'::jsonb
FROM zone z JOIN kecamatan k ON k.id = z.kecamatan_id AND k.slug LIKE 'bench-%'
WHERE hashtext(z.id::text) % 3 = 0;
"""

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
        c.execute(text(city_sql(city_schema(c))))
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
PLAN_TEAMS_SQL = """
INSERT INTO team (id, kecamatan_id, name, kind, units)
SELECT gen_random_uuid(), id, 'Tim 3 Pilar ' || id, 'tiga_pilar',
       ARRAY['kecamatan', 'polsek', 'koramil']::varchar[]
FROM kecamatan WHERE slug LIKE 'bench-%';
"""

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
        c.execute(text(city_zones_sql(city_schema(c), role="trantib") + PLAN_TEAMS_SQL))
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

    def send_report() -> None:
        r = client.post("/api/v1/reports", json=post.report_body(), headers=headers)
        assert r.status_code == 201, r.get_json()

    for _ in range(50):  # warm: connections, statement caches
        send_report()
    runs: dict[bool, list[float]] = {True: [], False: []}
    try:
        for i in range(rounds):
            for on in (True, False) if i % 2 == 0 else (False, True):
                audit.CHAIN_WRITES["on"] = on
                t = time.perf_counter()
                for _ in range(per_round):
                    send_report()
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
    ctx.dispose()
    return {
        "chain_post_ms": on_s * 1000,
        "nochain_post_ms": off_s * 1000,
        "chain_overhead_pct": overhead,
        "chain_seal_per_s": sealed / seal_s if seal_s else 0.0,
        "chain_verify_s": verify_s,
    }


if __name__ == "__main__":
    main(sys.argv)
