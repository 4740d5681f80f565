"""Complaints that reach the office by phone, WhatsApp, in person or by letter, recorded by
Seksi Trantib (POST /api/v1/complaints); a point set or corrected by hand (an Open311
complaint with only an address); a photo's original for Trantib/admin, each read logged;
two identical complaints at the same instant merged, not both stored."""

from __future__ import annotations

import json
import math
import threading
import uuid
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from k3zones.audit import SYSTEM, acting_as
from k3zones.complaints import DuplicateRule
from k3zones.enums import ComplaintChannel
from k3zones.models import AuditLog, Complaint
from k3zones.services import complaints
from tests.support.complaints import complaint_input, intake_body, new_complaint_photo
from tests.support.http import assert_problem
from tests.support.world import JPEG, OTHER, OWN, POINT, make_world

JSON = "application/json"
FAR = {"lat": -6.9, "lon": 107.6}  # Bandung: outside Medansatria


def _count(uow: Any) -> int:
    with uow() as s:
        return int(s.scalar(select(func.count()).select_from(Complaint)) or 0)


def test_staff_record_a_phone_complaint_and_a_retry_stores_nothing_new(app, sample, login, uow):
    trantib = login("demo.trantib")
    key = {"Idempotency-Key": "telepon-0001"}
    r = trantib.post("/api/v1/complaints", json=intake_body(OWN), headers=key)
    assert r.status_code == 201, r.get_json()
    c = r.get_json()
    assert r.headers["Location"].endswith(f"/api/v1/complaints/{c['id']}")
    assert (c["channel"], c["state"], c["category"]) == ("telepon", "baru", "pkl")
    assert c["reporter"]["name"] == "Ibu Sari" and c["reporter"]["phone"] == "0812 3456 7890"
    assert c["sla"]["due_at"] is not None and c["kelurahan_id"] is not None
    assert c["transitions"][0]["actor"] == "demo.trantib (dicatat, telepon)"
    assert trantib.get(f"/api/v1/complaints/{c['id']}").get_json() == c  # the same body
    # A retried click: the same answer, nothing new stored.
    again = trantib.post("/api/v1/complaints", json=intake_body(OWN), headers=key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == c["id"] and _count(uow) == 1
    other = intake_body(OWN, description="Isi lain dengan kunci yang sama")
    assert_problem(trantib.post("/api/v1/complaints", json=other, headers=key), 422, "kunci")
    assert_problem(
        trantib.post("/api/v1/complaints", json=intake_body(OWN), headers={"Idempotency-Key": ""}),
        422,
    )
    # Without a key, the same complaint again is merged into the first, as from /lapor.
    dup = trantib.post("/api/v1/complaints", json=intake_body(OWN, channel="whatsapp"))
    assert dup.status_code == 201
    assert (dup.get_json()["state"], dup.get_json()["duplicate_of"]) == ("ditolak", c["id"])
    # An address only (a walk-in who cannot point at a map): stored without a point.
    walk_in = intake_body(OWN, channel="langsung", lat=None, lon=None, address="Jl. Sultan Agung")
    r = login("demo.admin").post("/api/v1/complaints", json=walk_in)
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["lat"], r.get_json()["zone_id"]) == (None, None)
    assert _count(uow) == 3
    # Refused, nothing stored.
    for body, words in [
        (intake_body(OWN, lat=None, lon=None), "Lokasi wajib"),
        (intake_body(OWN, lon=None), "lintang dan bujur"),
        (intake_body(OWN, **FAR), "di luar"),
        (intake_body(OWN, description="  pendek   "), "10 huruf"),
        (intake_body(OWN, channel="open311"), "telepon"),
        (intake_body(OWN, reporter_phone="12"), "telepon"),
    ]:
        assert_problem(trantib.post("/api/v1/complaints", json=body), 422, words)
    assert_problem(trantib.post("/api/v1/complaints", json=intake_body(OTHER)), 404)
    assert_problem(login("demo.pimpinan").post("/api/v1/complaints", json=intake_body(OWN)), 403)
    assert_problem(login("demo.petugas").post("/api/v1/complaints", json=intake_body(OWN)), 403)
    assert _count(uow) == 3


def test_set_and_correct_the_point_of_a_complaint(app, sample, login, uow):
    trantib = login("demo.trantib")
    body = intake_body(OWN, lat=None, lon=None, address="Depan Pasar Medansatria")
    c = trantib.post("/api/v1/complaints", json=body).get_json()
    url = f"/api/v1/complaints/{c['id']}/location"
    lon, lat = POINT[OWN]
    r = trantib.post(url, json={"lat": lat, "lon": lon, "version": c["version"]})
    assert r.status_code == 200, r.get_json()
    moved = r.get_json()
    assert (round(moved["lat"], 6), round(moved["lon"], 6)) == (lat, lon)
    assert moved["kelurahan_id"] is not None and moved["version"] == c["version"] + 1
    assert moved["address"] == "Depan Pasar Medansatria"
    # Someone else moved it first: 409; outside the kecamatan: 422 in Indonesian.
    assert_problem(trantib.post(url, json={"lat": lat, "lon": lon, "version": c["version"]}), 409)
    assert_problem(
        trantib.post(url, json={**FAR, "version": moved["version"]}), 422, "di luar wilayah"
    )
    assert_problem(trantib.post(url, json={"lat": 91, "lon": lon, "version": 2}), 422)
    assert_problem(login("demo.pimpinan").post(url, json={"lat": lat, "lon": lon}), 403)
    # Corrected a little: the audit log has the old and the new point.
    r = trantib.post(url, json={"lat": lat + 0.001, "lon": lon, "version": moved["version"]})
    assert r.status_code == 200 and r.get_json()["version"] == moved["version"] + 1
    with uow() as s:
        rows = list(
            s.scalars(
                select(AuditLog.changes)
                .where(AuditLog.entity == "complaint", AuditLog.entity_id == c["id"])
                .where(AuditLog.action == "update", AuditLog.actor == "demo.trantib")
                .order_by(AuditLog.id)
            )
        )
    points = [x["location"] for x in rows if "location" in x]
    assert points[0]["before"] is None and points[0]["after"]["type"] == "Point"
    assert points[1]["before"] == points[0]["after"]
    assert math.isclose(points[1]["after"]["coordinates"][1], lat + 0.001)


def test_the_original_photo_is_for_trantib_and_admin_and_each_read_is_logged(
    app, sample, login, uow
):
    pid = new_complaint_photo(app, OWN)
    with uow() as s:
        cid = s.scalar(select(Complaint.id).order_by(Complaint.received_at.desc()).limit(1))
    trantib, pim = login("demo.trantib"), login("demo.pimpinan")
    [photo] = trantib.get(f"/api/v1/complaints/{cid}").get_json()["photos"]
    assert photo["original_url"] == f"/api/v1/complaint-photos/{pid}/original"
    assert pim.get(f"/api/v1/complaints/{cid}").get_json()["photos"][0]["original_url"] is None
    r = trantib.get(photo["original_url"], headers={"X-Request-ID": "req-asli-1"})
    assert r.status_code == 200 and r.data == JPEG and r.mimetype == "image/jpeg"
    assert "no-store" in r.headers["Cache-Control"]
    assert_problem(pim.get(photo["original_url"]), 403)
    assert_problem(trantib.get(f"/api/v1/complaint-photos/{uuid.uuid4()}/original"), 404)
    with uow() as s:
        [(actor, action, changes)] = s.execute(
            select(AuditLog.actor, AuditLog.action, AuditLog.changes).where(
                AuditLog.entity == "complaint_photo",
                AuditLog.entity_id == pid,
                AuditLog.action == "baca_foto_asli",
            )
        ).all()
    assert (actor, action) == ("demo.trantib", "baca_foto_asli")
    assert changes["complaint_id"] == str(cid)


def test_identical_complaints_at_the_same_instant_are_merged(app, sample, uow):
    """Two submits race (a barrier releases both threads at once), three times: each
    time one is stored and the other merged into it, never two open ones."""
    ctx = app.extensions["k3"]
    rule = DuplicateRule(max_m=50.0, max_days=3)
    for category in ("pkl", "sampah", "spanduk"):
        gate = threading.Barrier(2)
        done: list[Any] = []
        errors: list[BaseException] = []

        def one(
            cat: str = category,
            gate: threading.Barrier = gate,
            done: list[Any] = done,
            errors: list[BaseException] = errors,
        ) -> None:
            try:
                gate.wait(timeout=10)
                with acting_as(SYSTEM):
                    done.append(
                        complaints.submit(
                            ctx.uow,
                            ctx.storage,
                            complaint_input(OWN, cat),
                            channel=ComplaintChannel.FORMULIR,
                            duplicate=rule,
                        )
                    )
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=one) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert not errors, errors
        assert len(done) == 2
        assert sorted(d.merged_into is None for d in done) == [False, True], category
        with uow() as s:
            rows = s.execute(
                select(Complaint.id, Complaint.duplicate_of, Complaint.duplicates).where(
                    Complaint.category == category
                )
            ).all()
        first = next(r for r in rows if r.duplicate_of is None)
        assert len(rows) == 2 and first.duplicates == 1
        assert next(r for r in rows if r.duplicate_of is not None).duplicate_of == first.id


HOSTILE_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "\x00",
            "a\ud800b",
            "<script>alert(1)</script>",
            '=HYPERLINK("http://x")',
            "+62 812",
            "x" * 5000,
            "   ",
        ]
    ),
)
HOSTILE_NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([10**400, -(10**400), 1e308, "-6.19", None, True]),
)


@settings(
    max_examples=16,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    field=st.sampled_from(
        ["description", "address", "reporter_name", "reporter_email", "kecamatan"]
    ),
    text=HOSTILE_TEXT,
    lat=st.one_of(st.none(), HOSTILE_NUMBER),  # None: the kecamatan's own (valid) latitude
)
def test_hostile_intake_is_a_4xx_or_stored_as_given(app, sample, login, field, text, lat):
    trantib = login("demo.trantib")
    body = {**intake_body(OWN, description=f"Uji laporan {uuid.uuid4()}"), field: text}
    if lat is not None:
        body["lat"] = lat
    # json.dumps: lone surrogates as \ud800 escapes, NaN and Infinity as the bare words a
    # careless client writes (not JSON: refused).
    r = trantib.post("/api/v1/complaints", data=json.dumps(body), content_type=JSON)
    event(f"intake {r.status_code}")
    assert r.status_code in (201, 400, 404, 422), (r.status_code, r.get_data(as_text=True)[:300])
    if r.status_code == 201:
        c = r.get_json()
        assert isinstance(c["lat"], float) and -90 <= c["lat"] <= 90
        stored = c["reporter"]["email"] if field == "reporter_email" else c.get(field)
        if field == "reporter_name":
            stored = c["reporter"]["name"]
        if field != "kecamatan":
            assert stored == (text.strip() or None)
    items = trantib.get("/api/v1/complaints?limit=1").get_json()["items"]
    if items:  # the same numbers as a corrected point (a stale version: 409 at best)
        loc = trantib.post(
            f"/api/v1/complaints/{items[0]['id']}/location",
            data=json.dumps({"lat": lat, "lon": POINT[OWN][0], "version": 10**6}),
            content_type=JSON,
        )
        assert loc.status_code in (400, 409, 422), loc.get_data(as_text=True)[:300]


def test_the_same_click_twice_at_once_stores_one_complaint(app, sample, uow):
    """Two requests with the same Idempotency-Key race: one complaint, both answers name it
    (the loser's insert of the key fails, it answers from the winner's record)."""
    ctx = app.extensions["k3"]
    w = make_world(app)
    caller = w.principal("demo.trantib")
    gate = threading.Barrier(2)
    out: list[tuple[dict[str, Any], bool]] = []
    errors: list[BaseException] = []
    inp = complaints.IntakeInput(
        channel=ComplaintChannel.WHATSAPP,
        category="parkir_liar",
        description="Parkir liar di bahu jalan, dikirim lewat WhatsApp",
        lat=POINT[OWN][1],
        lon=POINT[OWN][0],
    )

    def one() -> None:
        try:
            gate.wait(timeout=10)
            with acting_as(SYSTEM):
                out.append(
                    complaints.record_complaint(
                        ctx.uow, ctx.storage, caller, inp, idempotency_key="wa-0001"
                    )
                )
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert {d["id"] for d, _ in out} == {out[0][0]["id"]}
    assert sorted(replayed for _, replayed in out) == [False, True]
    assert _count(uow) == 1
