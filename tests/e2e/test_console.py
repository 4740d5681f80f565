"""The Seksi Trantib console in headless Chromium (Debian's), driven by Playwright.

Runs against the real stack (gunicorn, worker, beat, PostGIS, Redis) with no base map,
as in an office without internet. Screenshots land in screenshots/ (`make screenshots`).
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.support.chromium import TAKE_SCREENSHOTS, console_sign_in
from tests.support.e2e import (
    api,
    http,
    lapor_form,
    post_patrol,
    send_photo_and_wait,
    sign_in,
    wait_for,
)
from tests.support.paths import PHOTOS, ROOT

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("K3_SCREENSHOTS", ROOT / "screenshots"))
SIZES = {"kantor-1366x768": (1366, 768), "ponsel-390x844": (390, 844)}


def open_console(
    browser: Browser, stack: Any, user: str, size: tuple[int, int] = (1366, 768)
) -> Page:
    page = browser.new_page(viewport={"width": size[0], "height": size[1]}, accept_downloads=True)
    page.on("pageerror", lambda e: print("pageerror:", e))
    page.on("console", lambda m: print("console:", m.type, m.text))
    page.on("response", lambda r: r.status >= 400 and print("http:", r.status, r.url))
    console_sign_in(page, stack.base, user, stack.demo[user])
    return page


def test_sign_in_see_ten_zones_verify_one_and_the_indicator_moves(stack, browser):
    page = open_console(browser, stack, "demo.trantib")
    expect(page.locator("#zone-list li")).to_have_count(10)
    expect(page.locator("#sample-banner")).to_be_visible()
    page.get_by_role("tab", name="Indikator").click()
    # This year's count as the API gives it (the sample's 2024 verifications have run out
    # under the default validity rule, issue 15).
    status, _, out = http(
        "GET",
        f"{stack.base}/api/v1/indicators/wilayah-tertib?year={datetime.now(UTC).year}",
        token=stack.token,
    )
    assert status == 200, out
    before = json.loads(out)["items"][0]["zones_tertib"]
    expect(page.locator("#tertib-count")).to_have_text(f"{before} dari 10 zona tertib")
    page.get_by_role("tab", name="Zona").click()
    page.locator("#zone-list button", has_text="Contoh Zona Kuning 1 (Kalibaru)").click()
    expect(page.locator("#zone-status")).to_have_text("Belum tertib")
    page.locator("#verify-note").fill("Ditinjau langsung: bersih dan tertib")
    page.locator("#verify").click()
    expect(page.locator("#zone-status")).to_have_text("Tertib (Baik)")
    # Tertib with a verification that holds: "Verifikasi tertib" is not offered again.
    expect(page.locator("#verify")).to_have_count(0)
    expect(page.locator("#withdraw")).to_be_visible()
    page.get_by_role("tab", name="Indikator").click()
    expect(page.locator("#tertib-count")).to_have_text(f"{before + 1} dari 10 zona tertib")
    expect(page.locator("#realisasi")).to_have_text(f"{(before + 1) * 10},00 %")
    page.close()


def test_review_a_flagged_report(stack, browser):
    rid = str(uuid.uuid4())
    body = {
        "id": rid,
        "type": "patroli",
        "started_at": "2026-01-05T08:00:00+07:00",
        "location": {"type": "Point", "coordinates": [106.9600, -6.2200]},
        "accuracy_m": 120,
        "findings": [{"kind": "sampah", "count": 2}],
        "photos_expected": 0,
    }
    status, _, out = http(
        "POST", stack.base + "/api/v1/reports", json.dumps(body).encode(), token=stack.token
    )
    assert status == 201, out
    page = open_console(browser, stack, "demo.trantib")
    page.get_by_role("tab", name="Antrean tinjauan").click()
    item = page.locator(f'#queue button[data-report="{rid}"]')
    expect(item).to_contain_text("Akurasi GPS rendah")
    item.click()
    expect(page.locator("#report-flags")).to_contain_text("tidak berada di area pantau")
    page.locator("#accept").click()
    expect(page.locator("#review-state")).to_have_text("Diterima")
    expect(page.locator(f'#queue button[data-report="{rid}"]')).to_have_count(0)
    page.close()


def test_export_progress_and_download(stack, browser, tmp_path):
    page = open_console(browser, stack, "demo.pimpinan")
    page.get_by_role("tab", name="Indikator").click()
    page.locator("#i-year").fill("2024")
    page.locator("#i-year").dispatch_event("change")
    expect(page.locator("#tertib-count")).to_have_text("3 dari 10 zona tertib")
    page.locator("#x-format").select_option("csv")
    with page.expect_download(timeout=60_000) as d:
        page.locator("#export").click()
    path = tmp_path / d.value.suggested_filename
    d.value.save_as(path)
    text = path.read_text(encoding="utf-8-sig")
    assert "Tabel 3.18" in text and "Jl. Sultan Agung" in text and "30,00" in text
    expect(page.locator("#export-status")).to_contain_text("Ekspor selesai")
    page.close()


def shot(page: Page, name: str, full_page: bool = True) -> None:
    """A screenshot into screenshots/, kept small (256 colours: the console's flat UI)."""
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    with Image.open(path) as img:
        small = img.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def seed_for_screenshots(stack: Any) -> str:
    """What the views show: a complaint from /lapor, the 2024 snapshot (awaiting
    pimpinan), a report of now with one photo processed by the worker (its id)."""
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
    trantib = sign_in(stack, "demo.trantib")
    api(stack, "POST", "/api/v1/snapshots", trantib, {"year": 2024})
    zone = api(stack, "GET", "/api/v1/zones", stack.token)["features"][0]
    rid = post_patrol(stack, zone, [{"kind": "pkl", "count": 2}], photos=1)
    send_photo_and_wait(stack, rid, PHOTOS / "jpg_gps_DSCN0010.jpg")
    return rid


# Every view of the console (issue 15's included) at office and phone size.
VIEWS = (
    "zona",
    "indikator",
    "snapshot",
    "verifikasi-ulang",
    "laporan",
    "antrean-foto",
    "pengaduan",
    "jadwal",
)


@TAKE_SCREENSHOTS
def test_screenshots_at_office_and_phone_size(stack, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    rid = seed_for_screenshots(stack)
    for name, size in SIZES.items():
        page = open_console(browser, stack, "demo.trantib", size)
        page.locator("#zone-list button", has_text="Jl. Sultan Agung").click()
        expect(page.locator("#zone-status")).to_be_visible()
        # Its penertiban; the 2024 patrols are outside the 14 days before today.
        expect(page.locator("#evidence button")).to_have_count(1)
        shot(page, f"konsol-zona-{name}")
        page.get_by_role("tab", name="Indikator").click()
        expect(page.locator("#tertib-count")).to_be_visible()
        shot(page, f"konsol-indikator-{name}")
        # The zones to verify again (the sample's 2024 verifications have run out).
        expect(page.locator("#due-list button").first).to_be_visible()
        page.locator("#due").scroll_into_view_if_needed()
        shot(page, f"konsol-verifikasi-ulang-{name}", full_page=False)
        # The report table of 2024 (issue 15's office tools).
        page.get_by_role("tab", name="Laporan").click()
        page.locator("#r-from").fill("2024-01-01")
        page.locator("#r-to").fill("2024-12-31")
        page.locator("#r-filters button[type=submit]").click()
        expect(page.locator("#r-table tbody tr").first).to_be_visible()
        shot(page, f"konsol-laporan-{name}")
        # A report in the review queue, its photo open large with its evidence.
        page.get_by_role("tab", name="Antrean tinjauan").click()
        page.locator(f'#queue button[data-report="{rid}"]').click()
        page.locator("#report-detail button.thumb").click()
        expect(page.locator("#viewer-flags li").first).to_be_visible()
        wait_for(
            lambda p=page: p.evaluate("document.getElementById('viewer-img').naturalWidth") > 96,
            timeout=15,
            what="the web-size image",
        )
        shot(page, f"konsol-antrean-foto-{name}", full_page=False)
        page.keyboard.press("Escape")
        page.get_by_role("tab", name="Pengaduan").click()
        page.locator("#complaint-list button", has_text="Sampah").first.click()
        expect(page.locator("#complaint-history tbody tr").first).to_be_visible()
        shot(page, f"konsol-pengaduan-{name}")
        page.get_by_role("tab", name="Jadwal").click()
        expect(page.locator("#jadwal-grid thead th").first).to_be_visible()
        shot(page, f"konsol-jadwal-{name}")
        page.close()
        # Pimpinan's view of the LKIP loop: the 2024 snapshot awaiting approval.
        page = open_console(browser, stack, "demo.pimpinan", size)
        page.get_by_role("tab", name="Indikator").click()
        page.locator("#i-year").fill("2024")
        page.locator("#i-year").dispatch_event("change")
        expect(page.locator("#snapshot-approve")).to_be_visible()
        page.locator("#snapshot").scroll_into_view_if_needed()
        shot(page, f"konsol-snapshot-{name}", full_page=False)
        page.close()
    for view in VIEWS:
        for name in SIZES:
            path = SHOTS / f"konsol-{view}-{name}.png"
            assert path.stat().st_size < 400_000, path
