"""API1:2023 Broken Object Level Authorization, for k3zones.

What it proves: an object id from another kecamatan reaches nothing. For every kind of
object a URL can name (reports, their photos as original/web/thumb files, zones and their
status, decrees and their PDF, teams, users, device sessions, export jobs and their file,
indicator snapshots), every role of one kecamatan that the permission table lets through
gets 404 for the other kecamatan's object, exactly as for an id nobody ever made (a
guessed uuid4): the answer does not even confirm that the object exists. Roles the
permission table refuses get the same 403 for a real id as for a guessed one. Inside a
kecamatan, a team-mate officer who may read a report still cannot open the original of a
photo another officer took.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from api.policy import POLICY
from k3zones.models import Role
from tests.support.http import assert_problem, login_client
from tests.support.world import JPEG, OTHER, OTHER_USERS, OWN, OWN_TEAM, World, make_world

NO_ROLES: frozenset[Role] = frozenset()


@dataclass(frozen=True)
class ObjectCase:
    what: str
    method: str
    path: str  # "{id}" is the object's id
    make: Callable[[World, str], str]  # makes one in a kecamatan, returns its id
    body: dict[str, Any] | None = None
    raw: bytes | None = None


def _report_body(kec: str) -> dict[str, Any]:
    coords = [106.995, -6.33] if kec == OTHER else [106.985, -6.19]
    return {
        "type": "patroli",
        "started_at": "2024-05-02T08:20:00+07:00",
        "location": {"type": "Point", "coordinates": coords},
        "photos_expected": 1,
    }


CASES = [
    ObjectCase("laporan", "GET", "/api/v1/reports/{id}", lambda w, k: w.report(k)),
    ObjectCase(
        "laporan (ubah)",
        "PATCH",
        "/api/v1/reports/{id}",
        lambda w, k: w.report(k),
        _report_body(OTHER),
    ),
    ObjectCase(
        "laporan (tinjau)",
        "POST",
        "/api/v1/reports/{id}/review",
        lambda w, k: w.report(k),
        {"state": "diterima"},
    ),
    ObjectCase(
        "laporan (kirim foto)",
        "PUT",
        "/api/v1/reports/{id}/photos/" + str(uuid.uuid4()),
        lambda w, k: w.report(k),
        raw=JPEG,
    ),
    ObjectCase("foto asli", "GET", "/api/v1/photos/{id}/original", lambda w, k: w.photo(k)),
    ObjectCase("foto web", "GET", "/api/v1/photos/{id}/web", lambda w, k: w.photo(k)),
    ObjectCase("foto kecil", "GET", "/api/v1/photos/{id}/thumb", lambda w, k: w.photo(k)),
    ObjectCase("zona", "GET", "/api/v1/zones/{id}", lambda w, k: w.zone(k)),
    ObjectCase(
        "zona (ubah)",
        "PATCH",
        "/api/v1/zones/{id}",
        lambda w, k: w.zone(k),
        {"type": "Feature", "properties": {"notes": "diubah"}},
    ),
    ObjectCase("zona (hapus)", "DELETE", "/api/v1/zones/{id}", lambda w, k: w.zone(k)),
    ObjectCase("status zona", "GET", "/api/v1/zones/{id}/status", lambda w, k: w.zone(k)),
    ObjectCase("area pantau", "GET", "/api/v1/zones/{id}/monitoring-area", lambda w, k: w.zone(k)),
    ObjectCase(
        "verifikasi zona",
        "POST",
        "/api/v1/zones/{id}/verify",
        lambda w, k: w.zone(k),
        {"kategori": "baik", "note": "uji"},
    ),
    ObjectCase("SK", "GET", "/api/v1/decrees/{id}", lambda w, k: w.decree(k)),
    ObjectCase(
        "SK (ubah)", "PATCH", "/api/v1/decrees/{id}", lambda w, k: w.decree(k), {"notes": "x"}
    ),
    ObjectCase(
        "PDF SK", "GET", "/api/v1/decrees/{id}/attachment", lambda w, k: w.decree_with_pdf(k)
    ),
    ObjectCase("tim", "GET", "/api/v1/teams/{id}", lambda w, k: w.team(k)),
    ObjectCase(
        "tim (ubah)", "PATCH", "/api/v1/teams/{id}", lambda w, k: w.team(k), {"name": "Tim X"}
    ),
    ObjectCase("pengguna", "GET", "/api/v1/users/{id}", lambda w, k: w.user(k)),
    ObjectCase(
        "pengguna (ubah)", "PATCH", "/api/v1/users/{id}", lambda w, k: w.user(k), {"phone": "1"}
    ),
    ObjectCase("sesi pengguna", "GET", "/api/v1/users/{id}/sessions", lambda w, k: w.user(k)),
    ObjectCase(
        "cabut sesi",
        "POST",
        "/api/v1/sessions/{id}/revoke",
        lambda w, k: w.session(k),
        {"reason": "uji"},
    ),
    ObjectCase("ekspor", "GET", "/api/v1/exports/{id}", lambda w, k: w.export_job(k)),
    ObjectCase(
        "berkas ekspor",
        "GET",
        "/api/v1/exports/{id}/file",
        lambda w, k: w.export_job(k, built=True),
    ),
    ObjectCase(
        "setujui snapshot",
        "POST",
        "/api/v1/snapshots/{id}/approve",
        lambda w, k: w.snapshot(k),
    ),
]


@pytest.fixture()
def world(app: Any, sample: Any) -> World:
    return make_world(app)


def _call(client: Any, case: ObjectCase, object_id: str) -> Any:
    path = case.path.format(id=object_id)
    if case.raw is not None:
        return client.open(path, method=case.method, data=case.raw, content_type="image/jpeg")
    if case.body is not None:
        return client.open(path, method=case.method, json=case.body)
    return client.open(path, method=case.method)


def _allowed(app: Any, case: ObjectCase, object_id: str) -> frozenset[Role]:
    adapter = app.url_map.bind("localhost")
    endpoint, _ = adapter.match(case.path.format(id=object_id), method=case.method)
    return POLICY.get((endpoint, case.method), NO_ROLES)


def _check(app: Any, world: World, readers: dict[str, Any], owner: str) -> list[str]:
    failures = []
    for case in CASES:
        real = case.make(world, owner)
        guessed = str(uuid.uuid4())
        allowed = _allowed(app, case, real)
        for role, client in readers.items():
            want = 404 if Role(role) in allowed else 403
            for label, oid in (("id nyata", real), ("uuid4 tebakan", guessed)):
                resp = _call(client, case, oid)
                if resp.status_code != want or resp.mimetype != "application/problem+json":
                    failures.append(
                        f"{case.method} {case.what} ({label}) of {owner} as {role}: "
                        f"{resp.status_code} {resp.mimetype}, want {want}"
                    )
    return failures


def test_another_kecamatans_objects_are_404_for_every_role(app: Any, world: World) -> None:
    """Medansatria's petugas, trantib, pimpinan and admin name Bantargebang's objects."""
    readers = {
        r: login_client(app, f"demo.{r}") for r in ("petugas", "trantib", "pimpinan", "admin")
    }
    failures = _check(app, world, readers, OTHER)
    assert not failures, "\n".join(failures)


def test_and_the_other_way_round(app: Any, world: World) -> None:
    """Bantargebang's own people name Medansatria's objects: the same 404."""
    readers = {r: login_client(app, name, "x-Sandi#2024") for r, name in OTHER_USERS.items()}
    failures = _check(app, world, readers, OWN)
    assert not failures, "\n".join(failures)


def test_the_city_reads_both_but_a_guess_is_still_404(app: Any, world: World) -> None:
    kota = login_client(app, "demo.kota")
    rid = world.report(OTHER)
    assert kota.get(f"/api/v1/reports/{rid}").status_code == 200
    assert_problem(kota.get(f"/api/v1/reports/{uuid.uuid4()}"), 404, "tidak ditemukan")
    pid = world.photo(OTHER)
    assert kota.get(f"/api/v1/photos/{pid}/web").status_code == 200
    assert_problem(kota.get(f"/api/v1/photos/{uuid.uuid4()}/web"), 404, "tidak ditemukan")


def test_a_team_mate_reads_the_report_but_not_the_original(app: Any, world: World) -> None:
    team = world.team_id(OWN_TEAM)  # demo.petugas and demo.petugas2
    rid = world.report(OWN, author="demo.petugas", team=team)
    pid = world.photo_of(rid, "demo.petugas", processed=True)
    mate = login_client(app, "demo.petugas2")

    report = mate.get(f"/api/v1/reports/{rid}")
    assert report.status_code == 200, report.get_json()
    [photo] = report.get_json()["photos"]
    assert photo["urls"]["original"] is None and photo["urls"]["web"]
    assert photo["exif"] is None and photo["gps"] is None

    body = assert_problem(mate.get(f"/api/v1/photos/{pid}/original"), 403, "versi web", "/web")
    assert "EXIF" in body["detail"]
    assert mate.get(f"/api/v1/photos/{pid}/web").status_code == 200
    assert mate.get(f"/api/v1/photos/{pid}/thumb").status_code == 200
    # A report its officer filed without the team: the team-mate does not even learn
    # that it exists, nor its photos.
    outsider = mate
    other_rid = world.report(OWN, author="demo.petugas")
    other_pid = world.photo_of(other_rid, "demo.petugas", processed=True)
    assert_problem(outsider.get(f"/api/v1/reports/{other_rid}"), 404)
    for variant in ("original", "web", "thumb"):
        assert_problem(outsider.get(f"/api/v1/photos/{other_pid}/{variant}"), 404)
