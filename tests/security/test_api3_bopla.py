"""API3:2023 Broken Object Property Level Authorization, for k3zones.

What it proves, reading: a role that may read an object does not thereby read every
property of it. NIP and phone numbers of people are for the kecamatan admin and the
person themselves; the address, browser and device of a sign-in (device sessions in the
audit trail) are for the admin; a photo's EXIF, its GPS point and the address of its
original file are for the officer who took it and the trantib/admin of its kecamatan;
which report of another kecamatan a photo was recycled from is for kota users only (the
finding itself stays visible to every reader of the report).

What it proves, writing (mass assignment): properties a caller may not set are refused
with 403/422 or left as they were: an officer sending review fields, another officer or
kecamatan, or `is_sample` with a report; a user sending role, kecamatan, username, NIP,
active or `is_sample` to /me; an admin sending kecamatan, username or `is_sample` for a
user. None of them changes the stored object.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.support.http import assert_problem, login_client
from tests.support.paths import PHOTOS
from tests.support.payloads import report as report_body
from tests.support.world import OTHER, OWN, World, make_world

HIDDEN = "[disembunyikan]"
STAFF_NOT_ADMIN = ("trantib", "pimpinan")


@pytest.fixture()
def world(app: Any, sample: Any) -> World:
    return make_world(app)


@pytest.fixture()
def clients(app: Any, sample: Any) -> dict[str, Any]:
    names = ("petugas", "petugas2", "trantib", "pimpinan", "admin", "kota")
    return {r: login_client(app, f"demo.{r}") for r in names}


# --- people: NIP and phone -------------------------------------------------------------


def test_nip_and_phone_only_for_the_admin_and_the_person(clients: dict[str, Any]) -> None:
    admin, petugas = clients["admin"], clients["petugas"]
    uid = petugas.tokens["user"]["id"]
    r = admin.patch(f"/api/v1/users/{uid}", json={"nip": "198001012006041001", "phone": "0812"})
    assert r.status_code == 200 and r.get_json()["nip"] == "198001012006041001"

    def seen(client: Any) -> list[dict[str, Any]]:
        one = client.get(f"/api/v1/users/{uid}").get_json()
        listed = client.get("/api/v1/users?kecamatan=medansatria").get_json()
        return [one, next(u for u in listed if u["id"] == uid)]

    for u in seen(admin):
        assert (u["nip"], u["phone"]) == ("198001012006041001", "0812")
    for role in ("trantib", "pimpinan", "kota"):
        for u in seen(clients[role]):
            assert u["nip"] is None and u["phone"] is None, (role, u)
            assert u["username"] == "demo.petugas"  # the rest of the entry is still there
    me = petugas.get("/api/v1/me").get_json()
    assert (me["nip"], me["phone"]) == ("198001012006041001", "0812")
    # A trantib still sees their own number in the list.
    trantib = clients["trantib"]
    tid = trantib.tokens["user"]["id"]
    trantib.patch("/api/v1/me", json={"phone": "0899"})
    listed = trantib.get("/api/v1/users").get_json()
    assert next(u for u in listed if u["id"] == tid)["phone"] == "0899"


# --- the audit trail: sign-in address and device ---------------------------------------


def test_session_ip_user_agent_and_device_only_for_the_admin(app: Any, sample: Any) -> None:
    c = app.test_client()
    r = c.post(
        "/api/v1/auth/login",
        json={
            "username": "demo.petugas",
            "password": "demo.petugas-Sandi#2024",
            "device_id": "hp-rahasia-01",
        },
        headers={"User-Agent": "PonselUji/9.9"},
        environ_base={"REMOTE_ADDR": "198.51.100.23"},
    )
    assert r.status_code == 200
    sid = r.get_json()["session_id"]
    url = f"/api/v1/audit?entity=auth_session&entity_id={sid}"

    [entry] = login_client(app, "demo.admin").get(url).get_json()["items"]
    assert entry["changes"]["device_id"]["after"] == "hp-rahasia-01"
    assert entry["changes"]["user_agent"]["after"] == "PonselUji/9.9"
    assert entry["hidden"] == []
    for role in STAFF_NOT_ADMIN:
        page = login_client(app, f"demo.{role}").get(url)
        [e] = page.get_json()["items"]
        text = json.dumps(e)
        assert (
            "hp-rahasia-01" not in text and "PonselUji" not in text and "198.51.100.23" not in text
        )
        assert e["ip"] is None
        for key in ("device_id", "user_agent"):
            assert e["changes"][key]["after"] == HIDDEN
            assert f"changes.{key}" in e["hidden"]
        assert e["actor"] and e["action"] == "create"  # who and what stay readable


def test_nip_changes_in_the_audit_trail_only_for_the_admin(
    app: Any, clients: dict[str, Any]
) -> None:
    uid = clients["petugas"].tokens["user"]["id"]
    clients["admin"].patch(f"/api/v1/users/{uid}", json={"nip": "197001012000031002"})
    url = f"/api/v1/audit?entity=app_user&entity_id={uid}&action=update"
    admin_view = clients["admin"].get(url).get_json()["items"]
    assert any("197001012000031002" in json.dumps(e) for e in admin_view)
    for role in STAFF_NOT_ADMIN:
        items = clients[role].get(url).get_json()["items"]
        assert items and "197001012000031002" not in json.dumps(items)


# --- photos: EXIF, GPS, the original ---------------------------------------------------


def test_exif_gps_and_original_only_for_its_officer_and_reviewers(
    world: World, clients: dict[str, Any]
) -> None:
    rid = world.report(OWN, author="demo.petugas")
    world.photo_of(rid, "demo.petugas", processed=True)
    for role in ("petugas", "trantib", "admin"):
        [p] = clients[role].get(f"/api/v1/reports/{rid}").get_json()["photos"]
        assert p["exif"] and p["gps"]["type"] == "Point", role
        assert p["urls"]["original"] and p["urls"]["web"], role
        assert clients[role].get(p["urls"]["original"]).status_code == 200, role
    for role in ("pimpinan", "kota"):
        [p] = clients[role].get(f"/api/v1/reports/{rid}").get_json()["photos"]
        assert p["exif"] is None and p["gps"] is None, role
        assert p["urls"]["original"] is None and p["urls"]["web"], role
        assert p["taken_at"] is not None  # the evidence checks stay readable
        assert clients[role].get(p["urls"]["web"]).status_code == 200
        assert_problem(clients[role].get(f"/api/v1/photos/{p['id']}/original"), 403, "/web")


def test_every_read_of_an_original_is_logged_for_the_admin(
    world: World, clients: dict[str, Any]
) -> None:
    rid = world.report(OWN, author="demo.petugas")
    pid = world.photo_of(rid, "demo.petugas", processed=True)
    trantib = clients["trantib"]
    assert trantib.get(f"/api/v1/photos/{pid}/original").status_code == 200
    clients["pimpinan"].get(f"/api/v1/photos/{pid}/original")  # refused: nothing read
    clients["petugas"].get(f"/api/v1/photos/{pid}/web")  # no original: not logged

    page = clients["admin"].get(f"/api/v1/photo-reads?photo={pid}").get_json()
    [read] = page["items"]
    assert read["username"] == "demo.trantib" and read["role"] == "trantib"
    assert read["photo_id"] == pid and read["report_id"] == rid
    assert read["user_id"] == trantib.tokens["user"]["id"]
    assert read["at"] and read["ip"] and read["kecamatan"] == "medansatria"
    by_user = f"/api/v1/photo-reads?user={read['user_id']}&since=2000-01-01&until=2999-12-31"
    assert [x["id"] for x in clients["admin"].get(by_user).get_json()["items"]] == [read["id"]]
    for role in ("petugas", "trantib", "pimpinan", "kota"):
        assert_problem(clients[role].get("/api/v1/photo-reads"), 403)


def test_the_read_log_pages_by_keyset_and_stays_in_its_kecamatan(
    app: Any, world: World, clients: dict[str, Any]
) -> None:
    rid = world.report(OWN, author="demo.petugas")
    pid = world.photo_of(rid, "demo.petugas", processed=True)
    for _ in range(3):
        clients["petugas"].get(f"/api/v1/photos/{pid}/original")
    admin = clients["admin"]
    first = admin.get("/api/v1/photo-reads?limit=2").get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = admin.get(f"/api/v1/photo-reads?limit=2&cursor={first['next_cursor']}").get_json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    # Bantargebang's admin sees none of them, and cannot name Medansatria.
    other_admin = login_client(app, "admin.bantargebang", "x-Sandi#2024")
    assert other_admin.get("/api/v1/photo-reads").get_json()["items"] == []
    assert_problem(other_admin.get("/api/v1/photo-reads?kecamatan=medansatria"), 404)


# --- recycled photos: which report of another kecamatan ----------------------------------


def test_recycled_flag_names_another_kecamatans_report_only_to_kota(
    world: World, clients: dict[str, Any]
) -> None:
    # The same photo first in Bantargebang, then in Medansatria: detection is city-wide.
    other_rid = world.report(OTHER)
    world.photo_of(other_rid, "petugas.bantargebang", processed=True)
    rid = world.report(OWN, author="demo.petugas")
    world.photo_of(rid, "demo.petugas", processed=True)

    for role in ("petugas", "trantib", "pimpinan", "admin"):
        body = clients[role].get(f"/api/v1/reports/{rid}").get_json()
        [p] = body["photos"]
        flag = p["flags"]["duplicate"]
        assert flag["report_id"] is None and flag["photo_id"] is None, role
        assert flag["kecamatan_lain"] is True and "kecamatan lain" in flag["message"]
        assert body["flags"]["photo_duplicate"]["photos"] == 1  # the finding stays
        assert other_rid not in json.dumps(body), role
    [p] = clients["kota"].get(f"/api/v1/reports/{rid}").get_json()["photos"]
    assert p["flags"]["duplicate"]["report_id"] == other_rid
    # Nor through the audit trail of the photo's processing.
    audit = clients["admin"].get("/api/v1/audit?entity=photo&limit=200").get_json()
    assert audit["items"] and other_rid not in json.dumps(audit)


def test_recycled_flag_within_the_kecamatan_keeps_its_ids(
    world: World, clients: dict[str, Any]
) -> None:
    data = (PHOTOS / "jpg_gps_DSCN0042.jpg").read_bytes()
    first = world.report(OWN, author="demo.petugas")
    world.photo_of(first, "demo.petugas", data=data, processed=True)
    again = world.report(OWN, author="demo.petugas")
    world.photo_of(again, "demo.petugas", data=data, processed=True)
    [p] = clients["trantib"].get(f"/api/v1/reports/{again}").get_json()["photos"]
    assert p["flags"]["duplicate"]["report_id"] == first


# --- mass assignment -------------------------------------------------------------------


def test_an_officer_cannot_set_review_or_ownership_fields(
    app: Any, world: World, clients: dict[str, Any]
) -> None:
    petugas = clients["petugas"]
    created = petugas.post("/api/v1/reports", json=report_body())
    assert created.status_code == 201
    rid = created.get_json()["id"]
    me = petugas.tokens["user"]["id"]
    other_officer = world.user(OWN)
    for field, value in (
        ("review_state", "diterima"),
        ("review_note", "beres"),
        ("reviewed_by", str(uuid.uuid4())),
        ("reviewed_at", "2024-05-03T00:00:00+07:00"),
    ):
        body = {k: v for k, v in report_body().items() if k != "id"} | {field: value}
        assert_problem(petugas.patch(f"/api/v1/reports/{rid}", json=body), 403, "Seksi Trantib")
    for field, value in (
        ("officer_id", other_officer),
        ("kecamatan_id", 999),
        ("kecamatan", OTHER),
        ("is_sample", True),
        ("version", 99),
        ("flags", {}),
    ):
        body = {k: v for k, v in report_body().items() if k != "id"} | {field: value}
        r = petugas.patch(f"/api/v1/reports/{rid}", json=body)
        assert r.status_code in (200, 403, 422), (field, r.status_code)
        new = report_body() | {field: value}
        r2 = petugas.post("/api/v1/reports", json=new)
        assert r2.status_code in (201, 403, 422), (field, r2.status_code)
        if r2.status_code == 201:
            assert r2.get_json()["officer_id"] == me
    after = clients["trantib"].get(f"/api/v1/reports/{rid}").get_json()
    assert after["review_state"] == "menunggu" and after["officer_id"] == me
    assert after["review_note"] is None
    listed = clients["kota"].get(f"/api/v1/reports?kecamatan={OTHER}").get_json()["items"]
    assert listed == []  # nothing landed in Bantargebang


def test_a_user_cannot_raise_their_own_account(clients: dict[str, Any]) -> None:
    petugas = clients["petugas"]
    before = petugas.get("/api/v1/me").get_json()
    for field, value in (
        ("role", "admin"),
        ("kecamatan", OTHER),
        ("username", "demo.admin2"),
        ("active", False),
        ("nip", "1"),
    ):
        assert_problem(petugas.patch("/api/v1/me", json={field: value}), 403)
    for field, value in (("is_sample", True), ("id", str(uuid.uuid4())), ("kecamatan_id", 2)):
        r = petugas.patch("/api/v1/me", json={field: value})
        assert r.status_code in (403, 422), (field, r.status_code)
    after = petugas.get("/api/v1/me").get_json()
    for key in ("role", "kecamatan", "username", "active", "nip", "is_sample", "id"):
        assert after[key] == before[key], key


def test_an_admin_cannot_move_or_rename_a_user_by_patch(clients: dict[str, Any]) -> None:
    admin = clients["admin"]
    uid = clients["petugas"].tokens["user"]["id"]
    before = admin.get(f"/api/v1/users/{uid}").get_json()
    for field, value in (
        ("kecamatan", OTHER),
        ("username", "ganti.nama"),
        ("is_sample", True),
        ("id", str(uuid.uuid4())),
    ):
        r = admin.patch(f"/api/v1/users/{uid}", json={field: value})
        assert r.status_code in (403, 422), (field, r.status_code)
    assert_problem(admin.patch(f"/api/v1/users/{uid}", json={"role": "kota"}), 403, "kota")
    after = admin.get(f"/api/v1/users/{uid}").get_json()
    assert after == before
