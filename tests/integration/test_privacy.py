"""Privacy: faces and plates blurred in the public copy (originals byte-identical),
reviewers' blur boxes, what /lapor and /publik serve; retention on a frozen clock with
tombstones; a person's export and a complainant's erasure; hostile input refused."""

from __future__ import annotations

import hashlib
import io
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import func, select, update

from k3zones.enums import ReviewState
from k3zones.errors import NotFound
from k3zones.evidence import EvidenceRules
from k3zones.models import (
    AuditLog,
    AuthSession,
    Complaint,
    ComplaintPhoto,
    Photo,
    PhotoOriginalRead,
    RetentionSetting,
    RetentionTombstone,
    TertibKategori,
    Zone,
)
from k3zones.scope import Scope
from k3zones.services import complaints, privacy, retention
from k3zones.services.photos import process_photo, put_photo, spool
from k3zones.services.reports import review_report, submit_report
from k3zones.services.zone_status import verify
from tests.support.complaints import new_complaint, new_complaint_photo
from tests.support.http import assert_problem, demo_password
from tests.support.privacy import (
    active_boxes,
    astronaut_png,
    complaint_code,
    plate_jpeg,
    public_row,
    variance,
)
from tests.support.strategies import json_values
from tests.support.world import OTHER, OTHER_TRANTIB, OTHER_USERS, OWN, make_world

HOSTILE = st.one_of(
    json_values,
    st.sampled_from(["\x00", "\ud800", "<b>x</b>", "=1+1", "ADU-\x00", "a" * 5000, 10**30]),
)


def _face_photo(w: Any) -> str:
    """An officer's processed photo of the astronaut, in Medansatria."""
    return w.photo_of(w.report(OWN, author="demo.petugas"), "demo.petugas", astronaut_png(), True)


def _detected(uow: Any, pid: str) -> list[Any]:
    return [b for b in active_boxes(uow, pid) if b.source == "deteksi"]


def test_face_blurred_in_public_copy_original_byte_identical(app, sample):  # type: ignore[no-untyped-def]
    w = make_world(app)
    uow, storage = w.uow, w.storage
    pid = _face_photo(w)
    faces = _detected(uow, pid)
    assert len(faces) == 1 and "frontalface" in (faces[0].detector or "")
    f = faces[0]
    assert 150 < f.x + f.w / 2 < 260 and 80 < f.y + f.h / 2 < 160  # her face, not elsewhere
    with uow() as s:
        p = s.get(Photo, uuid.UUID(pid))
        assert p is not None
        original, web_key = storage.get_bytes(p.original_key), p.web_key
    # The original is untouched: byte for byte what was sent.
    assert hashlib.sha256(original).hexdigest() == hashlib.sha256(astronaut_png()).hexdigest()
    row = public_row(uow, pid)
    web, pub = storage.get_bytes(web_key), storage.get_bytes(row.public_key)
    box = (f.x, f.y, f.w, f.h)
    assert variance(pub, box) < variance(web, box) / 10
    # Outside the box the public copy is the web image (JPEG noise aside).
    assert abs(variance(pub, (0, 300, 150, 150)) - variance(web, (0, 300, 150, 150))) < 60
    assert (row.web_width, row.web_height) == (512, 512)
    assert b"Exif" not in pub[:4096] and len(Image.open(io.BytesIO(pub)).getexif()) == 0
    thumb = Image.open(io.BytesIO(storage.get_bytes(row.public_thumb_key)))
    assert max(thumb.size) == 320
    # Another kecamatan's reviewer and admin: the photo and the settings do not exist.
    stranger = w.principal(OTHER_TRANTIB)
    for call in (
        lambda: privacy.get_boxes(uow, stranger, uuid.UUID(pid)),
        lambda: privacy.add_box(uow, stranger, uuid.UUID(pid), 0, 0, 5, 5),
        lambda: privacy.remove_box(uow, stranger, uuid.UUID(pid), f.id),
        lambda: retention.get_settings(uow, w.principal(OTHER_USERS["admin"]), OWN),
    ):
        with pytest.raises(NotFound):
            call()


def test_synthetic_plate_is_found_and_blurred(app, sample):  # type: ignore[no-untyped-def]
    w = make_world(app)
    pid = w.photo_of(w.report(OWN, author="demo.petugas"), "demo.petugas", plate_jpeg(), True)
    plates = [b for b in _detected(w.uow, pid) if "plate" in (b.detector or "")]
    assert plates, active_boxes(w.uow, pid)
    row = public_row(w.uow, pid)
    pub = w.storage.get_bytes(row.public_key)
    web = w.storage.get_bytes(blur_web_key(w, pid))
    plate = (300, 375, 200, 45)  # where tests.support.privacy pasted it
    assert variance(pub, plate) < variance(web, plate) / 10


def blur_web_key(w: Any, pid: str) -> str:
    with w.uow() as s:
        p = s.get(Photo, uuid.UUID(pid))
        assert p is not None and p.web_key is not None
        return p.web_key


def _wait_made(uow: Any, pid: str, after: datetime, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if public_row(uow, pid).made_at > after:
            return
        time.sleep(0.2)
    raise AssertionError("public copy not made again")


def test_manual_box_blurs_and_removal_restores(app, sample, worker, login):  # type: ignore[no-untyped-def]
    w = make_world(app)
    uow, storage = w.uow, w.storage
    pid = w.photo(OWN)  # the Nikon street photo: no face found in it
    trantib = login("demo.trantib")
    web = storage.get_bytes(blur_web_key(w, pid))
    row = public_row(uow, pid)
    box = (40, 60, 120, 90)
    before = storage.get_bytes(row.public_key)
    assert variance(before, box) > 200  # unblurred there
    r = trantib.post(f"/api/v1/photos/{pid}/blur-boxes", json=dict(zip("xywh", box, strict=True)))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    manual = [b for b in body["boxes"] if b["source"] == "manual"]
    assert len(manual) == 1 and body["width"] == row.web_width
    _wait_made(uow, pid, row.made_at)
    blurred = storage.get_bytes(public_row(uow, pid).public_key)
    assert variance(blurred, box) < variance(web, box) / 10
    # Audited: who drew which box.
    with uow() as s:
        audit = s.scalar(
            select(AuditLog).where(
                AuditLog.entity == "photo_blur_box",
                AuditLog.entity_id == str(manual[0]["id"]),
                AuditLog.action == "create",
            )
        )
        assert audit is not None and audit.actor == "demo.trantib"
    made = public_row(uow, pid).made_at
    r = trantib.delete(f"/api/v1/photos/{pid}/blur-boxes/{manual[0]['id']}")
    assert r.status_code == 200 and not [
        b for b in r.get_json()["boxes"] if b["source"] == "manual"
    ]
    _wait_made(uow, pid, made)
    restored = storage.get_bytes(public_row(uow, pid).public_key)
    assert abs(variance(restored, box) - variance(web, box)) < 0.1 * variance(web, box)
    # Removing it again, a box of another photo, a box outside the image: refused.
    assert_problem(trantib.delete(f"/api/v1/photos/{pid}/blur-boxes/{manual[0]['id']}"), 404)
    assert_problem(
        trantib.post(
            f"/api/v1/photos/{pid}/blur-boxes",
            json={"x": row.web_width - 5, "y": 0, "w": 10, "h": 10},
        ),
        422,
        "di dalam gambar",
    )
    assert_problem(login("demo.petugas").get(f"/api/v1/photos/{pid}/blur-boxes"), 403)


def _tertib_report_with_face(app: Any, w: Any) -> str:
    """An accepted patrol at a zone that is tertib in the 2024 sample, its photo the
    astronaut; the photo's id."""
    uow = app.extensions["k3"].uow
    with uow() as s:
        zid = s.scalar(select(Zone.id).where(Zone.name == "Jl. Sultan Agung"))
    body = {
        "id": str(uuid.uuid4()),
        "type": "patroli",
        "zone_id": str(zid),
        "started_at": "2024-11-02T08:15:00+07:00",
        "location": {"type": "Point", "coordinates": [106.979, -6.2075]},
        "photos_expected": 1,
    }
    officer = w.principal("demo.petugas")
    submit_report(uow, EvidenceRules(), officer, body)
    up = spool(io.BytesIO(astronaut_png()), 10**8)
    assert up is not None
    pid = uuid.uuid4()
    put_photo(uow, w.storage, officer, uuid.UUID(body["id"]), pid, up, None)
    process_photo(uow, w.storage, EvidenceRules(), pid)
    review_report(
        uow, w.principal("demo.trantib"), uuid.UUID(body["id"]), ReviewState.DITERIMA, None
    )
    # The sample's 2024 verification has ended (default rule): Seksi Trantib verifies again.
    verify(uow, w.principal("demo.trantib"), zid, TertibKategori.BAIK, "Verifikasi ulang")
    return str(pid)


def test_publik_and_lapor_serve_only_the_blurred_copy(app, sample_2024, anon, login):  # type: ignore[no-untyped-def]
    w = make_world(app)
    uow, storage = w.uow, w.storage
    # /publik: an officer's photo of a tertib zone
    pid = _tertib_report_with_face(app, w)
    row = public_row(uow, pid)
    r = anon.get(f"/publik/medansatria/foto/{pid}.jpg")
    assert r.status_code == 200
    assert r.get_data() == storage.get_bytes(row.public_key)
    assert r.get_data() != storage.get_bytes(blur_web_key(w, pid))
    # reviewers keep the unblurred web image in the console
    web = login("demo.trantib").get(f"/api/v1/photos/{pid}/web")
    assert web.status_code == 200
    assert web.get_data() == storage.get_bytes(blur_web_key(w, pid))
    # beyond them (pimpinan, kota, team mates) the console shows the public copy too
    for who in ("demo.pimpinan", "demo.kota"):
        seen = login(who).get(f"/api/v1/photos/{pid}/web")
        assert seen.status_code == 200 and seen.get_data() == storage.get_bytes(row.public_key)
    # /lapor and Open311: a citizen's photo (its pipeline does not record boxes: the copy
    # derive wrote is served, and render_public records the detection when it runs)
    cpid = new_complaint_photo(app, OWN, astronaut_png())
    assert complaints.process_photo(uow, storage, EvidenceRules(), uuid.UUID(cpid)) == "diproses"
    with uow() as s:
        cp = s.get(ComplaintPhoto, uuid.UUID(cpid))
        assert cp is not None and cp.web_key is not None
        code = s.scalar(select(Complaint.code).where(Complaint.id == cp.complaint_id))
        cweb, cthumb = cp.web_key, cp.thumb_key
    for variant, unblurred in (("web", cweb), ("thumb", cthumb)):
        got = anon.get(f"/lapor/foto/{cpid}/{variant}.jpg")
        assert got.status_code == 200
        assert got.get_data() != storage.get_bytes(unblurred)
    html = anon.get(f"/lapor/{code}").get_data(as_text=True)
    assert f"/lapor/foto/{cpid}/" in html
    one = anon.get(f"/open311/v2/requests/{code}.json?jurisdiction_id={OWN}")
    assert one.status_code == 200, one.get_data()[:300]
    media = one.get_json()[0].get("media_url") or ""
    assert media.endswith(f"/lapor/foto/{cpid}/web.jpg"), media
    # the sweep queues the citizen's photo; the render records the detection
    assert privacy.sweep_public(uow) >= 1
    assert privacy.render_public(uow, storage, uuid.UUID(cpid)) == "dideteksi"
    faces = _detected(uow, cpid)
    assert len(faces) == 1
    crow = public_row(uow, cpid)
    f = faces[0]
    served = anon.get(f"/lapor/foto/{cpid}/web.jpg").get_data()
    assert served == storage.get_bytes(crow.public_key)
    assert (
        variance(served, (f.x, f.y, f.w, f.h))
        < variance(storage.get_bytes(cweb), (f.x, f.y, f.w, f.h)) / 10
    )


# --- retention ---------------------------------------------------------------------------


def _at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 12, tzinfo=UTC)


def test_retention_on_a_frozen_clock(app, sample, login):  # type: ignore[no-untyped-def]
    w = make_world(app)
    uow, storage = w.uow, w.storage
    own_photo = w.photo(OWN)  # a report started 2024-05-02 WIB: LKIP year 2024
    other_photo = w.photo(OTHER)
    with uow() as s, s.begin():
        other_k = s.scalar(select(Photo.kecamatan_id).where(Photo.id == uuid.UUID(other_photo)))
        s.add(
            RetentionSetting(
                kecamatan_id=other_k,
                originals_years=10,
                derivatives_years=10,
                contact_days=365,
                access_log_days=730,
            )
        )
        p = s.get(Photo, uuid.UUID(own_photo))
        assert p is not None
        own_key, own_sha, own_web = p.original_key, p.sha256, p.web_key
        own_k, own_report = p.kecamatan_id, p.report_id
    # Contact data: one closed 400 days before `now`, one 100 days, one still open.
    now = _at(2030, 1, 2)
    old, recent, open_ = (new_complaint(app, OWN) for _ in range(3))
    with uow() as s, s.begin():
        for cid, closed in ((old, now - timedelta(days=400)), (recent, now - timedelta(days=100))):
            s.execute(
                update(Complaint).where(Complaint.id == uuid.UUID(cid)).values(closed_at=closed)
            )
        # access logs: an original read and a session, 3 years old and 1 year old
        for at in (now - timedelta(days=3 * 365), now - timedelta(days=365)):
            s.add(
                PhotoOriginalRead(
                    kecamatan_id=own_k,
                    photo_id=uuid.UUID(own_photo),
                    report_id=own_report,
                    user_id=uuid.UUID(w.user(OWN)),
                    username="uji",
                    role="admin",
                    at=at,
                )
            )
    old_session = w.session(OWN)
    with uow() as s, s.begin():
        s.execute(
            update(AuthSession)
            .where(AuthSession.id == uuid.UUID(old_session))
            .values(last_used_at=now - timedelta(days=800))
        )

    # 31 December 2029: a 2024 photo is kept (5 years after 2024 end on 1 January 2030).
    before = retention.run(uow, storage, _at(2029, 12, 31), dry_run=True, scope=Scope.everything())
    assert not [i for i in before.items if i.entity in ("photo", "complaint_photo")]
    assert storage.exists(own_key)

    dry = retention.run(uow, storage, now, dry_run=True)
    due = {(i.category, i.entity, i.entity_id) for i in dry.items}
    assert ("asli", "photo", own_photo) in due and ("turunan", "photo", own_photo) in due
    assert not [i for i in dry.items if i.entity_id == other_photo]  # 10 years there
    assert ("kontak", "complaint", old) in due
    assert ("kontak", "complaint", recent) not in due and ("kontak", "complaint", open_) not in due
    assert {i.entity for i in dry.items if i.category == "log_akses"} >= {
        "photo_original_read",
        "auth_session",
    }
    assert dry.done == 0 and storage.exists(own_key) and storage.exists(own_web or "")
    with uow() as s:
        assert s.scalar(select(func.count()).select_from(RetentionTombstone)) == 0

    done = retention.run(uow, storage, now, dry_run=False)
    assert done.done == len(done.items) == len(dry.items)
    assert not storage.exists(own_key) and not storage.exists(own_web or "")
    assert storage.exists(blur_web_key(w, other_photo))
    with uow() as s:
        p = s.get(Photo, uuid.UUID(own_photo))
        assert p is not None and (p.original_key, p.sha256) == (own_key, own_sha)  # row intact
        stone = s.scalar(
            select(RetentionTombstone).where(
                RetentionTombstone.entity_id == own_photo, RetentionTombstone.category == "asli"
            )
        )
        assert stone is not None and stone.sha256 == own_sha and stone.object_keys == [own_key]
        assert stone.deleted_at == now and "2024" in stone.reason
        c_old, c_recent = s.get(Complaint, uuid.UUID(old)), s.get(Complaint, uuid.UUID(recent))
        assert c_old is not None and c_recent is not None
        assert (c_old.reporter_name, c_old.reporter_phone, c_old.reporter_email) == (None,) * 3
        assert c_recent.reporter_name == "Warga Uji"
        reads = s.scalars(select(PhotoOriginalRead.at)).all()
        assert reads == [now - timedelta(days=365)]
        assert s.get(AuthSession, uuid.UUID(old_session)) is None
        # the tombstone is in the audit trail; the blanked contact is not copied there
        audit = s.scalars(select(AuditLog).where(AuditLog.entity == "retention_tombstone")).all()
        assert len(audit) == len(done.items)
        assert not s.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.entity == "complaint", AuditLog.action == "update")
            .where(AuditLog.entity_id == old)
        )
    # Nothing is due twice.
    again = retention.run(uow, storage, now + timedelta(days=1), dry_run=False)
    assert again.items == []
    # The console says the file went and why; the hash is still there.
    trantib = login("demo.trantib")
    for variant in ("original", "web"):
        assert_problem(trantib.get(f"/api/v1/photos/{own_photo}/{variant}"), 404, "jadwal retensi")


def test_retention_api_ranges_and_cli_dry_run(app, sample, login):  # type: ignore[no-untyped-def]
    admin = login("demo.admin")
    r = admin.get("/api/v1/retention")
    assert r.status_code == 200
    body = r.get_json()
    assert body["is_default"] and body["originals_years"] == 5 and body["contact_days"] == 365
    good = {
        "originals_years": 6,
        "derivatives_years": 3,
        "contact_days": 180,
        "access_log_days": 400,
    }
    r = admin.put("/api/v1/retention", json=good)
    assert r.status_code == 200 and r.get_json()["originals_years"] == 6
    assert not r.get_json()["is_default"]
    for field, bad in (
        ("originals_years", 0),
        ("contact_days", 29),
        ("access_log_days", 10**30),
        ("derivatives_years", 2.5),
        ("contact_days", "365"),
    ):
        assert_problem(admin.put("/api/v1/retention", json=good | {field: bad}), 422)
    assert_problem(admin.put("/api/v1/retention", json={"originals_years": 5}), 422)
    runner = app.test_cli_runner()
    out = runner.invoke(args=["retention", "run", "--dry-run", "--kecamatan", OWN])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output.strip().splitlines()[-1])
    assert summary["dry_run"] is True and summary["deleted"] == 0


# --- rights ---------------------------------------------------------------------------------


def test_export_has_the_persons_rows_and_nobody_elses(app, sample, login):  # type: ignore[no-untyped-def]
    w = make_world(app)
    admin = login("demo.admin")
    mine = w.report(OWN, author="demo.petugas", photos=0)
    theirs = w.report(OWN, author="demo.trantib", photos=0)
    officer_id = str(w.principal("demo.petugas").user_id)
    r = admin.get(f"/api/v1/people/officers/{officer_id}/export")
    assert r.status_code == 200
    body = r.get_json()
    tables = {sec["table"]: sec for sec in body["sections"]}
    report_ids = {row["id"] for row in tables["report"]["rows"]}
    assert mine in report_ids and theirs not in report_ids
    assert all(row["officer_id"] == officer_id for row in tables["report"]["rows"])
    assert "password_hash" not in tables["app_user"]["rows"][0]
    # a complainant: their complaint (and others with the same phone), nobody else's
    a = new_complaint(app, OWN)
    with w.uow() as s, s.begin():
        s.execute(
            update(Complaint)
            .where(Complaint.id != uuid.UUID(a))
            .values(reporter_phone="081299999999")
        )
    code = complaint_code(app, a)
    r = admin.get(f"/api/v1/people/complainants/{code.lower()}/export")
    assert r.status_code == 200
    rows = {sec["table"]: sec for sec in r.get_json()["sections"]}["complaint"]["rows"]
    assert [row["id"] for row in rows] == [a] and rows[0]["reporter_name"] == "Warga Uji"
    other = new_complaint(app, OTHER)
    for path in (
        f"/api/v1/people/complainants/{complaint_code(app, other)}/export",
        f"/api/v1/people/officers/{w.user(OTHER)}/export",
        f"/api/v1/people/officers/{uuid.uuid4()}/export",
        "/api/v1/people/complainants/ADU-00000000/export",
    ):
        assert_problem(admin.get(path), 404)


def test_erasure_blanks_contact_keeps_the_complaint_and_hashes(app, sample, login):  # type: ignore[no-untyped-def]
    cpid = new_complaint_photo(app, OWN)
    uow = app.extensions["k3"].uow
    with uow() as s:
        cp = s.get(ComplaintPhoto, uuid.UUID(cpid))
        assert cp is not None
        cid, sha = cp.complaint_id, cp.sha256
    code = complaint_code(app, str(cid))
    admin = login("demo.admin")
    erase = f"/api/v1/people/complainants/{code}/erase"
    r = admin.post(erase, json={"reason": "Surat 12/2026"})
    assert r.status_code == 200, r.get_json()
    assert set(r.get_json()["erased"]) == {"reporter_name", "reporter_phone", "reporter_email"}
    with uow() as s:
        c = s.get(Complaint, cid)
        assert c is not None and c.code == code and c.description
        assert (c.reporter_name, c.reporter_phone, c.reporter_email) == (None, None, None)
        cp = s.get(ComplaintPhoto, uuid.UUID(cpid))
        assert cp is not None and cp.sha256 == sha
        stone = s.scalar(select(RetentionTombstone).where(RetentionTombstone.entity_id == str(cid)))
        assert stone is not None and stone.category == "kontak" and "Surat 12/2026" in stone.reason
        audit = s.scalar(
            select(AuditLog).where(
                AuditLog.entity == "retention_tombstone", AuditLog.entity_id == str(stone.id)
            )
        )
        assert audit is not None and audit.actor == "demo.admin"
    assert_problem(admin.post(erase, json={"reason": "lagi"}), 409)


_CLIENTS: dict[int, Any] = {}


def _admin(app: Any) -> Any:
    """One signed-in admin client for every example (a sign-in per example is slow)."""
    if id(app) not in _CLIENTS:
        c = app.test_client()
        r = c.post(
            "/api/v1/auth/login",
            json={"username": "demo.admin", "password": demo_password("demo.admin")},
        )
        c.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + r.get_json()["access_token"]
        _CLIENTS.clear()
        _CLIENTS[id(app)] = c
    return _CLIENTS[id(app)]


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(a=HOSTILE, b=HOSTILE)
def test_hostile_input_never_500(app, sample, a, b):  # type: ignore[no-untyped-def]
    c = _admin(app)
    pid = uuid.uuid4()
    code = quote(str(a)[:200].encode("utf-8", "surrogatepass"), safe="")
    calls = [
        c.post(
            f"/api/v1/photos/{pid}/blur-boxes",
            data=json.dumps({"x": a, "y": 0, "w": b, "h": 5}),
            content_type="application/json",
        ),
        c.put(
            "/api/v1/retention",
            data=json.dumps(
                {
                    "originals_years": a,
                    "derivatives_years": b,
                    "contact_days": 365,
                    "access_log_days": 730,
                }
            ),
            content_type="application/json",
        ),
        c.post(
            f"/api/v1/people/complainants/{code}/erase",
            data=json.dumps({"reason": b}),
            content_type="application/json",
        ),
        c.get(f"/api/v1/people/complainants/{code}/export"),
    ]
    for resp in calls:
        assert resp.status_code < 500, (resp.status_code, resp.get_data()[:300])
        if resp.status_code >= 400:
            assert resp.mimetype == "application/problem+json"
