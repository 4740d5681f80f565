"""`make backup` and `make restore` (scripts/backup.sh, scripts/restore.sh) on the test
database and photo storage: a backup taken while reports keep arriving restores, into a new
empty database and photo folder, every report acknowledged before it started and a set of
photos whose files are all there with their sha256. A restore refuses a database that has
data, and a backup whose files do not match its manifest."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.paths import ROOT
from tests.support.payloads import SULTAN_AGUNG, report
from tests.support.photos import jpeg_with_gps, new_report, put

TABLES = ("report", "photo", "zone", "decree", "audit_log")


def run_script(name: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts" / name), *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Load(threading.Thread):
    """An officer who keeps sending reports, each with a photo, until told to stop;
    records when each report was acknowledged (201)."""

    def __init__(self, phone: Any) -> None:
        super().__init__(daemon=True)
        self.phone = phone
        self.acked: list[tuple[float, str]] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            i = 0
            # Under the sample officer's limit of 120 reports an hour.
            while not self.stop.is_set() and i < 100:
                i += 1
                body = report(id=str(uuid.uuid4()), photos_expected=1)
                r = self.phone.post("/api/v1/reports", json=body)
                if r.status_code == 201:
                    self.acked.append((time.monotonic(), body["id"]))
                    put(self.phone, body["id"], jpeg_with_gps(-6.2072, 106.979, seed=i))
                time.sleep(0.02)
        except BaseException as exc:  # surfaced by the test
            self.error = exc


def test_a_backup_under_load_restores_every_report_and_photo(
    sample, login, worker, settings, engine, tmp_path
):
    phone = login("demo.petugas")
    # Reports with photos; the worker makes their web and thumbnail images meanwhile (not
    # waited for: the backup must be whole whatever the worker has done so far).
    done = []
    for seed in range(3):
        rid = new_report(phone)
        photo = jpeg_with_gps(SULTAN_AGUNG[1], SULTAN_AGUNG[0], seed)
        assert put(phone, rid, photo).status_code == 201
        done.append(rid)

    load = Load(login("demo.petugas2"))
    load.start()
    while len(load.acked) < 5 and load.is_alive():
        time.sleep(0.05)
    started = time.monotonic()
    storage = Path(settings.storage_dir)
    storage = storage if storage.is_absolute() else ROOT / storage
    backups = tmp_path / "backups"
    out = run_script("backup.sh", K3_STORAGE_DIR=str(storage), K3_BACKUP_DIR=str(backups))
    time.sleep(0.3)  # reports keep arriving after the backup too
    load.stop.set()
    load.join(timeout=60)
    assert out.returncode == 0, out.stderr
    assert load.error is None, load.error
    acked_before = {rid for t, rid in load.acked if t < started} | set(done)
    assert len(acked_before) >= 8
    # The load went on while the backup ran, and after it.
    assert any(t > started for t, _ in load.acked)
    [backup] = list(backups.iterdir())
    assert Path(out.stdout.strip()) == backup
    manifest = json.loads((backup / "manifest.json").read_text())
    assert set(manifest["counts"]) == set(TABLES)
    assert manifest["database"] == make_url(settings.database_url).database
    assert manifest["dump"]["sha256"] == sha256(backup / "database.dump")

    # A new, empty database and photo folder.
    restore_db = f"{make_url(settings.database_url).database}_restore"
    restore_url = make_url(settings.database_url).set(database=restore_db)
    admin = engine.execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{restore_db}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{restore_db}"'))
    restored = tmp_path / "restored-storage"
    url = restore_url.render_as_string(hide_password=False)
    target = {"K3_DATABASE_URL": url, "K3_STORAGE_DIR": str(restored)}
    restored_engine = create_engine(url)
    try:
        out = run_script("restore.sh", str(backup), **target)
        assert out.returncode == 0, out.stderr

        with restored_engine.connect() as c:
            counts = {
                t: c.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in TABLES
            }
            report_ids = {str(r) for r in c.execute(text("SELECT id FROM report")).scalars()}
            photos = c.execute(
                text(
                    "SELECT report_id, original_key, sha256, size_bytes, web_key, thumb_key"
                    " FROM photo"
                )
            ).all()
        assert counts == manifest["counts"]
        # Every report acknowledged before the backup started is there ...
        assert acked_before <= report_ids, acked_before - report_ids
        # ... and the restored set is whole: every photo row's files, with its sha256.
        assert photos
        for rid, key, sha, size, web, thumb in photos:
            assert str(rid) in report_ids
            original = restored / key
            assert original.is_file(), key
            assert (original.stat().st_size, sha256(original)) == (size, sha), key
            for k in (web, thumb):
                assert k is None or (restored / k).is_file(), k
        assert {str(p[0]) for p in photos} >= set(done)
        for obj in manifest["photos"]:
            assert sha256(restored / obj["key"]) == obj["sha256"], obj["key"]

        # Restoring again over the restored data is refused without FORCE=1 ...
        out = run_script("restore.sh", str(backup), **target)
        assert out.returncode != 0
        assert "FORCE=1" in out.stderr
        # ... and a backup that no longer matches its manifest is refused before anything.
        victim = backup / "photos" / photos[0][1]
        victim.write_bytes(victim.read_bytes()[:-1] + b"\0")
        out = run_script("restore.sh", str(backup), FORCE="1", **target)
        assert out.returncode != 0
        assert "rusak" in out.stderr
        with restored_engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM report")).scalar_one() == counts["report"]
    finally:
        restored_engine.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{restore_db}" WITH (FORCE)'))
