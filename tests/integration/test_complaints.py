"""The staff side of the complaints desk: the queue by SLA due time in keyset pages, every
transition audited with who and why, refusals with a public note, the ways back,
merging duplicates, zone matching, SLA breach escalated to pimpinan exactly once (service
and the real worker), another kecamatan's complaints unseen, hostile input refused."""

from __future__ import annotations

import io
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, text, update

from k3zones.complaints import DuplicateRule, WorkCalendar, add_working_days
from k3zones.enums import ComplaintChannel
from k3zones.errors import InvalidInput, NotFound
from k3zones.models import (
    AuditLog,
    Complaint,
    ComplaintNotification,
    ComplaintPhoto,
    ComplaintTransition,
    Outbox,
)
from k3zones.periods import WIB
from k3zones.services import complaints
from k3zones.services.photos import spool
from tests.support.complaints import complaint_input, new_complaint, overdue
from tests.support.http import assert_problem
from tests.support.paths import PHOTOS
from tests.support.world import OTHER, OWN, make_world

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "\x00",
            "a\ud800b",
            "<script>alert(1)</script>",
            '=HYPERLINK("http://x")',
            "x" * 2001,
            "   ",
            "\u202eRTL",
        ]
    ),
)


def act(client: Any, cid: str, **body: Any) -> Any:
    return client.post(f"/api/v1/complaints/{cid}/actions", json=body)


@pytest.fixture()
def world(app, sample):  # type: ignore[no-untyped-def]
    return make_world(app)


def test_queue_is_ordered_by_due_time_in_keyset_pages(app, sample, login):
    ids = [new_complaint(app, OWN, cat) for cat in ("pkl", "sampah", "bangunan_liar", "spanduk")]
    trantib = login("demo.trantib")
    # accepting one gives it a fresh (later) clock; refusing one stops its clock
    assert act(trantib, ids[0], action="terima", reason="ok").status_code == 200
    r = act(
        trantib,
        ids[1],
        action="tolak",
        reason="bukan wilayah",
        reject_reason="bukan_wewenang",
        public_note="Lokasi ini wewenang kecamatan tetangga.",
    )
    assert r.status_code == 200, r.get_json()
    seen, after = [], None
    while True:
        url = "/api/v1/complaints?limit=1" + (f"&after={after}" if after else "")
        page = trantib.get(url).get_json()
        seen += page["items"]
        after = page["next"]
        if not after:
            break
    assert sorted(x["id"] for x in seen) == sorted(ids)
    dues = [x["sla"]["due_at"] for x in seen]
    open_dues = [d for d in dues if d is not None]
    assert open_dues == sorted(open_dues) and dues[-1] is None  # no clock: last
    assert seen[-1]["state"] == "ditolak"
    only_open = trantib.get("/api/v1/complaints?state=baru&state=diterima").get_json()["items"]
    assert {x["state"] for x in only_open} == {"baru", "diterima"}
    assert_problem(trantib.get("/api/v1/complaints?after=!!"), 422)
    assert_problem(trantib.get("/api/v1/complaints?limit=1000"), 422)
    assert_problem(trantib.get("/api/v1/complaints?after=Zm9vfGJhcg"), 422)  # foo|bar


def test_transitions_are_audited_with_who_and_why(app, sample, login, uow):
    cid = new_complaint(app, OWN)
    trantib = login("demo.trantib")
    assert_problem(act(trantib, cid, action="selesai", reason="x"), 409, "tidak dapat diubah")
    assert_problem(act(trantib, cid, action="tolak", reason="x", reject_reason="duplikat"), 422)
    assert_problem(act(trantib, cid, action="terima", reason="   "), 422, "Alasan")
    assert act(trantib, cid, action="terima", reason="Lokasi jelas").status_code == 200
    assert_problem(act(trantib, cid, action="tugaskan", reason="x"), 422, "tim")
    assert_problem(act(trantib, cid, action="tugaskan", reason="x", team_id=str(uuid.uuid4())), 422)
    team = trantib.get("/api/v1/teams").get_json()[0]["id"]
    r = act(
        trantib,
        cid,
        action="tugaskan",
        reason="Tim terdekat",
        team_id=team,
        due_at="2099-01-01T10:00:00+07:00",
        version=2,
    )
    assert r.status_code == 200, r.get_json()
    due = datetime.fromisoformat(r.get_json()["assigned_due_at"])
    assert due == datetime(2099, 1, 1, 3, tzinfo=UTC)
    # a stale version is refused (someone else moved it)
    assert_problem(act(trantib, cid, action="kembali", reason="x", version=2), 409)
    r = act(trantib, cid, action="kembali", reason="Tim berhalangan", version=3)
    assert r.status_code == 200 and r.get_json()["state"] == "diterima"
    assert r.get_json()["team_id"] is None
    trail = r.get_json()["transitions"]
    assert [(t["from_state"], t["to_state"], t["actor"], t["reason"]) for t in trail] == [
        (None, "baru", "warga (formulir /lapor)", "Laporan diterima."),
        ("baru", "diterima", "demo.trantib", "Lokasi jelas"),
        ("diterima", "ditugaskan", "demo.trantib", "Tim terdekat"),
        ("ditugaskan", "diterima", "demo.trantib", "Tim berhalangan"),
    ]
    with uow() as s:
        n = s.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.entity == "complaint", AuditLog.entity_id == cid)
        )
        assert n and n >= 4  # the audit trail saw every write, with the actor
        actors = set(
            s.scalars(select(AuditLog.actor).where(AuditLog.entity == "complaint_transition"))
        )
        assert "demo.trantib" in actors
    # petugas and pimpinan may not move it
    assert login("demo.petugas").post(f"/api/v1/complaints/{cid}/actions").status_code == 403
    assert_problem(act(login("demo.pimpinan"), cid, action="terima", reason="x"), 403)


def test_refusal_shows_its_public_note_and_can_be_reconsidered(app, sample, login):
    cid = new_complaint(app, OWN)
    trantib = login("demo.trantib")
    r = act(
        trantib,
        cid,
        action="tolak",
        reason="Foto tidak jelas",
        reject_reason="tidak_lengkap",
        public_note="Mohon kirim ulang dengan foto yang jelas.",
    )
    assert r.get_json()["state"] == "ditolak" and r.get_json()["sla"]["phase"] == "tanpa_sla"
    code = r.get_json()["code"]
    pub = complaints.public_request(app.extensions["k3"].uow, None, code)
    assert pub["status"] == "closed"
    assert pub["status_notes"] == "Mohon kirim ulang dengan foto yang jelas."
    assert "Warga" not in str(pub) and "0812" not in str(pub) and "example.org" not in str(pub)
    r = act(trantib, cid, action="kembali", reason="Foto ternyata cukup")
    assert r.get_json()["state"] == "diterima" and r.get_json()["reject_reason"] is None


def test_merge_duplicates(app, sample, login):
    a, b = new_complaint(app, OWN), new_complaint(app, OWN, "sampah")
    trantib = login("demo.trantib")
    assert_problem(
        trantib.post(f"/api/v1/complaints/{a}/merge", json={"into": a, "reason": "x"}), 422
    )
    r = trantib.post(f"/api/v1/complaints/{b}/merge", json={"into": a, "reason": "Lokasi sama"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "ditolak" and r.get_json()["duplicate_of"] == a
    assert trantib.get(f"/api/v1/complaints/{a}").get_json()["duplicates"] == 1
    # undone: it stands on its own again
    r = act(trantib, b, action="kembali", reason="Ternyata lokasi berbeda")
    assert r.get_json()["state"] == "diterima" and r.get_json()["duplicate_of"] is None
    assert trantib.get(f"/api/v1/complaints/{a}").get_json()["duplicates"] == 0
    r = trantib.post(f"/api/v1/complaints/{b}/merge", json={"into": a, "reason": "Sama juga"})
    assert r.status_code == 200
    # into a closed one: refused
    c = new_complaint(app, OWN, "spanduk")
    assert_problem(
        trantib.post(f"/api/v1/complaints/{c}/merge", json={"into": b, "reason": "x"}), 409
    )


def test_auto_merge_uses_the_configured_distance_and_days(app, sample):
    ctx = app.extensions["k3"]
    first = complaints.submit(
        ctx.uow, ctx.storage, complaint_input(OWN), channel=ComplaintChannel.FORMULIR
    )
    near = complaints.submit(
        ctx.uow,
        ctx.storage,
        complaint_input(OWN, lat=complaint_input(OWN).lat + 0.0003),  # ~33 m
        channel=ComplaintChannel.FORMULIR,
    )
    assert near.merged_into == first.code
    strict = DuplicateRule(max_m=10, max_days=7)
    apart = complaints.submit(
        ctx.uow,
        ctx.storage,
        complaint_input(OWN, lat=complaint_input(OWN).lat + 0.0003),
        channel=ComplaintChannel.FORMULIR,
        duplicate=strict,
    )
    assert apart.merged_into is None


def test_zone_matching_uses_the_monitoring_area(app, world, uow):
    zid = world.zone(OWN)  # a zone at POINT[OWN]
    cid = new_complaint(app, OWN)
    with uow() as s:
        c = s.get(Complaint, uuid.UUID(cid))
        assert c is not None and str(c.zone_id) == zid


def test_another_kecamatan_is_not_seen(app, world, login):
    theirs = new_complaint(app, OTHER)
    trantib = login("demo.trantib")
    assert_problem(trantib.get(f"/api/v1/complaints/{theirs}"), 404)
    assert_problem(act(trantib, theirs, action="terima", reason="x"), 404)
    assert_problem(trantib.get(f"/api/v1/complaints?kecamatan={OTHER}"), 404)
    assert theirs not in {x["id"] for x in trantib.get("/api/v1/complaints").get_json()["items"]}
    ctx = app.extensions["k3"]
    with pytest.raises(NotFound):
        complaints.get_complaint(ctx.uow, world.principal("demo.trantib").scope, uuid.UUID(theirs))
    kota = login("demo.kota")
    assert theirs in {x["id"] for x in kota.get("/api/v1/complaints").get_json()["items"]}


def test_outside_every_kecamatan_and_missing_location(app, sample):
    ctx = app.extensions["k3"]
    before = _count(ctx.uow)
    with pytest.raises(InvalidInput, match="di luar"):
        complaints.submit(
            ctx.uow,
            ctx.storage,
            complaint_input(OWN, lat=-6.9, lon=107.6),
            channel=ComplaintChannel.FORMULIR,
        )
    with pytest.raises(InvalidInput, match="Lokasi"):
        complaints.submit(
            ctx.uow,
            ctx.storage,
            complaint_input(OWN, lat=None, lon=None),
            channel=ComplaintChannel.FORMULIR,
        )
    assert _count(ctx.uow) == before


def _count(uow: Any) -> int:
    with uow() as s:
        return int(s.scalar(select(func.count()).select_from(Complaint)) or 0)


def test_sla_breach_escalates_to_pimpinan_once(app, sample, login, uow):
    cid = new_complaint(app, OWN)
    fresh = new_complaint(app, OWN, "sampah")
    overdue(app, cid)
    ctx = app.extensions["k3"]
    assert complaints.escalate_breaches(ctx.uow) == 1
    assert complaints.escalate_breaches(ctx.uow) == 0  # once
    pimpinan = login("demo.pimpinan")
    notes = pimpinan.get("/api/v1/complaint-notifications").get_json()
    assert [n["complaint_id"] for n in notes] == [cid]
    assert notes[0]["read_at"] is None and "melewati batas waktu" in notes[0]["message"]
    r = pimpinan.post(f"/api/v1/complaint-notifications/{notes[0]['id']}/read")
    assert r.status_code == 200 and r.get_json()["read_at"]
    assert_problem(login("demo.trantib").get("/api/v1/complaint-notifications"), 403)
    # the detail shows the clock ran out
    detail = login("demo.trantib").get(f"/api/v1/complaints/{cid}").get_json()
    assert detail["sla"]["phase"] == "lewat"
    assert login("demo.trantib").get(f"/api/v1/complaints/{fresh}").get_json()["sla"]["phase"] in (
        "aman",
        "peringatan",
    )
    # leaving the state late marks the complaint late; the next state may escalate again
    r = act(login("demo.trantib"), cid, action="terima", reason="Terlambat")
    assert r.get_json()["sla"]["within_sla"] is False
    overdue(app, cid)
    assert complaints.escalate_breaches(ctx.uow) == 1
    with uow() as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(ComplaintNotification)
                .where(ComplaintNotification.complaint_id == uuid.UUID(cid))
            )
            == 2
        )


def test_the_beat_task_escalates_through_the_worker(app, sample, uow, worker):
    cid = new_complaint(app, OWN)
    overdue(app, cid)
    celery = app.extensions["celery"]
    celery.send_task("workers.tasks.escalate_complaints")
    celery.send_task("workers.tasks.escalate_complaints")
    end = time.monotonic() + 30
    n = 0
    while time.monotonic() < end:
        with uow() as s:
            n = int(
                s.scalar(
                    select(func.count())
                    .select_from(ComplaintNotification)
                    .where(ComplaintNotification.complaint_id == uuid.UUID(cid))
                )
                or 0
            )
        if n:
            break
        time.sleep(0.3)
    time.sleep(1.0)  # the second run has had its turn
    with uow() as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(ComplaintNotification)
                .where(ComplaintNotification.complaint_id == uuid.UUID(cid))
            )
            == 1
        )


def test_partner_keys_are_admin_only_and_hashed(app, sample, login, uow):
    admin = login("demo.admin")
    r = admin.post("/api/v1/partner-keys", json={"name": "LAPOR! (uji)"})
    key = r.get_json()["api_key"]
    from k3zones.models import PartnerKey  # why: only this test reads the key table

    with uow() as s:
        stored = s.scalar(select(PartnerKey).where(PartnerKey.name == "LAPOR! (uji)"))
        assert stored is not None and key not in stored.key_hash and len(stored.key_hash) == 64
    assert_problem(admin.post("/api/v1/partner-keys", json={"name": ""}), 422)
    assert_problem(login("demo.trantib").post("/api/v1/partner-keys", json={"name": "x"}), 403)
    assert_problem(admin.post(f"/api/v1/partner-keys/{uuid.uuid4()}/revoke"), 404)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(reason=HOSTILE, note=HOSTILE)
def test_hostile_text_in_actions_is_4xx_or_stored_as_given(app, sample, login, reason, note):
    cid = new_complaint(app, OWN)
    body = {"action": "terima", "reason": reason, "public_note": note}
    r = login("demo.trantib").post(
        f"/api/v1/complaints/{cid}/actions",
        data=json.dumps(body),  # ASCII escapes: a lone surrogate reaches the server as sent
        content_type="application/json",
    )
    assert r.status_code in (200, 422), r.get_data(as_text=True)
    if r.status_code == 200:
        t = r.get_json()["transitions"][-1]
        assert t["reason"] == reason.strip()
    with app.extensions["k3"].uow() as s:
        assert s.scalar(
            select(func.count())
            .select_from(ComplaintTransition)
            .where(ComplaintTransition.complaint_id == uuid.UUID(cid))
        ) == (2 if r.status_code == 200 else 1)


# --- the public form /lapor ------------------------------------------------------------

LAPOR = {
    "service_code": "spanduk",
    "description": "Spanduk liar menutupi rambu di perempatan",
    "lat": "-6.2072",
    "long": "106.9790",
    "first_name": "Budi",
    "phone": "081299990000",
}


def lapor(anon: Any, files: list[tuple[bytes, str]] = (), **over: str) -> Any:  # type: ignore[assignment]
    data: dict[str, Any] = {**LAPOR, **over}
    data["foto"] = [(io.BytesIO(b), name) for b, name in files]
    return anon.post("/lapor", data=data, content_type="multipart/form-data")


def test_the_form_page_is_small_and_strict(anon, sample):
    r = anon.get("/lapor")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html  # CSP: no inline script/style
    assert 'name="situs_web"' in html and len(r.data) < 12_000
    assert "geolocation=(self)" in r.headers["Permissions-Policy"]
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    # every other page keeps geolocation off
    assert "geolocation=()" in anon.get("/lapor/ADU-00000000").headers["Permissions-Policy"]


def test_submit_with_a_real_photo_and_follow_the_code(app, sample, anon, worker, uow, login):
    photo = (PHOTOS / "jpg_gps_DSCN0010.jpg").read_bytes()
    r = lapor(anon, [(photo, "IMG_0010.jpg")])
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    page = anon.get(r.headers["Location"])
    html = page.get_data(as_text=True)
    code = html.split('id="code">')[1].split("<")[0]
    assert rules_code(code) and "Terima kasih" in html
    assert "Budi" not in html and "0812" not in html  # contact stays with staff
    # the worker derives the EXIF-free copies; the status page then shows them
    end = time.monotonic() + 60
    while time.monotonic() < end and "/lapor/foto/" not in anon.get(f"/lapor/{code}").get_data(
        as_text=True
    ):
        time.sleep(0.3)
    html = anon.get(f"/lapor/{code}").get_data(as_text=True)
    src = html.split('<img src="')[1].split('"')[0]
    img = anon.get(src)
    assert img.status_code == 200 and img.mimetype == "image/jpeg"
    assert b"Exif" not in img.data[:200] and b"GPS" not in img.data
    with uow() as s:
        c = s.scalar(select(Complaint).where(Complaint.code == code))
        assert c is not None and c.reporter_name == "Budi" and c.channel.value == "formulir"
    detail = login("demo.trantib").get(f"/api/v1/complaints/{c.id}").get_json()
    assert detail["photos"][0]["status"] == "diproses"
    assert detail["photos"][0]["flags"] is not None


def rules_code(code: str) -> bool:
    from k3zones.complaints import CODE_RE  # why: only this helper reads the code pattern

    return bool(CODE_RE.match(code))


@pytest.fixture()
def roomy_limit(app: Any) -> Any:
    """Many posts from one address in one test (the limit itself is tested apart)."""
    st_ = app.extensions["k3"].settings
    old = st_.complaint_limit_per_address
    object.__setattr__(st_, "complaint_limit_per_address", "1000 per minute")
    yield
    object.__setattr__(st_, "complaint_limit_per_address", old)


def test_bad_submissions_are_clear_4xx_and_store_nothing(app, sample, anon, uow, roomy_limit):
    before = _count(uow)
    r = lapor(anon, lat="", long="")
    assert r.status_code == 422 and "Lokasi" in r.get_data(as_text=True)
    assert "Spanduk liar" in r.get_data(as_text=True)  # what was typed is kept
    r = lapor(anon, lat="-6.9", long="107.6")
    assert r.status_code == 422 and "di luar" in r.get_data(as_text=True)
    r = lapor(anon, [(b"%PDF-1.4\n" + b"x" * 2000, "surat.pdf")])
    assert r.status_code == 415 and "bukan foto" in r.get_data(as_text=True)
    big = b"\xff\xd8\xff\xe0" + b"\0" * (30 * 1024 * 1024)
    r = lapor(anon, [(big, "besar.jpg")])
    assert r.status_code == 413, r.status_code
    jpg = (PHOTOS / "jpg_gps_DSCN0042.jpg").read_bytes()
    r = lapor(anon, [(jpg, f"{i}.jpg") for i in range(4)])
    assert r.status_code == 422 and "Paling banyak 3" in r.get_data(as_text=True)
    r = lapor(anon, situs_web="http://spam.example")
    assert r.status_code == 422
    r = lapor(anon, description="<script>alert(1)</script> \x00")
    assert r.status_code == 422
    assert _count(uow) == before


def test_fifty_posts_a_minute_from_one_address(app, sample, anon, uow):
    before = _count(uow)
    codes = [lapor(anon, lat=str(-6.20 + i * 0.002)).status_code for i in range(50)]
    assert codes[:5] == [303] * 5
    assert set(codes[5:]) == {429}
    assert _count(uow) == before + 5
    # another address is not held back
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    assert lapor(other, lat="-6.19").status_code == 303


def test_status_page_for_unknown_and_hostile_codes(anon, sample):
    for code in ("ADU-ZZZZZZZZ", "<script>", "x" * 500, "%00"):
        r = anon.get(f"/lapor/{code}")
        assert r.status_code in (404, 422), (code, r.status_code)
        assert "<script>" not in r.get_data(as_text=True)


def test_figures_for_the_indicator(app, sample, login):
    ctx = app.extensions["k3"]
    for cat in ("pkl", "pkl", "sampah"):  # the second pkl merges into the first
        complaints.submit(
            ctx.uow, ctx.storage, complaint_input(OWN, cat), channel=ComplaintChannel.FORMULIR
        )
    trantib = login("demo.trantib")
    sampah = next(
        x["id"]
        for x in trantib.get("/api/v1/complaints").get_json()["items"]
        if x["category"] == "sampah"
    )
    act(
        trantib,
        sampah,
        action="tolak",
        reason="x",
        reject_reason="bukan_wewenang",
        public_note="Wewenang DLH kota.",
    )
    year = datetime.now(UTC).astimezone(WIB).year
    month = datetime.now(UTC).astimezone(WIB).month
    for period in (str(year), f"{year}-{month:02d}", f"{year}-T{(month - 1) // 3 + 1}"):
        f = login("demo.pimpinan").get(f"/api/v1/complaint-figures?period={period}").get_json()
        assert (f["received"], f["duplicates"], f["rejected"], f["open"]) == (3, 1, 1, 1), f
        assert f["closed"] == 0 and f["pct_within_sla"] is None
        assert {c["category"] for c in f["by_category"]} == {"pkl", "sampah"}
    empty = trantib.get(f"/api/v1/complaint-figures?period={year - 1}").get_json()
    assert empty["received"] == 0
    assert_problem(trantib.get("/api/v1/complaint-figures?period=2026-13"), 422)
    assert_problem(trantib.get("/api/v1/complaint-figures"), 422)


def test_sla_is_configurable_per_kecamatan(app, sample, login):
    pimpinan = login("demo.pimpinan")
    table = pimpinan.get("/api/v1/complaint-sla").get_json()
    row = next(r for r in table if (r["category"], r["state"]) == ("pkl", "baru"))
    assert row == {
        "kecamatan": OWN,
        "category": "pkl",
        "state": "baru",
        "working_days": 1,
        "own": False,
    }
    r = pimpinan.put(
        "/api/v1/complaint-sla", json={"category": "pkl", "state": "baru", "working_days": 3}
    )
    assert r.status_code == 200, r.get_json()
    row = next(x for x in r.get_json() if (x["category"], x["state"]) == ("pkl", "baru"))
    assert row["working_days"] == 3 and row["own"] is True
    cid = new_complaint(app, OWN)
    c = login("demo.trantib").get(f"/api/v1/complaints/{cid}").get_json()
    since = datetime.fromisoformat(c["sla"]["state_since"])
    assert datetime.fromisoformat(c["sla"]["due_at"]) == add_working_days(WorkCalendar(), since, 3)
    assert_problem(
        pimpinan.put(
            "/api/v1/complaint-sla",
            json={"category": "pkl", "state": "selesai", "working_days": 3},
        ),
        422,
    )
    assert_problem(
        pimpinan.put(
            "/api/v1/complaint-sla", json={"category": "pkl", "state": "baru", "working_days": 0}
        ),
        422,
    )
    assert_problem(login("demo.kota").put("/api/v1/complaint-sla", json={}), 403)


def test_breach_notifier_interface_and_lost_photo_tasks(app, sample, uow):
    ctx = app.extensions["k3"]
    cid = new_complaint(app, OWN)
    overdue(app, cid)
    got: list[tuple[int, str, str]] = []

    def failing(kecamatan_id: int, code: str, message: str) -> None:
        got.append((kecamatan_id, code, message))
        raise RuntimeError("WhatsApp gateway down")

    assert complaints.escalate_breaches(ctx.uow, notify=failing) == 1
    assert len(got) == 1 and got[0][1].startswith("ADU-")
    assert complaints.escalate_breaches(ctx.uow, notify=failing) == 0 and len(got) == 1
    # a citizen's photo whose task was lost is queued again
    photo = (PHOTOS / "jpg_gps_DSCN0042.jpg").read_bytes()
    up = spool(io.BytesIO(photo), 10**8)
    assert up is not None
    done = complaints.submit(
        ctx.uow,
        ctx.storage,
        complaint_input(OWN, "spanduk"),
        channel=ComplaintChannel.FORMULIR,
        photos=[complaints.check_photo(up)],
    )
    with uow() as s, s.begin():
        s.execute(delete(Outbox))
        s.execute(
            update(ComplaintPhoto)
            .where(ComplaintPhoto.id == done.photo_ids[0])
            .values(received_at=func.now() - text("interval '1 hour'"))
        )
    assert complaints.requeue_stuck_photos(ctx.uow, older_than=timedelta(minutes=10)) == 1
    with uow() as s:
        assert s.scalar(select(Outbox.dedup_key)) == f"cphoto:{done.photo_ids[0]}"
