"""A citizen reports through /lapor on a phone-sized Chromium (390x844) with a real phone
photo, the kecamatan handles it (accept, dispatch, the team's penertiban report with a
photo, accepted), and the citizen follows the tracking code to the closed status.

Runs against the real stack (gunicorn, worker, beat, PostGIS, Redis), without a base map.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.chromium import PHONE, console_sign_in, new_page
from tests.support.e2e import (
    api,
    http,
    lapor_form,
    sign_in,
    wait_for,
)
from tests.support.paths import PHOTOS, ROOT

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("K3_SCREENSHOTS", ROOT / "screenshots"))
PHOTO = PHOTOS / "jpg_gps_DSCN0010.jpg"
SULTAN_AGUNG = {"latitude": -6.2072, "longitude": 106.979}


def handle_it(stack: Any, code: str) -> None:
    """Seksi Trantib accepts and dispatches; the team's officer reports with a photo; the
    report is accepted and closes the complaint."""
    trantib, petugas = sign_in(stack, "demo.trantib"), stack.token
    items = api(stack, "GET", "/api/v1/complaints", trantib)["items"]
    cid = next(x["id"] for x in items if x["code"] == code)
    step = f"/api/v1/complaints/{cid}/actions"
    api(stack, "POST", step, trantib, {"action": "terima", "reason": "Foto dan lokasi jelas"})
    me = api(stack, "GET", "/api/v1/me", petugas)
    team = next(t["team_id"] for t in me["teams"] if t["team_kind"] == "tiga_pilar")
    api(
        stack,
        "POST",
        step,
        trantib,
        {"action": "tugaskan", "reason": "Tim 3 pilar", "team_id": team},
    )
    rid = str(uuid.uuid4())
    now = datetime.now(UTC).isoformat()
    api(
        stack,
        "POST",
        "/api/v1/reports",
        petugas,
        {
            "id": rid,
            "type": "penertiban",
            "team_id": team,
            "units": ["kecamatan", "polsek", "koramil"],
            "started_at": now,
            "ended_at": now,
            "location": {"type": "Point", "coordinates": [106.979, -6.2072]},
            "findings": [{"kind": "spanduk", "count": 2}],
            "actions": [{"kind": "pembongkaran", "count": 2}],
            "photos_expected": 1,
        },
    )
    status, _, out = http(
        "PUT",
        f"{stack.base}/api/v1/reports/{rid}/photos/{uuid.uuid4()}",
        PHOTO.read_bytes(),
        ctype="image/jpeg",
        token=petugas,
    )
    assert status == 201, out
    api(
        stack,
        "POST",
        step,
        trantib,
        {"action": "tangani", "reason": "Laporan tim", "report_id": rid},
    )
    api(stack, "POST", f"/api/v1/reports/{rid}/review", trantib, {"state": "diterima"})
    api(
        stack,
        "POST",
        step,
        trantib,
        {
            "action": "selesai",
            "reason": "Penertiban diterima",
            "public_note": "Spanduk sudah dibongkar tim 3 pilar.",
        },
    )


def test_report_on_a_phone_and_follow_the_code_to_closed(stack, browser):
    page = new_page(
        browser,
        PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation=SULTAN_AGUNG,
        permissions=["geolocation"],
    )
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(stack.base + "/lapor")
    page.get_by_label("Jenis masalah").select_option("spanduk")
    page.get_by_role("button", name="Pakai lokasi saya (GPS)").click()
    expect(page.locator("#lat")).to_have_value("-6.207200")
    expect(page.locator("#long")).to_have_value("106.979000")
    # a tap on the map moves the point
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.locator("#map").tap(position={"x": box["width"] / 2 + 40, "y": box["height"] / 2})
    expect(page.locator("#gps-status")).to_have_text("Lokasi dipilih dari peta.")
    assert page.locator("#long").input_value() != "106.979000"
    page.get_by_label("Keterangan").fill("Spanduk liar menutupi rambu di perempatan Sultan Agung")
    page.locator("#foto").set_input_files(str(PHOTO))
    expect(page.locator("#foto-status")).to_have_text("1 foto dipilih.")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "lapor-ponsel-390x844.png"), full_page=True)
    page.get_by_role("button", name="Kirim laporan").click()
    expect(page.locator("#kode")).to_be_visible(timeout=30_000)
    code = page.locator("#kode").inner_text()
    assert code.startswith("ADU-")
    expect(page.locator("#status")).to_have_text("Baru diterima sistem, menunggu diperiksa")

    handle_it(stack, code)

    page.goto(f"{stack.base}/lapor/{code.lower()}")  # typed by hand, lower case
    expect(page.locator("#status")).to_have_text("Selesai")
    expect(page.locator("#status-notes")).to_have_text("Spanduk sudah dibongkar tim 3 pilar.")
    expect(page.locator("#timeline li")).to_have_count(5)
    # the photo's EXIF-free thumbnail, once the worker has made it
    wait_for(
        lambda: "/lapor/foto/" in http("GET", f"{stack.base}/lapor/{code}")[2].decode(),
        what="processed photo",
    )
    page.reload()
    expect(page.locator(".photos img")).to_have_count(1)
    page.screenshot(path=str(SHOTS / "lapor-status-ponsel-390x844.png"), full_page=True)
    assert not errors, errors
    page.context.close()


def test_console_pengaduan_tab_queue_detail_assign(stack, browser):
    lapor_form(
        stack,
        {
            "service_code": "sampah",
            "description": "Tumpukan sampah di samping halte",
            "lat": "-6.1950",
            "long": "106.9870",
            "first_name": "Ani",
        },
    )
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: d.accept("Laporan warga valid"))
    console_sign_in(page, stack.base, "demo.trantib", stack.demo["demo.trantib"])
    page.get_by_role("tab", name="Pengaduan").click()
    item = page.locator("#complaint-list button", has_text="Sampah")
    expect(item).to_have_count(1)
    item.click()
    expect(page.locator("#complaint-state")).to_have_text("Baru")
    expect(page.locator("#complaint-detail .reporter")).to_contain_text("Ani")
    page.locator("#c-accept").click()
    expect(page.locator("#complaint-state")).to_have_text("Diterima")
    page.locator("#c-team").select_option(label="Tim 3 Pilar Medansatria (Demo)")
    page.locator("#c-assign").click()
    expect(page.locator("#complaint-state")).to_have_text("Ditugaskan")
    # A header row of column headers, then one body row per step.
    expect(page.locator("#complaint-history thead th[scope=col]")).to_have_text(
        ["Waktu", "Status", "Alasan", "Oleh"]
    )
    expect(page.locator("#complaint-history tbody tr")).to_have_count(3)
    # Its screenshots at both sizes: tests/e2e/test_console.py (make screenshots).
    assert not errors, errors
    page.close()
