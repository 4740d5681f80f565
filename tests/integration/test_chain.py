"""The evidence chain: every chained write leaves an entry; verify-chain names the first
entry that no longer matches (a report edited with SQL, a chain row changed or removed);
the LKIP footer carries the root; the evidence packet of a zone-year checks out offline."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from k3zones.periods import WIB
from k3zones.services import chain as chain_service
from k3zones.services import exports as export_service
from k3zones.services import photos as photo_service
from tests.support.http import assert_problem
from tests.support.payloads import report
from tests.support.photos import jpeg_with_gps, put


def _world(login: Any) -> dict[str, Any]:
    """On top of the sample's 2024 history: reports, a review, an amendment (a kept
    version), a verification's status change (from the sample) and an approved snapshot."""
    phone, trantib, pim = login("demo.petugas"), login("demo.trantib"), login("demo.pimpinan")
    ids = []
    for i in range(3):
        r = phone.post("/api/v1/reports", json=report(photos_expected=0, notes=f"Patroli {i}"))
        assert r.status_code == 201, r.get_json()
        ids.append(r.get_json()["id"])
    r = trantib.post(f"/api/v1/reports/{ids[0]}/review", json={"state": "diterima"})
    assert r.status_code == 200, r.get_json()
    r = trantib.post(
        f"/api/v1/reports/{ids[1]}/review", json={"state": "perlu_perbaikan", "note": "Foto?"}
    )
    assert r.status_code == 200, r.get_json()
    fixed = {k: v for k, v in report(photos_expected=0).items() if k != "id"}
    assert phone.patch(f"/api/v1/reports/{ids[1]}", json=fixed).status_code == 200
    snap = trantib.post("/api/v1/snapshots", json={"year": 2024})
    assert snap.status_code in (200, 201), snap.get_json()
    sid = snap.get_json()["snapshot_id"]
    assert pim.post(f"/api/v1/snapshots/{sid}/approve").status_code == 200
    return {"reports": ids, "phone": phone, "trantib": trantib, "pim": pim}


def _sql(engine: Any, stmt: str, **params: Any) -> None:
    """A change made directly in the database by someone who can switch triggers off."""
    with engine.begin() as c:
        c.execute(text("SET LOCAL session_replication_role = replica"))
        c.execute(text(stmt), params)


def test_untouched_database_verifies_and_sql_edits_are_named(sample_2024, login, app, engine):
    w = _world(login)
    uow = app.extensions["k3"].uow
    v = chain_service.verify_all(uow)
    assert v.first_mismatch is None, v.first_mismatch
    assert v.ok and v.entries == v.sealed_to > 20 and v.root
    with engine.connect() as c:
        kinds = set(c.execute(text("SELECT DISTINCT kind FROM chain_entry")).scalars())
    assert kinds >= {"report", "review", "report_version", "zone_status_change"}
    assert kinds >= {"verification", "snapshot"}
    # The API: nothing verified yet; POST queues a verification (what the worker runs is
    # run here), GET then answers its verdict.
    admin = login("demo.admin")
    got = admin.get("/api/v1/chain/verify").get_json()
    assert got["ok"] is None and got["checked_at"] is None and got["root"] == v.root
    r = admin.post("/api/v1/chain/verify")
    assert r.status_code == 202 and r.headers["Location"].endswith("/api/v1/chain/verify")
    chain_service.run_verification(uow)
    got = admin.get("/api/v1/chain/verify").get_json()
    assert got["ok"] is True and got["first_mismatch"] is None and got["checked_at"]
    assert got["checked"]["root"] == v.root

    # A report edited with SQL, outside the app: named, by its id and kind.
    rid = w["reports"][2]
    with engine.begin() as c:
        c.execute(text("UPDATE report SET notes = 'diubah' WHERE id = :id"), {"id": rid})
    v = chain_service.verify_all(uow)
    assert not v.ok and v.first_mismatch is not None
    assert (v.first_mismatch.kind, v.first_mismatch.ref) == ("report", rid)
    assert "tidak cocok" in v.first_mismatch.reason
    chain_service.run_verification(uow)
    body = login("demo.kota").get("/api/v1/chain/verify").get_json()
    assert body["ok"] is False and body["first_mismatch"]["ref"] == rid
    # A review forged with SQL (accepted without a reviewer's entry) is named too.
    with engine.begin() as c:
        c.execute(text("UPDATE report SET notes = 'Patroli 2' WHERE id = :id"), {"id": rid})
    assert chain_service.verify_all(uow).ok
    with engine.begin() as c:
        c.execute(text("UPDATE report SET review_state = 'diterima' WHERE id = :id"), {"id": rid})
    m = chain_service.verify_all(uow).first_mismatch
    assert m is not None and (m.kind, m.ref) == ("review", rid)


def test_changed_or_deleted_chain_rows_and_deleted_entities_are_named(sample, login, app, engine):
    phone = login("demo.petugas")
    ids = [
        phone.post("/api/v1/reports", json=report(photos_expected=0)).get_json()["id"]
        for _ in range(4)
    ]
    uow = app.extensions["k3"].uow
    assert chain_service.verify_all(uow).ok
    # The app's own role cannot rewrite or remove an entry (append-only trigger).
    for stmt in (
        "UPDATE chain_entry SET payload_hash = repeat('0', 64) WHERE position = 2",
        "DELETE FROM chain_entry WHERE position = 2",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as c:
            c.execute(text(stmt))

    # A chain row changed (past the trigger): named at its position.
    with engine.connect() as c:
        pos, kind, ref, old = c.execute(
            text("SELECT position, kind, ref, payload_hash FROM chain_entry WHERE ref = :r"),
            {"r": ids[1]},
        ).one()
    _sql(engine, "UPDATE chain_entry SET payload_hash = :h WHERE position = :p", h="f" * 64, p=pos)
    m = chain_service.verify_all(uow).first_mismatch
    assert m is not None and (m.position, m.kind, m.ref) == (pos, kind, ref)
    _sql(engine, "UPDATE chain_entry SET payload_hash = :h WHERE position = :p", h=old, p=pos)
    assert chain_service.verify_all(uow).ok

    # A report deleted with SQL: the chain still knows it.
    _sql(engine, "DELETE FROM report WHERE id = :id", id=ids[3])
    m = chain_service.verify_all(uow).first_mismatch
    assert m is not None and (m.kind, m.ref) == ("report", ids[3]) and "hilang" in m.reason

    # A chain row deleted: the gap is named (before the later report's deletion).
    _sql(engine, "DELETE FROM chain_entry WHERE position = :p", p=pos)
    m = chain_service.verify_all(uow).first_mismatch
    assert m is not None and m.position == pos and "hilang" in m.reason


def test_chain_tasks_are_registered_and_scheduled(app):
    import workers.tasks  # noqa: F401  # why: registers the shared tasks with the Celery app

    celery = app.extensions["celery"]
    beat = {e["task"] for e in celery.conf.beat_schedule.values()}
    for name in (chain_service.VERIFY_TASK, "workers.tasks.seal_chain"):
        assert name in celery.tasks and name in beat
    assert "workers.tasks.chain_daily_roots" in beat


def test_daily_roots_are_recorded_once(sample, login, app):
    uow = app.extensions["k3"].uow
    login("demo.petugas").post("/api/v1/reports", json=report(photos_expected=0))
    head = chain_service.head(uow)
    assert head is not None
    tomorrow = datetime.now(tz=WIB).date() + timedelta(days=1)
    assert chain_service.record_daily_roots(uow, today=tomorrow) == 1  # today's, finished
    assert chain_service.record_daily_roots(uow, today=tomorrow) == 0
    with uow() as s:
        [root] = chain_service.daily_roots(s)
    assert root == {
        "day": (tomorrow - timedelta(days=1)).isoformat(),
        "position": head.position,
        "root": head.root,
    }


def test_lkip_export_footer_carries_the_chain_root(sample, login, app):
    ctx = app.extensions["k3"]
    trantib = login("demo.trantib")
    r = trantib.post("/api/v1/exports", json={"format": "csv", "year": 2024})
    assert r.status_code == 202, r.get_json()
    job = uuid.UUID(r.get_json()["id"])
    assert export_service.build(ctx.uow, ctx.storage, job) == "selesai"
    head = chain_service.head(ctx.uow)
    assert head is not None
    text_ = trantib.get(f"/api/v1/exports/{job}/file").get_data(as_text=True)
    assert f"Akar rantai bukti: {head.root} (entri ke-{head.position}" in text_


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> =1+1 & "kutip"'


def test_evidence_packet_of_sultan_agung_2024(sample_2024, login, app):
    ctx = app.extensions["k3"]
    phone, trantib = login("demo.petugas"), login("demo.trantib")
    zone = next(
        z
        for z in phone.get("/api/v1/zones").get_json()["features"]
        if z["properties"]["name"] == "Jl. Sultan Agung"
    )
    zid = zone["id"]
    # One more accepted report of 2024 with two photos (processed: web size, EXIF-free),
    # and a hostile note that must stay text in the page.
    rid = phone.post("/api/v1/reports", json=report(photos_expected=2, notes=HOSTILE)).get_json()[
        "id"
    ]
    pids = [str(uuid.uuid4()) for _ in range(2)]
    for i, pid in enumerate(pids):
        assert put(phone, rid, jpeg_with_gps(-6.2, 106.99, seed=i), pid=pid).status_code == 201
        photo_service.process_photo(ctx.uow, ctx.storage, ctx.rules, uuid.UUID(pid))
    assert (
        trantib.post(f"/api/v1/reports/{rid}/review", json={"state": "diterima"}).status_code == 200
    )

    r = trantib.get(f"/api/v1/zones/{zid}/evidence-packet?year=2024")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert r.mimetype == "application/zip" and "paket-bukti" in r.headers["Content-Disposition"]
    z = zipfile.ZipFile(io.BytesIO(r.data))
    names = set(z.namelist())
    assert {"index.html", "manifest.json", "SHA256SUMS"} <= names
    # Every file is in SHA256SUMS with its real hash (an auditor runs sha256sum -c).
    sums = dict(
        reversed(line.split("  ", 1)) for line in z.read("SHA256SUMS").decode().splitlines()
    )
    assert set(sums) == names - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256(z.read(name)).hexdigest() == digest, name
    man = json.loads(z.read("manifest.json"))
    page = z.read("index.html").decode()
    # The reports: the sample's 2024 ones on this zone (1 penertiban + 5 patrols) and ours.
    assert len(man["reports"]) == 7
    for rep in man["reports"]:
        assert f'id="laporan-{rep["id"]}"' in page
    assert "<script" not in page and "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;" in page
    # Photos: the hashes listed are those of the originals in storage; the copies carry no EXIF.
    ours = next(x for x in man["reports"] if x["id"] == rid)
    assert {p["id"] for p in ours["photos"]} == set(pids)
    with ctx.uow() as s:
        keys = dict(
            s.execute(
                text("SELECT id::text, original_key FROM photo WHERE report_id = :r"), {"r": rid}
            ).all()
        )
    for p in ours["photos"]:
        original = ctx.storage.get_bytes(keys[p["id"]])
        assert hashlib.sha256(original).hexdigest() == p["sha256_original"]
        assert p["blurred"] is True  # only the copy with faces and plates blurred goes out
        web = z.read(p["file"])
        assert web[:2] == b"\xff\xd8" and b"Exif" not in web[:4096]
        assert p["sha256_original"] in page
    # The status history of 2024 (the verification) and the chain: entries and root.
    assert any(h["kind"] == "verify" for h in man["status_history"])
    kinds = {e["kind"] for e in man["chain_entries"]}
    assert {"report", "review", "photo", "zone_status_change", "verification"} <= kinds
    assert man["chain_root"]["hash"] in page
    assert all(e["entry_hash"] for e in man["chain_entries"])

    # Another kecamatan's reader, a petugas, a bad year: refused as problem+json.
    assert_problem(phone.get(f"/api/v1/zones/{zid}/evidence-packet?year=2024"), 403)
    assert_problem(trantib.get(f"/api/v1/zones/{zid}/evidence-packet?year=1999"), 422)
    assert_problem(trantib.get(f"/api/v1/zones/{uuid.uuid4()}/evidence-packet?year=2024"), 404)
