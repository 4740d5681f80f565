#!/usr/bin/env bash
# `make backup`: a backup that can be restored (scripts/restore.sh), into
# $K3_BACKUP_DIR/<UTC timestamp>/ (default var/backups/), or into the directory given:
#   database.dump   pg_dump custom format (pg_dump of the server's own PostgreSQL version)
#   photos/         every object of the local photo storage (K3_STORAGE=local)
#   manifest.json   created_at, database, the dump's sha256, every photo key with its sha256
#                   and size, row counts of report, photo, zone, decree, audit_log
# The database is K3_DATABASE_URL when set, else the one of `scripts/services.sh env`; the
# photos are K3_STORAGE_DIR (default var/storage, relative to the checkout).
#
# Taken while the system runs: the row counts and the dump read one and the same database
# snapshot (pg_dump --snapshot), and the photos are copied after it. A photo file is written
# before its row is committed and never changed afterwards, so every photo row in the dump
# finds its file in the copy (the copy may hold a few newer files with no row yet: harmless).
# With K3_STORAGE=s3 only the database is backed up: the bucket keeps the photos, with
# versioning and replication (README.md, "Cadangan dan pemulihan").
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

cd "$ROOT"
PY="$VENV/bin/python"
[ -x "$PY" ] || die "$PY tidak ada; jalankan scripts/bootstrap.sh"
if [ -z "${K3_DATABASE_URL:-}" ]; then
  eval "$("$ROOT/scripts/services.sh" env)"
fi
PGBIN="$(pg_bindir)" || die "PostgreSQL tidak terpasang; jalankan scripts/bootstrap.sh"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
dest="${1:-${K3_BACKUP_DIR:-$VAR/backups}/$stamp}"
[ ! -e "$dest" ] || die "$dest sudah ada"
mkdir -p "$(dirname "$dest")"
# Built beside, renamed when complete: a directory without .partial is a whole backup.
work="$dest.partial"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

log "mencadangkan basis data dan foto ke $dest"
PGBIN="$PGBIN" K3_STORAGE="${K3_STORAGE:-local}" K3_STORAGE_DIR="${K3_STORAGE_DIR:-var/storage}" \
  PYTHONPATH="$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}" "$PY" - "$work" <<'PY'
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
from backup_common import CHUNK, libpq_env, sha256_file

TABLES = ("report", "photo", "zone", "decree", "audit_log")
work = Path(sys.argv[1])




pg = libpq_env(os.environ["K3_DATABASE_URL"])
env = {**os.environ, **pg}
dump = work / "database.dump"
conninfo = {"host": pg["PGHOST"], "port": pg["PGPORT"], "user": pg["PGUSER"]}
with psycopg.connect(**conninfo, password=pg["PGPASSWORD"], dbname=pg["PGDATABASE"]) as conn:
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
    counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES}
    server = conn.execute("SHOW server_version").fetchone()[0]
    # The exporting transaction stays open until pg_dump has taken the same snapshot.
    subprocess.run(
        [f"{os.environ['PGBIN']}/pg_dump", "--format=custom", f"--snapshot={snapshot}",
         "--file", str(dump)],
        env=env,
        check=True,
    )
    conn.rollback()

manifest = {
    "format": 1,
    "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    "database": pg["PGDATABASE"],
    "server_version": server,
    "dump": {"file": dump.name, "sha256": sha256_file(dump), "size": dump.stat().st_size},
    "counts": counts,
}

backend = os.environ["K3_STORAGE"]
if backend == "local":
    src = Path(os.environ["K3_STORAGE_DIR"])
    photos = []
    out_root = work / "photos"
    out_root.mkdir()
    if src.is_dir():
        for path in sorted(src.rglob("*")):
            # .tmp-* are writes in progress (renamed into place when whole).
            if not path.is_file() or path.name.startswith(".tmp-"):
                continue
            key = path.relative_to(src).as_posix()
            out = out_root / key
            out.parent.mkdir(parents=True, exist_ok=True)
            h = hashlib.sha256()
            try:
                fin = open(path, "rb")
            except FileNotFoundError:
                continue  # deleted since the listing (restore checks every row finds its file)
            with fin, open(out, "wb") as fout:
                while chunk := fin.read(CHUNK):
                    h.update(chunk)
                    fout.write(chunk)
                fout.flush()
                os.fsync(fout.fileno())
            photos.append({"key": key, "sha256": h.hexdigest(), "size": out.stat().st_size})
    manifest["storage"] = {"backend": "local", "copied": True, "dir": "photos"}
    manifest["photos"] = photos
else:
    print(
        "[k3zones] K3_STORAGE=s3: foto tidak disalin; bucket menyimpannya (versioning,"
        " replikasi; lihat README.md)",
        file=sys.stderr,
    )
    manifest["storage"] = {
        "backend": backend,
        "copied": False,
        "bucket": os.environ.get("K3_S3_BUCKET", ""),
        "prefix": os.environ.get("K3_S3_PREFIX", ""),
    }
    manifest["photos"] = []

tmp = work / "manifest.json.tmp"
tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
os.replace(tmp, work / "manifest.json")
print(
    f"[k3zones] {len(manifest['photos'])} objek foto, baris: "
    + ", ".join(f"{t} {n}" for t, n in counts.items()),
    file=sys.stderr,
)
PY
sync -f "$work" 2>/dev/null || true
mv "$work" "$dest"
trap - EXIT
log "cadangan selesai: $dest"
echo "$dest"
