"""Photos from phones, processed by a real Celery worker: every file in testdata, and the
ways a photo can be wrong. Nothing already stored may be lost, and the worker never dies."""

from __future__ import annotations

import hashlib
import io
import os
import sys
import uuid
from pathlib import Path

from PIL import Image

from tests.support.http import assert_problem
from tests.support.paths import TESTDATA
from tests.support.payloads import SULTAN_AGUNG
from tests.support.photos import jpeg_with_gps, new_report, put, wait_processed
from tests.support.services import count

PHOTOS = TESTDATA / "photos"
BIN = Path(sys.executable).parent


EXPECTED = {
    # file: (content type, status, flags that must be there, lat, lon)
    "jpg_gps_DSCN0010.jpg": ("image/jpeg", "diproses", {"gps_far", "time_far"}, 43.4674, 11.8851),
    "jpg_gps_DSCN0042.jpg": ("image/jpeg", "diproses", {"gps_far", "time_far"}, 43.4645, 11.8815),
    "jpg_mobile_HMD_Nokia_8.3_5G.jpg": (
        "image/jpeg",
        "diproses",
        {"gps_far", "time_far"},
        60.1467,
        24.9068,
    ),
    "heic_mobile_HMD_Nokia_8.3_5G.heif": (
        "image/heif",
        "diproses",
        {"gps_far", "time_far"},
        40.7887,
        -4.0051,
    ),
    "heic_mobile_iphone_13_pro_max.HEIC": (
        "image/heif",
        "diproses",
        {"no_gps", "time_far"},
        None,
        None,
    ),
    "jpg_mobile_jolla.jpg": ("image/jpeg", "diproses", {"no_gps", "time_far"}, None, None),
    "jpg_orientation_portrait_6.jpg": ("image/jpeg", "diproses", {"no_gps"}, None, None),
    "jpg_orientation_landscape_3.jpg": ("image/jpeg", "diproses", {"no_gps"}, None, None),
    "jpg_invalid_image00971.jpg": ("image/jpeg", "diproses", {"no_gps"}, None, None),
    "jpg_invalid_image01551.jpg": ("image/jpeg", "diproses", {"no_gps"}, None, None),
    "jpg_corrupted.jpg": ("image/jpeg", "diproses", {"no_gps", "time_far"}, None, None),
}


def test_every_testdata_photo_gets_the_right_gps_and_flags(sample, login, worker):
    phone = login("demo.petugas")
    files = sorted(p for p in PHOTOS.iterdir() if p.suffix.lower() != ".md")
    assert {f.name for f in files} == set(EXPECTED)
    reports = {}
    for f in files:
        rid = new_report(phone)
        data = f.read_bytes()
        r = put(
            phone,
            rid,
            data,
            "application/octet-stream",
            headers={"X-Content-SHA256": hashlib.sha256(data).hexdigest()},
        )
        assert r.status_code == 201, (f.name, r.get_json())
        reports[f.name] = rid
    for name, rid in reports.items():
        body = wait_processed(phone, rid)
        [p] = body["photos"]
        ctype, status, flags, lat, lon = EXPECTED[name]
        assert (p["content_type"], p["status"]) == (ctype, status), name
        assert flags <= set(p["flags"]), (name, p["flags"])
        assert body["status"] == "lengkap"
        assert {f"photo_{k}" for k in flags} <= set(body["flags"]), (name, body["flags"])
        if lat is None:
            assert p["gps"] is None, name
        else:
            got_lon, got_lat = p["gps"]["coordinates"]
            assert (round(got_lat, 4), round(got_lon, 4)) == (lat, lon), name
        assert p["sha256"] == hashlib.sha256((PHOTOS / name).read_bytes()).hexdigest()
        # The original is kept byte for byte.
        original = phone.get(p["urls"]["original"])
        assert original.data == (PHOTOS / name).read_bytes()
    far = phone.get(f"/api/v1/reports/{reports['jpg_gps_DSCN0010.jpg']}").get_json()
    assert far["photos"][0]["flags"]["gps_far"]["distance_m"] > 10_000_000  # Italy


def test_derived_images_are_upright_and_carry_no_exif(sample, login, worker):
    phone = login("demo.petugas")
    rid = new_report(phone, photos=2)
    put(phone, rid, (PHOTOS / "jpg_orientation_portrait_6.jpg").read_bytes())
    put(phone, rid, (PHOTOS / "jpg_mobile_HMD_Nokia_8.3_5G.jpg").read_bytes())
    body = wait_processed(phone, rid)
    by_w = {p["width"]: p for p in body["photos"]}
    portrait, nokia = by_w[600], by_w[4608]
    web = Image.open(io.BytesIO(phone.get(portrait["urls"]["web"]).data))
    assert web.size == (450, 600)  # Orientation 6: turned upright, portrait
    assert not web.getexif()
    nweb = Image.open(io.BytesIO(phone.get(nokia["urls"]["web"]).data))
    assert max(nweb.size) == 1600 and not nweb.getexif()
    thumb = Image.open(io.BytesIO(phone.get(nokia["urls"]["thumb"]).data))
    assert max(thumb.size) == 320 and not thumb.getexif()
    # Location stays only in the original, which is kept as sent.
    assert (
        Image.open(io.BytesIO(phone.get(nokia["urls"]["original"]).data)).getexif().get_ifd(0x8825)
    )


def test_a_photo_taken_at_the_spot_raises_no_flag(sample, login, worker):
    phone = login("demo.petugas")
    rid = new_report(phone)
    lon, lat = SULTAN_AGUNG
    assert put(phone, rid, jpeg_with_gps(lat, lon)).status_code == 201
    [p] = wait_processed(phone, rid)["photos"]
    assert p["gps"]["coordinates"][1] < 0  # south of the equator
    assert (
        abs(p["gps"]["coordinates"][0] - lon) < 1e-4
        and abs(p["gps"]["coordinates"][1] - lat) < 1e-4
    )
    assert p["flags"] == {} and p["exif"]["make"] == "Samsung"
    assert p["taken_at"] == "2024-05-02T01:20:00+00:00"  # GPS time, UTC


def test_the_same_photo_or_a_near_copy_in_another_report_is_flagged(sample, login, worker):
    phone = login("demo.petugas")
    original = (PHOTOS / "jpg_mobile_HMD_Nokia_8.3_5G.jpg").read_bytes()
    first = new_report(phone)
    put(phone, first, original)
    wait_processed(phone, first)
    second = new_report(phone)
    put(phone, second, original)
    [dup] = wait_processed(phone, second)["photos"]
    assert dup["flags"]["duplicate"]["report_id"] == first
    # Re-saved smaller and at lower quality: other bytes, same picture.
    img = Image.open(io.BytesIO(original))
    img = img.resize((img.width // 3, img.height // 3))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=60)
    third = new_report(phone)
    put(phone, third, buf.getvalue())
    [near] = wait_processed(phone, third)["photos"]
    assert near["flags"]["near_duplicate"]["report_id"] in (first, second)
    assert near["flags"]["near_duplicate"]["distance_bits"] <= 6
    listed = phone.get("/api/v1/reports?flag=photo_duplicate").get_json()["items"]
    assert [i["id"] for i in listed] == [second]


def test_truncated_photo_fails_in_the_worker_and_can_be_sent_again(sample, login, worker):
    phone = login("demo.petugas")
    rid = new_report(phone)
    pid = str(uuid.uuid4())
    data = (PHOTOS / "jpg_mobile_jolla.jpg").read_bytes()
    assert put(phone, rid, data[: len(data) // 3], pid=pid).status_code == 201
    [p] = wait_processed(phone, rid)["photos"]
    assert p["status"] == "gagal" and "terpotong" in p["error"]
    assert "photo_unreadable" in phone.get(f"/api/v1/reports/{rid}").get_json()["flags"]
    # The phone sends the whole file again under the same photo id.
    assert put(phone, rid, data, pid=pid).status_code == 200
    [p] = wait_processed(phone, rid)["photos"]
    assert p["status"] == "diproses" and p["width"] == 3264
    body = phone.get(f"/api/v1/reports/{rid}").get_json()
    assert "photo_unreadable" not in body["flags"] and body["photos_received"] == 1
    # The worker survived all of it.
    assert worker.poll() is None


def test_bad_uploads_get_clear_answers_and_lose_nothing(sample, login, engine):
    phone = login("demo.petugas")
    rid = new_report(phone, photos=2)
    good = (PHOTOS / "jpg_gps_DSCN0010.jpg").read_bytes()
    pid = str(uuid.uuid4())
    assert put(phone, rid, good, pid=pid).status_code == 201

    assert_problem(put(phone, rid, b"ini bukan foto, hanya teks", "image/jpeg"), 415, "bukan foto")
    assert_problem(
        put(phone, rid, good, headers={"X-Content-SHA256": "0" * 64}), 422, "Kirim ulang"
    )
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")  # ~50 kB that would decode to 400 MP
    assert_problem(put(phone, rid, bomb.getvalue(), "image/png"), 422, "terlalu besar")
    big = b"\xff\xd8\xff" + os.urandom(21 * 1024 * 1024)
    assert_problem(put(phone, rid, big), 413, "20 MB")
    assert_problem(put(phone, str(uuid.uuid4()), good), 404, "Laporan tidak ditemukan")
    other = login("demo.petugas2")
    assert_problem(put(other, rid, good), 404, "Laporan tidak ditemukan")
    # Same id, other bytes: refused; same id, same bytes: the first answer.
    assert_problem(
        put(phone, rid, (PHOTOS / "jpg_gps_DSCN0042.jpg").read_bytes(), pid=pid), 409, "isi berbeda"
    )
    again = put(phone, rid, good, pid=pid)
    assert again.status_code == 200 and again.get_json()["id"] == pid
    # A lying Content-Type: the bytes decide.
    lying = put(phone, rid, (PHOTOS / "jpg_gps_DSCN0042.jpg").read_bytes(), "image/png")
    assert lying.status_code == 201
    assert lying.get_json()["content_type"] == "image/jpeg"
    assert lying.get_json()["declared_type"] == "image/png"
    assert_problem(put(phone, rid, jpeg_with_gps(-6.2, 106.98)), 409, "sudah diterima")
    assert count(engine, "photo") == 2
    body = phone.get(f"/api/v1/reports/{rid}").get_json()
    assert body["photos_received"] == 2 and body["status"] == "lengkap"


def test_multipart_upload(sample, login):
    phone = login("demo.petugas")
    rid = new_report(phone)
    data = (PHOTOS / "jpg_gps_DSCN0042.jpg").read_bytes()
    r = phone.put(
        f"/api/v1/reports/{rid}/photos/{uuid.uuid4()}",
        data={"file": (io.BytesIO(data), "IMG_0001.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["sha256"] == hashlib.sha256(data).hexdigest()
