#!/usr/bin/env bash
# `make restore BACKUP=<dir>`: a backup of scripts/backup.sh back into a fresh stack.
#   scripts/restore.sh DIR        FORCE=1 scripts/restore.sh DIR  (replace existing data)
# The database is K3_DATABASE_URL when set, else the one of `scripts/services.sh env`; the
# photos go to K3_STORAGE_DIR (default var/storage, relative to the checkout).
# 1. Checks the backup against its manifest.json: the dump's sha256, every photo file
#    present with its sha256 and size. Nothing is touched when one does not match.
# 2. Refuses a database that already has tables, or a photo folder that already has files,
#    unless FORCE=1 (then the database's public schema is dropped first; photo files of the
#    same key are overwritten, others are left).
# 3. pg_restore (of the server's own PostgreSQL version) in one transaction, then the photos.
# 4. Checks the result: row counts equal to the manifest, every photo of the manifest in the
#    folder with its sha256, and every photo row's files there (the original with the row's
#    sha256 and size).
# Photos whose processing had not finished are picked up again by beat's sweep.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

cd "$ROOT"
backup="${1:-${BACKUP:-}}"
[ -n "$backup" ] || die "pakai: scripts/restore.sh DIR (atau make restore BACKUP=DIR)"
[ -f "$backup/manifest.json" ] || die "$backup/manifest.json tidak ada: bukan cadangan yang utuh"
PY="$VENV/bin/python"
[ -x "$PY" ] || die "$PY tidak ada; jalankan scripts/bootstrap.sh"
if [ -z "${K3_DATABASE_URL:-}" ]; then
  eval "$("$ROOT/scripts/services.sh" env)"
fi
PGBIN="$(pg_bindir)" || die "PostgreSQL tidak terpasang; jalankan scripts/bootstrap.sh"

log "memulihkan $backup"
PGBIN="$PGBIN" FORCE="${FORCE:-0}" K3_STORAGE="${K3_STORAGE:-local}" \
  K3_STORAGE_DIR="${K3_STORAGE_DIR:-var/storage}" PYTHONPATH="$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}" "$PY" - "$backup" <<'PY'
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
from backup_common import libpq_env, sha256_file

backup = Path(sys.argv[1])
force = os.environ["FORCE"] == "1"


def fail(msg: str) -> None:
    print(f"\033[1;31m[k3zones]\033[0m {msg}", file=sys.stderr)
    sys.exit(1)


def say(msg: str) -> None:
    print(f"\033[1;34m[k3zones]\033[0m {msg}", file=sys.stderr)




manifest = json.loads((backup / "manifest.json").read_text())
dump = backup / manifest["dump"]["file"]

# 1. The backup itself.
if not dump.is_file() or sha256_file(dump) != manifest["dump"]["sha256"]:
    fail(f"{dump}: tidak ada atau sha256 tidak cocok dengan manifest")
copied = manifest["storage"]["copied"]
photo_dir = backup / manifest["storage"].get("dir", "photos")
bad = []
for obj in manifest["photos"] if copied else []:
    p = photo_dir / obj["key"]
    if not p.is_file() or p.stat().st_size != obj["size"] or sha256_file(p) != obj["sha256"]:
        bad.append(obj["key"])
if bad:
    fail(f"{len(bad)} foto di cadangan hilang atau rusak, mis. {bad[:3]}")
say(f"cadangan utuh: dump dan {len(manifest['photos'])} objek foto cocok dengan manifest")

# 2. The target must be empty (or FORCE=1).
pg = libpq_env(os.environ["K3_DATABASE_URL"])
conninfo = {
    "host": pg["PGHOST"],
    "port": pg["PGPORT"],
    "user": pg["PGUSER"],
    "password": pg["PGPASSWORD"],
    "dbname": pg["PGDATABASE"],
}
with psycopg.connect(**conninfo, autocommit=True) as conn:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename <> 'spatial_ref_sys'"
        )
    ]
    if tables:
        if not force:
            fail(
                f"basis data {pg['PGDATABASE']} sudah berisi {len(tables)} tabel; pulihkan ke"
                " basis data kosong, atau FORCE=1 untuk menimpanya"
            )
        say(f"FORCE=1: skema public basis data {pg['PGDATABASE']} dihapus")
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")

backend = os.environ["K3_STORAGE"]
target = Path(os.environ["K3_STORAGE_DIR"])
if copied:
    if backend != "local":
        fail("cadangan ini berisi foto dari penyimpanan lokal; pulihkan dengan K3_STORAGE=local")
    existing = target.is_dir() and any(p.is_file() for p in target.rglob("*"))
    if existing and not force:
        fail(f"folder foto {target} sudah berisi berkas; FORCE=1 untuk menimpanya")

# 3. Database, then photos.
subprocess.run(
    [f"{os.environ['PGBIN']}/pg_restore", "--no-owner", "--exit-on-error", "--single-transaction",
     "--dbname", pg["PGDATABASE"], str(dump)],
    env={**os.environ, **pg},
    check=True,
)
say(f"basis data {pg['PGDATABASE']} dipulihkan")
for obj in manifest["photos"] if copied else []:
    out = target / obj["key"]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(".tmp-restore-" + out.name)
    shutil.copyfile(photo_dir / obj["key"], tmp)
    os.replace(tmp, out)

# 4. The result.
problems = []
with psycopg.connect(**conninfo) as conn:
    for table, want in manifest["counts"].items():
        got = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        if got != want:
            problems.append(f"{table}: {got} baris, manifest {want}")
    rows = conn.execute(
        "SELECT original_key, sha256, size_bytes, web_key, thumb_key FROM photo"
    ).fetchall()
if copied:
    for obj in manifest["photos"]:
        p = target / obj["key"]
        if not p.is_file() or sha256_file(p) != obj["sha256"]:
            problems.append(f"foto {obj['key']}: hilang atau sha256 lain")
    for original, sha, size, web, thumb in rows:
        p = target / original
        if not p.is_file() or p.stat().st_size != size or sha256_file(p) != sha:
            problems.append(f"foto asli {original}: hilang atau sha256 lain dari barisnya")
        for key in (web, thumb):
            if key and not (target / key).is_file():
                problems.append(f"foto turunan {key}: hilang")
if problems:
    fail("pemulihan tidak cocok dengan cadangan:\n  " + "\n  ".join(problems[:20]))
say(
    "pemulihan diperiksa: "
    + ", ".join(f"{t} {n}" for t, n in manifest["counts"].items())
    + (f", {len(rows)} foto dengan berkasnya" if copied else ", foto di S3 (tidak disalin)")
)
PY
log "pemulihan selesai"
