"""Sign-in as a phone does it, and the ways it must fail: real PostgreSQL and Redis."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from api import create_app
from k3zones import auth
from k3zones.models import Role
from k3zones.periods import now_utc
from tests.support.http import assert_problem, demo_password, login_client

BAD_LOGIN = "Nama pengguna atau kata sandi salah"
BAD_TOKEN = "Sesi tidak valid"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_login_returns_tokens_and_me_shows_the_officer(anon, sample):
    r = anon.post(
        "/api/v1/auth/login",
        json={
            "username": "Demo.Petugas",
            "password": demo_password("demo.petugas"),
            "device_id": "android-7f3a",
        },
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["access_token"] and body["refresh_token"]
    me = anon.get("/api/v1/me", headers=bearer(body["access_token"])).get_json()
    assert me["username"] == "demo.petugas" and me["role"] == "petugas"
    assert me["kecamatan"] == "medansatria"
    assert {t["team_kind"] for t in me["teams"]} == {"satpol_pp", "tiga_pilar"}


@pytest.mark.parametrize(
    "username, password",
    [
        ("demo.petugas", "salah-sekali-123"),
        ("tidak.ada", "salah-sekali-123"),
        ("demo.petugas", ""),
    ],
)
def test_wrong_password_and_unknown_user_look_the_same(anon, sample, username, password):
    r = anon.post("/api/v1/auth/login", json={"username": username, "password": password})
    if password == "":
        assert_problem(r, 422, "Kata sandi wajib")
        return
    body = assert_problem(r, 401, BAD_LOGIN)
    assert "errors" not in body
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_bad_tokens_are_401_without_detail(anon, sample, settings, login):
    c = login("demo.petugas")
    good = c.tokens["access_token"]
    head, payload, sig = good.split(".")
    tampered = f"{head}.{payload}.{sig[:-3]}{'AAA' if sig[-3:] != 'AAA' else 'BBB'}"
    expired = auth.issue_access_token(
        settings.secret_key,
        auth.AccessClaims(
            uuid.UUID(c.tokens["user"]["id"]), uuid.UUID(c.tokens["session_id"]), Role.PETUGAS, None
        ),
        now_utc() - timedelta(hours=1),
        timedelta(minutes=15),
    )
    foreign = auth.issue_access_token(
        "x" * 48,
        auth.AccessClaims(uuid.uuid4(), uuid.uuid4(), Role.KOTA, None),
        now_utc(),
        timedelta(minutes=15),
    )
    for token in ["garbage", tampered, expired, foreign, c.tokens["refresh_token"], ""]:
        r = anon.get("/api/v1/zones", headers=bearer(token))
        body = assert_problem(r, 401)
        assert "errors" not in body, token
    assert_problem(anon.get("/api/v1/zones", headers={"Authorization": f"Basic {good}"}), 401)
    assert anon.get("/api/v1/zones", headers=bearer(good)).status_code == 200


def test_refresh_rotates_and_old_token_reuse_revokes_the_session(app, sample, settings):
    strict = create_app(replace(settings, refresh_reuse_grace_seconds=0))
    phone = login_client(strict, "demo.petugas")
    first = phone.tokens["refresh_token"]
    r = phone.post("/api/v1/auth/refresh", json={"refresh_token": first})
    assert r.status_code == 200
    second = r.get_json()
    assert second["refresh_token"] != first and second["session_id"] == phone.tokens["session_id"]
    # The same phone may also present the refresh token as a Bearer header.
    r = strict.test_client().post("/api/v1/auth/refresh", headers=bearer(second["refresh_token"]))
    assert r.status_code == 200
    third = r.get_json()
    assert (
        strict.test_client().get("/api/v1/me", headers=bearer(third["access_token"])).status_code
        == 200
    )

    # A thief replays the first token: refused, and the whole device session ends.
    assert_problem(
        strict.test_client().post("/api/v1/auth/refresh", json={"refresh_token": first}),
        401,
        BAD_TOKEN,
    )
    assert_problem(
        strict.test_client().get("/api/v1/me", headers=bearer(third["access_token"])), 401
    )
    assert_problem(
        strict.test_client().post(
            "/api/v1/auth/refresh", json={"refresh_token": third["refresh_token"]}
        ),
        401,
    )
    # Other devices of the same officer are untouched.
    assert login_client(strict, "demo.petugas").get("/api/v1/me").status_code == 200


def test_a_retry_within_the_grace_period_keeps_the_session(anon, sample, login):
    phone = login("demo.petugas")
    token = phone.tokens["refresh_token"]
    a = anon.post("/api/v1/auth/refresh", json={"refresh_token": token})
    b = anon.post("/api/v1/auth/refresh", json={"refresh_token": token})  # answer was lost
    assert a.status_code == b.status_code == 200
    assert anon.get("/api/v1/me", headers=bearer(b.get_json()["access_token"])).status_code == 200
    assert anon.get("/api/v1/me", headers=bearer(a.get_json()["access_token"])).status_code == 200


def test_bad_refresh_tokens(anon, sample):
    for token in ["", "abc", "0" * 32 + ".x", uuid.uuid4().hex + ".guess"]:
        assert_problem(anon.post("/api/v1/auth/refresh", json={"refresh_token": token}), 401)
    assert_problem(anon.post("/api/v1/auth/refresh", json={}), 401, "refresh token")


def test_logout_ends_the_device_session(anon, sample, login):
    phone = login("demo.petugas")
    assert phone.post("/api/v1/auth/logout").status_code == 204
    assert_problem(phone.get("/api/v1/me"), 401)
    assert_problem(
        anon.post("/api/v1/auth/refresh", json={"refresh_token": phone.tokens["refresh_token"]}),
        401,
    )


def test_admin_revokes_a_lost_phone(anon, sample, login):
    phone = login("demo.petugas")
    other_device = login("demo.petugas")
    admin = login("demo.admin")
    uid = phone.tokens["user"]["id"]
    sessions = admin.get(f"/api/v1/users/{uid}/sessions").get_json()
    assert len([s for s in sessions if s["revoked_at"] is None]) == 2
    r = admin.post(
        f"/api/v1/sessions/{phone.tokens['session_id']}/revoke", json={"reason": "ponsel hilang"}
    )
    assert r.status_code == 200 and r.get_json()["revoked_reason"] == "ponsel hilang"
    assert_problem(phone.get("/api/v1/me"), 401)
    assert_problem(
        anon.post("/api/v1/auth/refresh", json={"refresh_token": phone.tokens["refresh_token"]}),
        401,
    )
    assert other_device.get("/api/v1/me").status_code == 200


def test_deactivated_user_is_stopped_at_once(anon, sample, login):
    phone = login("demo.petugas")
    admin = login("demo.admin")
    uid = phone.tokens["user"]["id"]
    assert admin.patch(f"/api/v1/users/{uid}", json={"active": False}).status_code == 200
    assert_problem(phone.get("/api/v1/zones"), 401)
    assert_problem(
        anon.post(
            "/api/v1/auth/login",
            json={"username": "demo.petugas", "password": demo_password("demo.petugas")},
        ),
        401,
        "dinonaktifkan",
    )
    # With a wrong password the answer stays the generic one.
    assert_problem(
        anon.post(
            "/api/v1/auth/login", json={"username": "demo.petugas", "password": "salah-sekali-123"}
        ),
        401,
        BAD_LOGIN,
    )


def test_login_failures_are_limited_per_username_and_address(anon, sample, settings):
    limit = int(settings.login_limit_per_user.split()[0])
    for _ in range(limit):
        assert (
            anon.post(
                "/api/v1/auth/login",
                json={"username": "demo.trantib", "password": "salah-sekali-123"},
            ).status_code
            == 401
        )
    r = anon.post(
        "/api/v1/auth/login",
        json={"username": "demo.trantib", "password": demo_password("demo.trantib")},
    )
    body = assert_problem(r, 429, "Terlalu banyak")
    assert int(r.headers["Retry-After"]) > 0 and body["status"] == 429
    # Another officer on the same address can still sign in.
    ok = anon.post(
        "/api/v1/auth/login",
        json={"username": "demo.petugas", "password": demo_password("demo.petugas")},
    )
    assert ok.status_code == 200
    # The same officer from another address is not locked out by these failures.
    ok = anon.post(
        "/api/v1/auth/login",
        json={"username": "demo.trantib", "password": demo_password("demo.trantib")},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert ok.status_code == 200


def test_good_sign_ins_are_never_counted(anon, sample, settings):
    limit = int(settings.login_limit_per_user.split()[0])
    for _ in range(limit + 2):
        r = anon.post(
            "/api/v1/auth/login",
            json={"username": "demo.trantib", "password": demo_password("demo.trantib")},
        )
        assert r.status_code == 200


def test_login_failures_are_limited_per_address(sample, settings):
    app = create_app(replace(settings, login_limit_per_address="5 per minute"))
    c = app.test_client()
    for i in range(5):
        c.post(
            "/api/v1/auth/login",
            json={"username": f"tebak{i}", "password": "x" * 12},
            environ_base={"REMOTE_ADDR": "10.9.8.7"},
        )
    r = c.post(
        "/api/v1/auth/login",
        json={"username": "demo.petugas", "password": demo_password("demo.petugas")},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert_problem(r, 429)
    r = c.post(
        "/api/v1/auth/login",
        json={"username": "demo.petugas", "password": demo_password("demo.petugas")},
        environ_base={"REMOTE_ADDR": "10.9.8.8"},
    )
    assert r.status_code == 200


def test_own_account_fields_an_officer_may_not_set_are_refused(sample, login):
    phone = login("demo.petugas")
    body = assert_problem(
        phone.patch("/api/v1/me", json={"role": "admin", "phone": "0812"}), 403, "role"
    )
    assert body["errors"][0]["pointer"] == "/role"
    assert phone.get("/api/v1/me").get_json()["role"] == "petugas"
    assert phone.get("/api/v1/me").get_json()["phone"] is None  # nothing half-applied
    r = phone.patch("/api/v1/me", json={"phone": "0812-1234-5678", "full_name": "Budi"})
    assert r.status_code == 200 and r.get_json()["full_name"] == "Budi"


def test_changing_own_password_ends_other_sessions(anon, sample, login):
    here = login("demo.petugas")
    elsewhere = login("demo.petugas")
    assert_problem(
        here.post(
            "/api/v1/me/password",
            json={"current_password": "salah", "new_password": "Sandi-Baru#2025"},
        ),
        422,
        "lama salah",
    )
    assert_problem(
        here.post(
            "/api/v1/me/password",
            json={"current_password": demo_password("demo.petugas"), "new_password": "pendek"},
        ),
        422,
        "paling sedikit 10",
    )
    assert (
        here.post(
            "/api/v1/me/password",
            json={
                "current_password": demo_password("demo.petugas"),
                "new_password": "Sandi-Baru#2025",
            },
        ).status_code
        == 204
    )
    assert here.get("/api/v1/me").status_code == 200
    assert_problem(elsewhere.get("/api/v1/me"), 401)
    assert (
        anon.post(
            "/api/v1/auth/login", json={"username": "demo.petugas", "password": "Sandi-Baru#2025"}
        ).status_code
        == 200
    )


def test_admin_manages_users_within_limits(sample, login):
    admin = login("demo.admin")
    r = admin.post(
        "/api/v1/users",
        json={
            "username": "budi.satpol",
            "password": "Sandi-Awal#2024",
            "full_name": "Budi",
            "role": "petugas",
            "nip": "19800101",
        },
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["kecamatan"] == "medansatria"
    assert_problem(
        admin.post(
            "/api/v1/users",
            json={
                "username": "budi.satpol",
                "password": "Sandi-Awal#2024",
                "full_name": "B",
                "role": "petugas",
            },
        ),
        409,
        "sudah dipakai",
    )
    assert_problem(
        admin.post(
            "/api/v1/users",
            json={
                "username": "walikota",
                "password": "Sandi-Awal#2024",
                "full_name": "W",
                "role": "kota",
            },
        ),
        403,
        "kota",
    )
    assert_problem(
        admin.post(
            "/api/v1/users",
            json={
                "username": "Bad Name!",
                "password": "Sandi-Awal#2024",
                "full_name": "W",
                "role": "petugas",
            },
        ),
        422,
        "huruf kecil",
    )
    me = admin.tokens["user"]["id"]
    assert_problem(admin.patch(f"/api/v1/users/{me}", json={"role": "petugas"}), 409, "sendiri")
    uid = r.get_json()["id"]
    officer = login("budi.satpol", "Sandi-Awal#2024")
    r = admin.patch(f"/api/v1/users/{uid}", json={"role": "trantib"})
    assert r.status_code == 200 and r.get_json()["role"] == "trantib"
    # A changed role ends the sessions, so the old role's token cannot linger.
    assert_problem(officer.get("/api/v1/me"), 401)
