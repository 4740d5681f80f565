"""Tenancy and onboarding (issue 17): a kota user reads both sample kecamatan of Kota
Bekasi and nothing of another kota; a kecamatan onboarded by the CLI or by the admin kota's
API is one where a petugas can report; hostile create input is a 4xx, never a 500."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from k3zones.audit import SYSTEM, acting_as
from k3zones.auth import hash_password
from k3zones.models import Kota, Role, User
from k3zones.periods import today_wib
from tests.support.http import assert_problem, login_client
from tests.support.payloads import feature, point, report
from tests.support.strategies import hostile_geometries

JSON = "application/json"
BU = "bekasiutara"
BU_POINT = [107.0250, -6.1700]  # the sample's Contoh Zona Kuning 1 (Kaliabang Tengah)
# A new kecamatan east of both samples (no overlap), and its one zone.
NEW_BOX = [[107.06, -6.24], [107.10, -6.24], [107.10, -6.20], [107.06, -6.20], [107.06, -6.24]]
NEW_POINT = [107.08, -6.22]
PASSWORD = "Sandi-Awal#2026"


def _polygon(ring: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [ring]}


def _kelurahan() -> dict[str, Any]:
    west = [[107.06, -6.24], [107.08, -6.24], [107.08, -6.20], [107.06, -6.20], [107.06, -6.24]]
    east = [[107.08, -6.24], [107.10, -6.24], [107.10, -6.20], [107.08, -6.20], [107.08, -6.24]]
    return {
        "type": "FeatureCollection",
        "features": [
            feature(_polygon(west), name="Kelurahan Uji Barat"),
            feature(_polygon(east), name="Kelurahan Uji Timur"),
        ],
    }


def _zones() -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            feature(
                point(*NEW_POINT), name="Zona Uji Pasar", kategori="merah", kelurahan="Uji Timur"
            )
        ],
    }


def _patrol(lon_lat: list[float]) -> dict[str, Any]:
    return report(location=point(*lon_lat), photos_expected=0, findings=[])


def _kota_user(app: Any, kode: str, role: Role) -> Any:
    """A user of another kota (registered here), signed in."""
    uow = app.extensions["k3"].uow
    name = f"u{uuid.uuid4().hex[:8]}"
    with acting_as(SYSTEM), uow() as s, s.begin():
        kota_id = s.scalar(select(Kota.id).where(Kota.kode == kode))
        if kota_id is None:
            k = Kota(kode=kode, name="Kota Uji Lain", provinsi="Provinsi Uji")
            s.add(k)
            s.flush()
            kota_id = k.id
        s.add(
            User(
                id=uuid.uuid4(),
                username=name,
                full_name=name,
                role=role,
                kota_id=kota_id,
                password_hash=hash_password(PASSWORD),
            )
        )
    return login_client(app, name, PASSWORD)


def _names(resp: Any) -> set[str]:
    return {f["properties"]["kecamatan"] for f in resp.get_json()["features"]}


def test_a_kota_user_sees_both_sample_kecamatan_and_an_admin_only_their_own(app, sample, login):
    officer = login("demo.bu.petugas")
    r = officer.post("/api/v1/reports", json=_patrol(BU_POINT))
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.get_json()["zone_match"] == "gps"
    bu_report = r.get_json()["id"]

    for who in ("demo.kota", "demo.admin_kota"):
        kota = login(who)
        assert _names(kota.get("/api/v1/zones")) == {"medansatria", BU}
        assert bu_report in {x["id"] for x in kota.get("/api/v1/reports").get_json()["items"]}
        ind = kota.get("/api/v1/indicators/wilayah-tertib?year=2024").get_json()["items"]
        assert {i["kecamatan"] for i in ind} == {"medansatria", BU}
        listed = kota.get("/api/v1/kota/kecamatan").get_json()
        assert {k["slug"]: k["is_sample"] for k in listed} == {"medansatria": True, BU: True}
        assert {k["kota_kode"] for k in listed} == {"3275"}

    admin = login("demo.admin")
    assert _names(admin.get("/api/v1/zones")) == {"medansatria"}
    assert bu_report not in {x["id"] for x in admin.get("/api/v1/reports").get_json()["items"]}
    assert_problem(admin.get(f"/api/v1/reports/{bu_report}"), 404)
    assert not any(
        u["username"].startswith("demo.bu.") for u in admin.get("/api/v1/users").get_json()
    )
    assert_problem(admin.get("/api/v1/kota/kecamatan"), 403)
    assert_problem(admin.get(f"/api/v1/zones?kecamatan={BU}"), 404)
    # ...and Bekasi Utara's admin never sees Medansatria.
    bu_admin = login("demo.bu.admin")
    assert _names(bu_admin.get("/api/v1/zones")) == {BU}
    assert bu_report in {x["id"] for x in bu_admin.get("/api/v1/reports").get_json()["items"]}


def test_a_kota_user_of_another_kota_sees_neither(app, sample, login):
    other = _kota_user(app, "3171", Role.KOTA)
    assert other.get("/api/v1/zones").get_json()["features"] == []
    assert other.get("/api/v1/reports").get_json()["items"] == []
    assert other.get("/api/v1/kota/kecamatan").get_json() == []
    assert_problem(other.get("/api/v1/kota/kecamatan/medansatria/checklist"), 404)
    assert_problem(other.get(f"/api/v1/zones?kecamatan={BU}"), 404)
    assert other.get("/api/v1/me").get_json()["role"] == "kota"

    admin = _kota_user(app, "3171", Role.ADMIN_KOTA)
    body = {"slug": "uji-lain", "name": "Uji", "kota": "3275", "boundary": _polygon(NEW_BOX)}
    assert_problem(admin.post("/api/v1/kota/kecamatan", json=body), 403, "kota Anda")
    targets = {"targets": [{"year": 2026, "target_pct": 30}]}
    assert_problem(admin.put(f"/api/v1/kota/kecamatan/{BU}/targets", json=targets), 404)
    assert_problem(admin.post(f"/api/v1/kota/kecamatan/{BU}/kelurahan", json=_kelurahan()), 404)


def _report_in_new_kecamatan(app: Any, slug: str, officer: str) -> None:
    r = login_client(app, officer, PASSWORD).post("/api/v1/reports", json=_patrol(NEW_POINT))
    assert r.status_code == 201, r.get_data(as_text=True)
    body = r.get_json()
    assert body["zone"] == "Zona Uji Pasar" and body["zone_match"] == "gps"
    # The report is the new kecamatan's: its admin sees it, Medansatria's does not.
    admin = f"admin.{slug.replace('-', '')}"
    listed = login_client(app, admin, PASSWORD).get("/api/v1/reports").get_json()["items"]
    assert [x["id"] for x in listed] == [body["id"]]
    assert_problem(login_client(app, "demo.admin").get(f"/api/v1/reports/{body['id']}"), 404)


def test_onboarding_by_api_makes_a_kecamatan_officers_can_report_in(app, sample, login):
    city = login("demo.admin_kota")
    base = "/api/v1/kota/kecamatan"
    r = city.post(base, json={"slug": "uji-api", "name": "Uji Api", "boundary": _polygon(NEW_BOX)})
    assert r.status_code == 201, r.get_data(as_text=True)
    first = r.get_json()
    assert not first["ready"] and [i["code"] for i in first["items"] if i["ok"]] == ["batas"]
    # The same slug again, or a boundary over Medansatria's area: refused.
    again = {"slug": "uji-api", "name": "Lagi", "boundary": _polygon(NEW_BOX)}
    assert_problem(city.post(base, json=again), 409, "sudah ada")

    r = city.post(f"{base}/uji-api/kelurahan?approximate=true", json=_kelurahan())
    assert r.status_code == 200, r.get_data(as_text=True)
    assert [k["name"] for k in r.get_json()["kelurahan"]] == [
        "Kelurahan Uji Barat",
        "Kelurahan Uji Timur",
    ]
    year = today_wib().year
    r = city.put(f"{base}/uji-api/targets", json={"targets": [{"year": year, "target_pct": 30}]})
    assert r.status_code == 200 and r.get_json()[0]["target_pct"] == 30
    decree = {
        "nomor": "300/Kep.1/2026",
        "tanggal": "2026-01-05",
        "perihal": "Uji",
        "zones": _zones(),
    }
    r = city.post(f"{base}/uji-api/decree", json=decree)
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.get_json()["imported"] == 1 and r.get_json()["decree"]["zone_count"] == 1
    admin_body = {"username": "admin.ujiapi", "password": PASSWORD, "full_name": "Admin Uji"}
    r = city.post(f"{base}/uji-api/admin", json=admin_body)
    assert r.status_code == 201 and r.get_json()["kecamatan"] == "uji-api"
    second = {**admin_body, "username": "admin.ujiapi2"}
    assert_problem(city.post(f"{base}/uji-api/admin", json=second), 409, "sudah punya admin")
    # The city administrator writes nothing inside a kecamatan (the kecamatan admin does).
    assert_problem(city.post("/api/v1/users", json={**admin_body, "role": "petugas"}), 403)

    # The kecamatan admin takes over: Seksi Trantib, a team, a petugas in it.
    admin = login_client(app, "admin.ujiapi", PASSWORD)
    ids = {}
    for name, role in (("trantib.ujiapi", "trantib"), ("petugas.ujiapi", "petugas")):
        body = {"username": name, "password": PASSWORD, "full_name": name, "role": role}
        r = admin.post("/api/v1/users", json=body)
        assert r.status_code == 201, r.get_data(as_text=True)
        ids[role] = r.get_json()["id"]
    team = admin.post("/api/v1/teams", json={"name": "Satpol PP Uji", "kind": "satpol_pp"})
    assert team.status_code == 201
    member = {"user_id": ids["petugas"]}
    r = admin.post(f"/api/v1/teams/{team.get_json()['id']}/members", json=member)
    assert r.status_code == 201, r.get_data(as_text=True)
    done = city.get(f"{base}/uji-api/checklist").get_json()
    assert done["ready"], done
    assert login("demo.kota").get(f"{base}/uji-api/checklist").status_code == 200

    _report_in_new_kecamatan(app, "uji-api", "petugas.ujiapi")


def test_onboarding_by_cli_makes_a_kecamatan_officers_can_report_in(app, sample, tmp_path: Path):
    files = {
        "batas.geojson": {"type": "Feature", "properties": {}, "geometry": _polygon(NEW_BOX)},
        "kelurahan.geojson": _kelurahan(),
        "zona.geojson": _zones(),
    }
    for name, body in files.items():
        (tmp_path / name).write_text(json.dumps(body), encoding="utf-8")
    runner = app.test_cli_runner()
    r = runner.invoke(
        args=[
            "kecamatan",
            "create",
            "uji-cli",
            "--name",
            "Uji Cli",
            "--kota",
            "3275",
            "--boundary",
            str(tmp_path / "batas.geojson"),
            "--kelurahan",
            str(tmp_path / "kelurahan.geojson"),
            "--approximate",
            "--target",
            f"{today_wib().year}=30",
            "--decree-nomor",
            "300/Kep.2/2026",
            "--decree-tanggal",
            "2026-01-05",
            "--decree-perihal",
            "Uji",
            "--zones",
            str(tmp_path / "zona.geojson"),
            "--admin",
            "admin.ujicli",
        ],
        env={"K3_NEW_PASSWORD": PASSWORD},
    )
    assert r.exit_code == 0, r.output
    assert "SK 300/Kep.2/2026: 1 zona" in r.output and "admin: admin.ujicli" in r.output
    assert "[ ] Tim lapangan" in r.output and "BELUM SIAP" in r.output
    r = runner.invoke(
        args=["users", "create", "petugas.ujicli", "--role", "petugas", "--kecamatan", "uji-cli"],
        env={"K3_NEW_PASSWORD": PASSWORD},
    )
    assert r.exit_code == 0, r.output
    _report_in_new_kecamatan(app, "uji-cli", "petugas.ujicli")
    r = runner.invoke(args=["kecamatan", "checklist", "uji-cli"])
    assert r.exit_code == 1 and "[x] SK titik pantau" in r.output
    r = runner.invoke(args=["kecamatan", "list"])
    assert "3275\tKota Bekasi\tuji-cli\tUji Cli\ttrantib, tim, petugas" in r.output
    # Refusals name the problem (a bad kota, a boundary over another kecamatan).
    bad = runner.invoke(
        args=[
            "kecamatan",
            "create",
            "uji-x",
            "--name",
            "X",
            "--kota",
            "3275",
            "--boundary",
            str(tmp_path / "batas.geojson"),
        ]
    )
    assert bad.exit_code != 0 and "menumpuk" in bad.output


def test_bad_boundaries_are_refused_in_indonesian(app, sample, login):
    city = login("demo.admin_kota")
    flat = [[107.06, -6.24], [107.07, -6.24], [107.08, -6.24], [107.06, -6.24]]
    wide = [[100.0, -6.0], [104.0, -6.0], [104.0, -3.0], [100.0, -3.0], [100.0, -6.0]]
    abroad = [[10.0, 50.0], [10.1, 50.0], [10.1, 50.1], [10.0, 50.1], [10.0, 50.0]]
    over = [[106.97, -6.21], [107.0, -6.21], [107.0, -6.18], [106.97, -6.18], [106.97, -6.21]]
    cases = [
        (_polygon(flat), "tidak valid"),
        (_polygon(wide), "tidak wajar"),
        (_polygon(abroad), "luar Indonesia"),
        (_polygon(over), "menumpuk"),
        (point(107.08, -6.22), "Point"),
        ({"type": "Polygon", "coordinates": [[[1e308, 1e308]] * 4]}, ""),
    ]
    for geometry, words in cases:
        body = {"slug": "uji-bad", "name": "Uji", "boundary": geometry}
        p = assert_problem(city.post("/api/v1/kota/kecamatan", json=body), 422, words)
        assert any(e["pointer"].startswith("/boundary") for e in p["errors"]), p
    ring = "[[NaN, 1], [2, 2], [3, 3], [NaN, 1]]"
    nan = '{"slug": "uji-nan", "name": "Uji", "boundary": {"type": "Polygon", "coordinates": '
    nan += f"[{ring}]}}}}"
    r = city.post("/api/v1/kota/kecamatan", data=nan, content_type=JSON)
    assert r.status_code in (400, 422) and r.mimetype == "application/problem+json"


HOSTILE = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["\x00", "\ud800", "<script>x</script>", '=HYPERLINK("x")', " ", "a" * 300]),
)


@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=HOSTILE, slug=HOSTILE | st.just("uji-h"), boundary=hostile_geometries)
def test_hostile_create_input_is_a_4xx_never_a_500(app, sample, login, name, slug, boundary):
    city = login("demo.admin_kota")
    body = {"slug": slug, "name": name, "boundary": boundary}
    r = city.post(
        "/api/v1/kota/kecamatan", data=json.dumps(body, allow_nan=True), content_type=JSON
    )
    event(f"create {r.status_code}")
    assert r.status_code in (201, 400, 409, 422), (r.status_code, r.get_data(as_text=True)[:300])
    if r.status_code != 201:
        assert r.mimetype == "application/problem+json"
    else:
        assert r.get_json()["name"] == name.strip()
