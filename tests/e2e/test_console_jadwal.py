"""The console's Jadwal tab and complaint desk in Chromium (Debian's), against the real
stack (gunicorn, worker, beat, PostGIS, Redis), at office size with every request to
another host (a base map's tiles) refused.

Seksi Trantib makes a daily patrol plan for a zone in the plan editor and sees today's
cell open; the officer's report (posted as a phone does) arrives and the cell turns done.
The editor shows the server's field errors next to the fields. A complaint taken by phone
is written down with typed coordinates and shows in the queue and on the map; an
address-only complaint gets its point; a report photo opens large in the viewer.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.support.chromium import OFFICE, PHONE, console_sign_in, new_page
from tests.support.e2e import (
    api,
    http,
    post_patrol,
    send_photo_and_wait,
    sign_in,
    wait_for,
)
from tests.support.paths import PHOTOS, ROOT

pytestmark = pytest.mark.e2e
PHOTO = PHOTOS / "jpg_gps_DSCN0010.jpg"
SHOTS = Path(os.environ.get("K3_SCREENSHOTS", ROOT / "screenshots"))
OTHER_HOSTS = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")
# Where the sample's complaints are taken (inside the sample kecamatan).
INSIDE = (-6.1950, 106.9870)


def open_console(
    browser: Browser,
    stack: Any,
    user: str = "demo.trantib",
    size: tuple[int, int] = OFFICE,
    config: dict[str, str] | None = None,
) -> tuple[Page, list[str]]:
    page = new_page(browser, size)
    page.route(OTHER_HOSTS, lambda route: route.abort())  # no base map, no internet
    if config is not None:
        # The page as a server configured with `config` would send it (K3_TILE_URL, ...).
        def configured(route: Route) -> None:
            resp = route.fetch()
            data = json.dumps(config).replace("<", "\\u003c").replace("&", "\\u0026")
            html = re.sub(
                r'(<script type="application/json" id="k3-config">).*?(</script>)',
                lambda m: m.group(1) + data + m.group(2),
                resp.text(),
                flags=re.S,
            )
            route.fulfill(response=resp, body=html)

        page.route(stack.base + "/console", configured)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    console_sign_in(page, stack.base, user, stack.demo[user])
    return page, errors


def today_wib() -> str:
    return (datetime.now(UTC) + timedelta(hours=7)).date().isoformat()


def post_report(stack: Any, zone: dict[str, Any], team_id: str | None, photos: int = 0) -> str:
    return post_patrol(stack, zone, [{"kind": "sampah", "count": 1}], photos, team_id=team_id)


def test_a_plan_made_in_the_console_fills_the_grid_as_the_report_arrives(stack, browser):
    me = api(stack, "GET", "/api/v1/me", stack.token)
    team = me["teams"][0]["team_id"]
    zones = api(stack, "GET", "/api/v1/zones", stack.token)["features"]
    zone = sorted(zones, key=lambda f: f["properties"]["name"])[0]
    page, errors = open_console(browser, stack)
    page.get_by_role("tab", name="Jadwal").click()
    expect(page.locator("#jadwal-grid thead th")).to_have_count(8)
    expect(page.locator("#jadwal-grid tbody tr")).to_have_count(10)
    cell = page.locator(f'#jadwal-grid td[data-zone="{zone["id"]}"][data-day="{today_wib()}"]')
    expect(cell).to_have_text("Tidak ada")

    # An invalid window: the server's messages land next to their fields.
    page.locator("#plan-new").click()
    page.locator("#p-name").fill("Patroli harian salah")
    page.locator("#p-start").fill("")
    page.locator("#p-span").fill("100")
    page.locator("#p-save").click()
    expect(page.locator("#p-window_start-err")).to_contain_text("JJ:MM")
    expect(page.locator("#p-span_days-err")).to_have_text("Lama jendela 1 sampai 92 hari.")
    expect(page.locator("#p-start")).to_have_attribute("aria-invalid", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#plan-form").screenshot(path=str(SHOTS / "konsol-jadwal-rencana-1366x768.png"))
    page.locator("#p-cancel").click()

    # The plan: every day, the whole day (00:00-00:00 = until midnight), this zone, this team.
    page.locator("#plan-new").click()
    page.locator("#p-name").fill("Patroli harian uji")
    page.locator("#p-target-kind").select_option("zona")
    page.locator("#p-target").select_option(zone["id"])
    page.locator("#p-activity").select_option("patroli")
    page.locator("#p-team").select_option(team)
    page.locator("#p-start").fill("00:00")
    page.locator("#p-end").fill("00:00")
    page.locator("#p-repeat").select_option("harian")
    page.locator("#p-save").click()
    expect(page.locator("#plan-saved")).to_contain_text("disimpan (versi 1)")
    plan = page.locator("#plan-list li", has_text="Patroli harian uji")
    expect(plan).to_contain_text("Setiap hari")
    expect(plan).to_contain_text("Patroli ·")
    expect(cell).to_have_text("Terbuka")
    expect(cell).to_have_attribute("data-state", "terbuka")

    post_report(stack, zone, team)  # the officer's phone, device time now
    page.locator("#week-reload").click()
    expect(cell).to_have_text("Selesai")
    # Last week has no task of the new plan; this week comes back.
    page.locator("#week-prev").click()
    expect(page.locator(f'#jadwal-grid td[data-zone="{zone["id"]}"]').first).to_have_text(
        "Tidak ada"
    )
    page.locator("#week-next").click()
    expect(cell).to_have_text("Selesai")
    expect(page.locator("#jadwal-grid th.today")).to_have_count(1)
    # Labels, never the API's codes, in the grid and the plan list.
    text = page.locator("#jadwal-grid").inner_text() + page.locator("#plan-list").inner_text()
    codes = r"\b(patroli|penertiban|terjadwal|terlewat|terlambat|selesai|none|zona:)\b"
    assert not re.search(codes, text), text
    page.screenshot(path=str(SHOTS / "konsol-jadwal-kantor-1366x768.png"), full_page=True)
    assert errors == []
    page.context.close()
    phone, errors = open_console(browser, stack, size=PHONE)
    phone.get_by_role("tab", name="Jadwal").click()
    expect(phone.locator("#jadwal-grid td.st-selesai")).to_have_count(1)
    phone.screenshot(path=str(SHOTS / "konsol-jadwal-ponsel-390x844.png"), full_page=True)
    assert errors == []
    phone.context.close()


def test_a_report_photo_opens_large_in_the_viewer(stack, browser):
    zones = api(stack, "GET", "/api/v1/zones", stack.token)["features"]
    rid = post_report(stack, zones[1], None, photos=1)
    send_photo_and_wait(stack, rid, PHOTO)
    # With a base map configured (its tiles refused here), the credit line is text: markup
    # in K3_TILE_ATTRIBUTION is neither rendered nor run.
    credit = (
        '&copy; <a href="https://osm.org">OpenStreetMap</a> <img src=x onerror="window.__pwned=1">'
    )
    page, errors = open_console(
        browser,
        stack,
        config={"tileUrl": "https://tiles.example/{z}/{x}/{y}.png", "tileAttribution": credit},
    )
    expect(page.locator("#map-credit")).to_have_text("© OpenStreetMap")
    assert page.evaluate("document.querySelectorAll('#map img[src=\"x\"]').length") == 0
    assert page.evaluate("window.__pwned") is None
    page.get_by_role("tab", name="Antrean tinjauan").click()
    page.locator(f'#queue button[data-report="{rid}"]').click()
    page.locator("#report-detail button.thumb").click()
    viewer = page.locator("#viewer")
    expect(viewer).to_be_visible()
    expect(page.locator("#viewer-count")).to_have_text("1 dari 1")
    wait_for(
        lambda: page.evaluate("document.getElementById('viewer-img').naturalWidth") > 96,
        timeout=15,
        what="the web-size image",
    )
    assert page.locator("#viewer-img").bounding_box()["width"] > 300  # type: ignore[index]
    # Seksi Trantib reviews the kecamatan's reports: the original (with EXIF) is offered.
    expect(page.locator("#viewer-original-link")).to_have_text("Foto asli (dengan EXIF)")
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    # The zone panel: the last accepted patrol and the "no patrol for N days" warning.
    page.get_by_role("tab", name="Zona").click()
    page.locator("#zone-list button", has_text="Jl. Sultan Agung").click()
    expect(page.locator("#zone-stale")).to_have_text(
        re.compile(r"^Tidak dipatroli \d+ hari \(batas 7 hari\)$")
    )
    expect(page.locator("#zone-last-patrol")).to_contain_text("2024")
    assert errors == []
    page.context.close()


def lapor_with_photo(stack: Any, trantib: str) -> str:
    """A citizen's complaint with a phone photo through /lapor (multipart, as the form
    sends it); its id once the worker has made the EXIF-free copies."""
    boundary = uuid.uuid4().hex
    fields = {
        "service_code": "pkl",
        "description": "PKL berjualan di trotoar depan sekolah",
        "lat": "-6.1960",
        "long": "106.9860",
    }
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="foto"; filename="foto.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode() + PHOTO.read_bytes()
    body += f"\r\n--{boundary}--\r\n".encode()
    status, _, out = http(
        "POST", stack.base + "/lapor", body, ctype=f"multipart/form-data; boundary={boundary}"
    )
    assert status == 200, out[:300]
    items = api(stack, "GET", "/api/v1/complaints?state=baru", trantib)["items"]
    cid = str(next(c["id"] for c in items if c["category"] == "pkl"))

    def processed() -> bool:
        photos = api(stack, "GET", f"/api/v1/complaints/{cid}", trantib)["photos"]
        return bool(photos and photos[0]["web_url"])

    wait_for(processed, timeout=60, what="the worker to make the complaint photo's copies")
    return cid


def test_a_complaint_taken_by_phone_and_a_location_set_later(stack, browser):
    trantib = sign_in(stack, "demo.trantib")
    with_photo = lapor_with_photo(stack, trantib)
    page, errors = open_console(browser, stack)
    # A citizen's photo opens large; Seksi Trantib may also save the original.
    page.get_by_role("tab", name="Pengaduan").click()
    page.locator(f'#complaint-list button[data-complaint="{with_photo}"]').click()
    page.locator("#complaint-photos button.thumb").click()
    expect(page.locator("#viewer")).to_be_visible()
    wait_for(
        lambda: page.evaluate("document.getElementById('viewer-img').naturalWidth") > 96,
        timeout=15,
        what="the web-size image",
    )
    expect(page.locator("#viewer-original-link")).to_have_text("Foto asli (dengan EXIF)")
    page.locator("#viewer-close").click()
    expect(page.locator("#viewer")).to_be_hidden()

    page.get_by_role("tab", name="Pengaduan").click()
    page.locator("#c-new").click()
    page.locator("#cf-category").select_option("sampah")
    page.locator("#cf-description").fill("Warga menelepon: sampah menumpuk di depan pasar")
    page.locator("#cf-channel").select_option("telepon")
    page.locator("#cf-lat").fill("abc")
    page.locator("#cf-lon").fill("200")
    page.locator("#cf-save").click()
    expect(page.locator("#cf-lat-err")).to_have_text("Lintang harus berupa angka, mis. -6.2072.")
    expect(page.locator("#cf-lon-err")).to_have_text("Bujur harus antara -180 dan 180.")
    page.locator("#cf-lat").fill(str(INSIDE[0]))
    page.locator("#cf-lon").fill(str(INSIDE[1]))
    page.locator("#cf-name").fill("Bu Sri")
    page.locator("#cf-save").click()
    expect(page.locator("#complaint-code")).to_have_text(re.compile(r"^ADU-"))
    code = page.locator("#complaint-code").inner_text()
    expect(page.locator("#complaint-description")).to_have_text(
        "Warga menelepon: sampah menumpuk di depan pasar"
    )
    expect(page.locator("#complaint-detail .reporter")).to_contain_text("Bu Sri")
    expect(page.locator("#complaint-list button", has_text=code)).to_have_count(1)
    markers = "state.complaints.getLayers().map((m) => [m.getLatLng().lat, m.getLatLng().lng])"
    assert [INSIDE[0], INSIDE[1]] in page.evaluate(markers)

    # An address only (a letter): Tetapkan lokasi, by a tap on the map, then typed.
    c = api(
        stack,
        "POST",
        "/api/v1/complaints",
        trantib,
        {
            "category": "spanduk",
            "description": "Surat warga: spanduk liar di pertigaan",
            "channel": "surat",
            "address": "Pertigaan dekat masjid, RT 03",
        },
    )
    page.locator("#c-state").select_option("baru")
    page.locator(f'#complaint-list button[data-complaint="{c["id"]}"]').click()
    expect(page.locator("#complaint-address")).to_contain_text("Pertigaan dekat masjid")
    page.locator("#c-locate").click()
    page.locator("#cl-pick").click()
    page.locator("#map").click(position={"x": 300, "y": 300})
    expect(page.locator("#cl-msg")).to_have_text("Lokasi dipilih dari peta.")
    assert page.locator("#cl-lat").input_value() != ""
    page.locator("#cl-lat").fill(str(INSIDE[0] + 0.001))
    page.locator("#cl-lon").fill(str(INSIDE[1]))
    page.locator("#cl-save").click()
    expect(page.locator("#c-locate")).to_have_text("Perbaiki lokasi")
    got = api(stack, "GET", f"/api/v1/complaints/{c['id']}", trantib)
    assert (round(got["lat"], 4), round(got["lon"], 4)) == (
        round(INSIDE[0] + 0.001, 4),
        INSIDE[1],
    )
    assert errors == []
    page.context.close()
