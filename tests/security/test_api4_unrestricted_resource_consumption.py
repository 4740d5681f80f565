"""API4:2023 Unrestricted Resource Consumption, for k3zones.

What this module proves: no signed-in caller can make this API do unbounded work.

- Password change (each try runs argon2 on the old password) is limited per user.
- Report POST (and ODK Collect submissions) and photo PUT are limited per officer (key:
  the user id, not the address, so officers behind one office NAT do not share a limit);
  a retry answered from the idempotency record (same report id, same photo) is not
  counted; another officer is unaffected.
- Export job creation is limited per user; only jobs actually created count.
- Every refusal is 429 problem+json in Bahasa Indonesia with Retry-After.
- Body sizes are capped: JSON, photo and PDF bodies over their limit are answered 413
  problem+json (before the body is read when Content-Length says so).
- Page sizes are capped: limit=10^9 on the list endpoints is refused (422), never served.

The limits are set low here through Settings (the defaults are documented in
k3zones/settings.py and the README), so the module stays fast.
"""

from __future__ import annotations

import base64
import io
import uuid
from dataclasses import replace
from typing import Any

import pytest
from PIL import Image

from tests.support.http import assert_problem, demo_password, login_client
from tests.support.payloads import odk_instance, report


@pytest.fixture(scope="module")
def low(settings: Any, engine: Any) -> Any:
    from api import create_app  # lazy: like tests/conftest.py

    return create_app(
        replace(
            settings,
            password_change_limit="3 per hour",
            report_limit_per_officer="5 per hour;8 per day",
            photo_limit_per_officer="4 per hour",
            export_limit_per_user="2 per hour",
            max_photo_bytes=1024 * 1024,
            max_json_bytes=256 * 1024,
        )
    )


@pytest.fixture()
def sign_in(low: Any, sample: Any) -> Any:
    return lambda user: login_client(low, user)


def assert_limited(resp: Any) -> None:
    body = assert_problem(resp, 429, "Terlalu banyak")
    assert int(resp.headers["Retry-After"]) > 0 and body["type"].endswith(
        "terlalu-banyak-permintaan"
    )


def jpeg(seed: int) -> bytes:
    img = Image.new("RGB", (64, 48), (seed * 37 % 255, 90, 160))
    out = io.BytesIO()
    img.save(out, "JPEG")
    return out.getvalue()


def test_password_change_is_limited_per_user(sign_in):
    phone, other = sign_in("demo.petugas"), sign_in("demo.petugas2")
    wrong = {"current_password": "tebakan-salah-1", "new_password": "Sandi-Baru#2025"}
    for _ in range(3):
        assert_problem(phone.post("/api/v1/me/password", json=wrong), 422, "lama salah")
    # Even the right old password now waits: guessing it through a stolen session stops.
    right = {**wrong, "current_password": demo_password("demo.petugas")}
    assert_limited(phone.post("/api/v1/me/password", json=right))
    assert_problem(other.post("/api/v1/me/password", json=wrong), 422, "lama salah")


def test_report_post_is_limited_per_officer_and_replays_are_free(sign_in):
    phone, colleague = sign_in("demo.petugas"), sign_in("demo.petugas2")
    first = report()
    assert phone.post("/api/v1/reports", json=first).status_code == 201
    for _ in range(4):  # a bad connection: the phone sends the same report again
        r = phone.post("/api/v1/reports", json=first)
        assert r.status_code == 201 and r.headers["Idempotent-Replayed"] == "true"
    for _ in range(4):
        assert phone.post("/api/v1/reports", json=report()).status_code == 201
    assert_limited(phone.post("/api/v1/reports", json=report()))
    # Another officer (same office address) is not affected.
    assert colleague.post("/api/v1/reports", json=report()).status_code == 201


def test_odk_submissions_are_limited_per_officer_too(low, sample):
    """ODK Collect is another way in for the same officer: its submissions are limited
    per officer as well, and Collect is told in its XML message to send again later."""
    collect = low.test_client()
    auth = base64.b64encode(f"demo.petugas:{demo_password('demo.petugas')}".encode()).decode()

    def submit() -> Any:
        return collect.post(
            "/openrosa/medansatria/submission",
            data={"xml_submission_file": (io.BytesIO(odk_instance(str(uuid.uuid4()))), "i.xml")},
            headers={"Authorization": f"Basic {auth}", "X-OpenRosa-Version": "1.0"},
        )

    for _ in range(5):
        assert submit().status_code == 201
    r = submit()
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert b"Terlalu banyak kiriman" in r.data and r.mimetype == "text/xml"


def test_photo_put_is_limited_per_officer(sign_in):
    phone, colleague = sign_in("demo.petugas"), sign_in("demo.petugas2")
    r = phone.post("/api/v1/reports", json=report(photos_expected=10))
    rid = r.get_json()["id"]
    pid = uuid.uuid4()
    url = f"/api/v1/reports/{rid}/photos/{{}}"
    assert phone.put(url.format(pid), data=jpeg(0), content_type="image/jpeg").status_code == 201
    again = phone.put(url.format(pid), data=jpeg(0), content_type="image/jpeg")
    assert again.status_code == 200  # already received: a retry, not counted
    for i in range(1, 4):
        r = phone.put(url.format(uuid.uuid4()), data=jpeg(i), content_type="image/jpeg")
        assert r.status_code == 201, r.get_json()
    assert_limited(phone.put(url.format(uuid.uuid4()), data=jpeg(9), content_type="image/jpeg"))
    other = colleague.post("/api/v1/reports", json=report()).get_json()["id"]
    r = colleague.put(
        f"/api/v1/reports/{other}/photos/{uuid.uuid4()}", data=jpeg(5), content_type="image/jpeg"
    )
    assert r.status_code == 201


def test_export_job_creation_is_limited_per_user(sign_in):
    trantib, pimpinan = sign_in("demo.trantib"), sign_in("demo.pimpinan")
    # A refused request (not created) does not count.
    assert_problem(
        trantib.post("/api/v1/exports", json={"format": "csv", "year": 2099}), 422, "belum dimulai"
    )
    for _ in range(2):
        r = trantib.post("/api/v1/exports", json={"format": "csv", "year": 2024})
        assert r.status_code == 202, r.get_json()
    assert_limited(trantib.post("/api/v1/exports", json={"format": "csv", "year": 2024}))
    assert pimpinan.post("/api/v1/exports", json={"format": "csv", "year": 2024}).status_code == 202


def test_body_sizes_are_capped(sign_in):
    phone, trantib = sign_in("demo.petugas"), sign_in("demo.trantib")
    big_json = b'{"notes": "' + b"x" * (300 * 1024) + b'"}'
    assert_problem(
        phone.post("/api/v1/reports", data=big_json, content_type="application/json"), 413
    )
    rid = phone.post("/api/v1/reports", json=report()).get_json()["id"]
    big_photo = b"\xff\xd8\xff" + b"\0" * (2 * 1024 * 1024)
    assert_problem(
        phone.put(
            f"/api/v1/reports/{rid}/photos/{uuid.uuid4()}",
            data=big_photo,
            content_type="image/jpeg",
        ),
        413,
        "1 MB",
    )
    did = trantib.get("/api/v1/decrees").get_json()[0]["id"]
    huge_pdf = b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024)
    assert_problem(
        trantib.put(
            f"/api/v1/decrees/{did}/attachment",
            data=huge_pdf,
            headers={"Content-Type": "application/pdf"},
        ),
        413,
        "20 MB",
    )


@pytest.mark.parametrize("path", ["/api/v1/reports", "/api/v1/audit", "/api/v1/photo-reads"])
def test_page_sizes_are_capped(sign_in, path):
    admin = sign_in("demo.admin")
    assert_problem(admin.get(f"{path}?limit={10**9}"), 422, "limit harus 1 sampai 200")
    assert admin.get(f"{path}?limit=200").status_code == 200
