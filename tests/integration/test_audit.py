"""The audit trail: who changed what, before and after; never rewritten."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from k3zones.audit import Actor, create_entry, entry, insert_values, update_with_entry
from k3zones.models import Report, ReviewState
from tests.support.http import assert_problem
from tests.support.paths import TESTDATA
from tests.support.payloads import line
from tests.support.payloads import report as report_payload

JPEG = (TESTDATA / "photos" / "jpg_mobile_jolla.jpg").read_bytes()


def test_zone_edit_shows_before_and_after(sample, login):
    trantib = login("demo.trantib")
    zone = trantib.get("/api/v1/zones?kategori=merah").get_json()["features"][0]
    zid = zone["id"]
    r = trantib.patch(
        f"/api/v1/zones/{zid}",
        json={
            "type": "Feature",
            "properties": {"radius_m": 75, "notes": "Diperpanjang ke simpang"},
            "geometry": line((106.9705, -6.2065), (106.9900, -6.2090)),
        },
    )
    assert r.status_code == 200, r.get_json()

    page = login("demo.pimpinan").get(f"/api/v1/audit?entity=zone&entity_id={zid}").get_json()
    [entry] = [e for e in page["items"] if e["action"] == "update"]
    assert entry["actor"] == "demo.trantib" and entry["kecamatan"] == "medansatria"
    ch = entry["changes"]
    assert ch["radius_m"] == {"before": 50, "after": 75}
    assert ch["notes"]["after"] == "Diperpanjang ke simpang"
    assert ch["geom"]["before"] == zone["geometry"]
    assert ch["geom"]["after"]["coordinates"][-1] == [106.99, -6.209]
    assert "updated_at" not in ch and "monitoring_area" not in ch


def test_every_write_is_recorded_with_its_actor(sample, login):
    admin = login("demo.admin")
    r = admin.post(
        "/api/v1/decrees",
        json={"nomor": "SK/AUDIT/1", "tanggal": "2024-05-01", "perihal": "Uji audit"},
    )
    did = r.get_json()["id"]
    admin.put("/api/v1/targets/2027", json={"target_pct": 45})
    items = admin.get("/api/v1/audit?actor=demo.admin").get_json()["items"]
    kinds = {(e["entity"], e["action"]) for e in items}
    assert ("decree", "create") in kinds and ("renstra_target", "create") in kinds
    created = next(e for e in items if e["entity"] == "decree")
    assert created["entity_id"] == did and created["changes"]["nomor"]["after"] == "SK/AUDIT/1"
    # Signing in is a write too (a device session), recorded without secrets.
    sessions = admin.get("/api/v1/audit?entity=auth_session").get_json()["items"]
    assert sessions and all("token_hash" not in e["changes"] for e in sessions)


def test_password_values_never_reach_the_log(sample, login):
    admin = login("demo.admin")
    uid = login("demo.petugas").tokens["user"]["id"]
    admin.patch(f"/api/v1/users/{uid}", json={"password": "Rahasia-Baru#2025"})
    url = f"/api/v1/audit?entity=app_user&entity_id={uid}&action=update"
    [e] = admin.get(url).get_json()["items"]
    assert e["changes"]["password_hash"] == {"before": None, "after": "[diubah]"}
    assert "Rahasia" not in str(e)


def test_audit_rows_cannot_be_changed_or_deleted(sample, login, engine):
    login("demo.admin").post(
        "/api/v1/decrees", json={"nomor": "SK/AUDIT/2", "tanggal": "2024-05-01", "perihal": "x"}
    )
    for sql in ["UPDATE audit_log SET actor = 'siapa'", "DELETE FROM audit_log"]:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as c:
            c.execute(text(sql))


def test_audit_filters_pagination_and_access(sample, login):
    admin = login("demo.admin")
    for i in range(5):
        admin.post(
            "/api/v1/decrees", json={"nomor": f"SK/P/{i}", "tanggal": "2024-05-01", "perihal": "x"}
        )
    first = admin.get("/api/v1/audit?entity=decree&limit=2").get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = admin.get(f"/api/v1/audit?entity=decree&limit=2&cursor={first['next_cursor']}")
    ids = [e["id"] for e in first["items"]] + [e["id"] for e in second.get_json()["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4
    assert admin.get("/api/v1/audit?since=2000-01-01&until=2000-01-02").get_json()["items"] == []
    assert_problem(admin.get("/api/v1/audit?limit=500"), 422, "limit")
    assert_problem(admin.get("/api/v1/audit?action=hapus"), 422, "create, update, delete")
    assert_problem(login("demo.petugas").get("/api/v1/audit"), 403, "petugas")
    assert_problem(admin.put("/api/v1/audit"), 405)


def test_a_report_insert_logs_what_the_flush_hook_would(engine):
    """The report POST builds its audit row from the inserted values (create_entry) rather
    than from the object's histories (entry): the two rows are the same."""
    r = Report(
        id=uuid.uuid4(),
        kecamatan_id=1,
        officer_id=uuid.uuid4(),
        type="penertiban",
        units=["satpol_pp", "polsek"],
        zone_match="gps",
        started_at=datetime(2024, 5, 2, 1, 15, tzinfo=UTC),
        started_offset_min=420,
        received_at=datetime(2024, 5, 2, 2, 0, tzinfo=UTC),
        gps=from_shape(Point(106.979, -6.2072), srid=4326),
        gps_accuracy_m=Decimal("8.5"),
        findings=[{"kind": "pkl", "count": 3}],
        actions=[],
        violation_total=3,
        notes='=HYPERLINK("x") <b>\u0000</b>',
        photos_expected=2,
        photos_received=0,
        review_state=ReviewState.MENUNGGU,
        body_hash="abc",
        first_response={"id": "x"},
        source="api",
        version=1,
        flags={"akurasi_rendah": {"accuracy_m": 8.5}},
    )
    actor = Actor(uuid.uuid4(), "demo.petugas", "req-1", "10.0.0.1")
    with Session(engine) as s:
        assert create_entry(s, r, insert_values(r), actor) == entry(s, r, "create", actor)


def test_a_photo_put_logs_the_photo_created_and_the_report_counted(login, engine):
    """The photo row goes in with its audit row and chain entry in one statement; the log
    reads as it did when the ORM flush wrote it: the photo created (its checksum, size,
    key; never the hash bands), the report's photo count moved on, both by the officer."""
    phone = login("demo.petugas")
    rid = phone.post("/api/v1/reports", json=report_payload()).get_json()["id"]
    pid = str(uuid.uuid4())
    touched = "SELECT updated_at FROM report WHERE id = :r"
    with engine.connect() as c:
        before = c.scalar(text(touched), {"r": rid})
    r = phone.put(f"/api/v1/reports/{rid}/photos/{pid}", data=JPEG, content_type="image/jpeg")
    assert r.status_code == 201, r.get_json()
    with engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT entity, entity_id, action, actor, changes FROM audit_log "
                "WHERE entity_id IN (:p, :r) ORDER BY id"
            ),
            {"p": pid, "r": rid},
        ).all()
        links = c.scalar(
            text("SELECT count(*) FROM chain_entry WHERE kind = 'photo' AND ref = :p"), {"p": pid}
        )
    assert [(e, a, who) for e, _, a, who, _ in rows] == [
        ("report", "create", "demo.petugas"),
        ("photo", "create", "demo.petugas"),
        ("report", "update", "demo.petugas"),
    ]
    made = rows[1].changes
    assert made["sha256"] == {"before": None, "after": hashlib.sha256(JPEG).hexdigest()}
    assert made["size_bytes"]["after"] == len(JPEG) and made["status"]["after"] == "diterima"
    assert made["report_id"]["after"] == rid and "phash_bands" not in made
    assert rows[2].changes == {"photos_received": {"before": 0, "after": 1}}
    assert links == 1
    with engine.connect() as c:
        assert c.scalar(text(touched), {"r": rid}) > before  # as the ORM's onupdate set it


def test_a_field_the_evidence_chain_covers_never_changes_outside_the_flush(engine):
    """update_with_entry writes no chain entry: a chained field handed to it is refused
    rather than changed without its entry."""
    r = Report(id=uuid.uuid4(), kecamatan_id=1, notes="lama", photos_received=0)
    with Session(engine) as s, pytest.raises(ValueError, match="chained"):
        update_with_entry(s, r, {"notes": "baru", "photos_received": 1})


def test_update_with_entry_reads_back_what_the_database_set_and_refuses_a_gone_row(login, engine):
    rid = login("demo.petugas").post("/api/v1/reports", json=report_payload()).get_json()["id"]
    with Session(engine) as s, s.begin():
        r = s.get(Report, uuid.UUID(rid))
        assert r is not None
        before = r.updated_at
        update_with_entry(s, r, {"photos_received": 1})
        # updated_at was set by the database: read again, not the stale loaded value.
        assert r.photos_received == 1 and r.updated_at > before
        with pytest.raises(StaleDataError):
            update_with_entry(s, Report(id=uuid.uuid4(), photos_received=0), {"photos_received": 1})
