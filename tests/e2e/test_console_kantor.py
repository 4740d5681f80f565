"""The console as a trantib office runs its day (issue 15), in Chromium (Debian's) against
the real stack, with every request to another host refused (no internet, no base map):
kelurahan and zone names on the map, a scale and a clear "no base map" notice; labels
instead of codes and one date format; at office size (1366x768) and phone size (390x844).
"""

from __future__ import annotations

import io
import os
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from tests.support.chromium import (
    OFFICE,
    PHONE,
    TAKE_SCREENSHOTS,
    axe_serious,
    console_sign_in,
    new_page,
)
from tests.support.e2e import (
    api,
    first_point,
    post_patrol,
    send_photo_and_wait,
    sign_in,
)
from tests.support.paths import PHOTOS, ROOT

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("K3_SCREENSHOTS", ROOT / "screenshots"))
OTHER_HOSTS = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")
# Codes of the API that people must never read (word-bounded, case-sensitive).
RAW_CODES = re.compile(
    r"\b(bangunan_liar|teguran_tertulis|menunggu|patroli|kuning|merah|belum_tertib|"
    r"dalam_penertiban|layak_tertib|satpol_pp|perlu_perbaikan|trantib)\b"
)
# One date format: "15 Mar 2024 10.00 WIB"; never "15/3/2024, 10.00.00" nor ISO.
OTHER_DATES = re.compile(r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{2}\.\d{2}")


def open_console(
    browser: Browser,
    stack: Any,
    user: str = "demo.trantib",
    size: tuple[int, int] = OFFICE,
    **context: Any,
) -> tuple[Page, list[str]]:
    page = new_page(browser, size, **context)
    page.route(OTHER_HOSTS, lambda route: route.abort())  # no base map, no internet
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    console_sign_in(page, stack.base, user, stack.demo[user])
    return page, errors


# The "Kota" tab (issue 17), first in this module while the sample is as loaded: a kota
# user sees both sample kecamatan ranked by realisasi against the target, with bars and
# the trend, and downloads the city recap.
NEIGHBOUR = "Bekasi Utara"  # the sample's second kecamatan (DATA CONTOH)


def open_kota(browser: Browser, stack: Any, size: tuple[int, int]) -> tuple[Page, list[str]]:
    page = new_page(browser, size, bypass_csp=True, accept_downloads=True)
    page.route(OTHER_HOSTS, lambda route: route.abort())
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    console_sign_in(page, stack.base, "demo.kota", stack.demo["demo.kota"])
    page.get_by_role("tab", name="Kota").click()
    page.locator("#k-year").fill("2024")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.locator("#k-totals")).to_contain_text("Tahun 2024")
    return page, errors


def test_a_kota_user_sees_every_kecamatan_ranked_and_downloads_the_recap(stack, browser):
    page, errors = open_kota(browser, stack, OFFICE)
    rows = page.locator("#k-table tbody tr")
    expect(rows.filter(has_text=NEIGHBOUR)).to_have_count(1)
    expect(rows.filter(has_text="Medansatria")).to_have_count(1)
    names = rows.evaluate_all("rs => rs.map(r => r.cells[1].firstChild.textContent)")
    ranks = rows.evaluate_all("rs => rs.map(r => r.cells[0].textContent)")
    # 2024: Medansatria 3 of 10 (30 %, its target met) ranks above its neighbour
    assert names.index("Medansatria") < names.index(NEIGHBOUR), names
    assert ranks[names.index("Medansatria")] == "1", ranks
    med = rows.filter(has_text="Medansatria")
    expect(med).to_contain_text("3 dari 10")
    expect(med).to_contain_text("30,00 % / 30,00 %")
    expect(med).to_contain_text("Target tercapai")
    expect(rows.filter(has_text=NEIGHBOUR)).to_contain_text("contoh")
    assert med.locator("svg.kota-bar rect").count() == 2
    assert med.locator("svg.kota-trend circle").count() == 4  # four triwulan of 2024
    expect(page.locator("#k-computed")).to_have_text(
        re.compile(r"^Dihitung \d{1,2} \w{3} \d{4} \d{2}\.\d{2} WIB\.$")
    )
    # the recap, built by the worker (queued like an LKIP export): one table per kecamatan
    # beside the summary, figures as numbers
    with page.expect_download() as dl:
        page.get_by_role("button", name="Unduh rekap kota").click()
    expect(page.locator("#k-download")).to_contain_text("Rekap selesai.")
    path = dl.value.path()
    assert dl.value.suggested_filename == "rekap-kota-wilayah-tertib-tahun-2024.xlsx"
    ws = load_workbook(io.BytesIO(Path(path).read_bytes())).active
    assert ws is not None
    titles = [str(c.value) for c in ws["A"] if c.value]
    assert any(t.startswith("Kecamatan Medansatria") for t in titles)
    assert any(t.startswith(f"Kecamatan {NEIGHBOUR}") for t in titles)
    found = axe_serious(page)
    assert not found, found
    assert errors == []
    page.context.close()


@TAKE_SCREENSHOTS
def test_kota_tab_screenshots(stack, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size in (OFFICE, PHONE):
        page, errors = open_kota(browser, stack, size)
        expect(page.locator("#k-table tbody tr").first).to_be_visible()
        if size == PHONE:
            found = axe_serious(page)
            assert not found, found
        page.locator("#panel-kota").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"konsol-kota-{size[0]}x{size[1]}.png"), full_page=True)
        assert errors == []
        page.context.close()


@pytest.mark.parametrize("size", [OFFICE, PHONE], ids=["kantor", "ponsel"])
def test_the_map_without_internet_names_kelurahan_and_zones(stack, browser, size):
    page, errors = open_console(browser, stack, size=size)
    expect(page.locator("#map-notice")).to_be_visible()
    expect(page.locator("#map-notice")).to_contain_text("Peta dasar tidak tersedia")
    expect(page.locator(".leaflet-control-scale-line")).to_have_text(re.compile(r"^\d+ k?m$"))
    kel = page.locator(".leaflet-tooltip.kel-label")
    assert kel.count() >= 1
    expect(kel.first).to_be_visible()
    zone = page.locator("#zone-list button").first
    name = zone.evaluate("b => b.firstChild.textContent").strip()
    zone.click()  # flies to the zone: its name is on the map
    label = page.locator(".leaflet-tooltip.zone-label", has_text=name).first
    expect(label).to_be_visible()
    # Report markers sit in a pane above the zone lines (they keep the hover).
    z = page.evaluate(
        "[getComputedStyle(document.querySelector('.leaflet-reports-pane')).zIndex,"
        " getComputedStyle(document.querySelector('.leaflet-overlay-pane')).zIndex]"
    )
    assert int(z[0]) > int(z[1])
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"konsol-peta-luring-{size[0]}x{size[1]}.png"), full_page=True)
    # Zoomed far out, zone names give way (kelurahan names stay).
    page.evaluate("map.setZoom(12)")
    expect(label).to_be_hidden()
    assert errors == []
    page.context.close()


def test_codes_are_labels_and_dates_have_one_format(stack, browser):
    zones = api(stack, "GET", "/api/v1/zones", stack.token)["features"]
    zone = sorted(zones, key=lambda f: f["properties"]["name"])[2]
    lat, lon = first_point(zone["geometry"])
    started = datetime(2024, 3, 15, 3, 0, tzinfo=UTC)  # 10.00 WIB
    rid = str(uuid.uuid4())
    body = {
        "id": rid,
        "type": "penertiban",
        "zone_id": zone["id"],
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(minutes=45)).isoformat(),
        "location": {"type": "Point", "coordinates": [lon, lat]},
        "accuracy_m": 6,
        "units": ["satpol_pp", "polsek"],
        "findings": [{"kind": "bangunan_liar", "count": 2, "notes": "Lapak semi permanen"}],
        "actions": [{"kind": "teguran_tertulis", "count": 1}],
        "notes": "Pemilik lapak diberi waktu tiga hari",
        "photos_expected": 0,
    }
    api(stack, "POST", "/api/v1/reports", stack.token, body)
    page, errors = open_console(browser, stack)
    page.locator(f'#zone-list button[data-zone="{zone["id"]}"]').click()
    expect(page.locator("#zone-history th[scope=col]")).to_have_count(4)
    page.get_by_role("tab", name="Antrean tinjauan").click()
    page.locator(f'#queue button[data-report="{rid}"]').click()
    facts = page.locator("#report-facts")
    expect(facts).to_contain_text("15 Mar 2024 10.00 WIB")
    expect(facts).to_contain_text("15 Mar 2024 10.45 WIB")
    expect(facts).to_contain_text("Satpol PP")
    # The officer by full name (demo.petugas filed it), not the username.
    expect(facts).to_contain_text("Petugas Satpol PP (Demo)")
    expect(facts).not_to_contain_text("demo.petugas")
    expect(page.locator("#report-notes")).to_contain_text("Pemilik lapak diberi waktu tiga hari")
    expect(page.locator("#report-notes")).to_contain_text("Lapak semi permanen")
    # The map flew to the report.
    wait = "Math.abs(map.getCenter().lat - %f) < 1e-4 && Math.abs(map.getCenter().lng - %f) < 1e-4"
    page.wait_for_function(wait % (lat, lon), timeout=10_000)
    for tab in ("Zona", "Antrean tinjauan", "Indikator", "Pengaduan"):
        page.get_by_role("tab", name=tab).click()
        # People's free text (the zone's notes from the sample) is theirs, not a code.
        text = page.locator("body").inner_text()
        for prose in page.locator("#zone-notes").all_inner_texts():
            text = text.replace(prose, "")
        assert not RAW_CODES.search(text), (
            tab,
            [
                text[max(0, m.start() - 60) : m.end() + 20].replace("\n", " | ")
                for m in RAW_CODES.finditer(text)
            ],
        )
        assert not OTHER_DATES.search(text), (tab, OTHER_DATES.findall(text))
    assert errors == []
    page.context.close()


def test_pimpinan_approves_the_snapshot_and_the_xlsx_says_so(stack, browser, tmp_path: Path):
    page, errors = open_console(browser, stack, "demo.pimpinan")
    page.get_by_role("tab", name="Indikator").click()
    page.locator("#i-year").fill("2024")
    page.locator("#i-year").dispatch_event("change")
    expect(page.locator("#tertib-count")).to_have_text("3 dari 10 zona tertib")
    if page.locator("#snapshot-take").count() and not page.locator("#snapshot-approve").count():
        page.locator("#snapshot-take").click()
    expect(page.locator("#snapshot-state")).to_have_text("Belum disetujui pimpinan")
    # What changed since the last approved snapshot (none approved yet in this stack).
    expect(page.locator("#snapshot-changes")).to_have_text(
        "Belum ada snapshot yang disetujui sebelumnya."
    )
    page.locator("#snapshot-approve").click()
    expect(page.locator("#snapshot-state")).to_have_text(
        re.compile(r"^Disetujui \d{1,2} \w{3} \d{4} \d{2}\.\d{2} WIB oleh .+")
    )
    expect(page.locator("#snapshot-approve")).to_have_count(0)
    approved = re.compile(
        r"^Disetujui \d{1,2} \w{3} \d{4} \d{2}\.\d{2} WIB oleh Camat Medansatria \(Demo\)$"
    )
    # After a reload the approval still names its date and pimpinan (read from the API).
    page.reload()
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=30_000)
    page.get_by_role("tab", name="Indikator").click()
    page.locator("#i-year").fill("2024")
    page.locator("#i-year").dispatch_event("change")
    expect(page.locator("#snapshot-state")).to_have_text(approved)
    pim = sign_in(stack, "demo.pimpinan")
    listed = [
        s
        for s in api(stack, "GET", "/api/v1/snapshots", pim)
        if s["period_kind"] == "year" and s["period_start"] == "2024-01-01" and s["approved"]
    ]
    assert listed and listed[0]["approved_by_name"] == "Camat Medansatria (Demo)"
    assert listed[0]["approved_at"]
    page.locator("#x-format").select_option("xlsx")
    with page.expect_download(timeout=60_000) as d:
        page.locator("#export").click()
    path = tmp_path / d.value.suggested_filename
    d.value.save_as(path)
    cells = [
        c.value
        for ws in load_workbook(path).worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    ]
    text = " ".join(str(v) for v in cells)
    assert "disetujui pimpinan" in text and "belum disetujui" not in text, text[-600:]
    assert any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in cells)
    # Zones verified in 2024 need verifying again by now (default rule): listed, and said so.
    due = page.locator("#due-list button")
    expect(due.first).to_be_visible()
    due.first.click()
    expect(page.locator("#zone-validity")).to_contain_text(
        "Perlu verifikasi ulang (berlaku sampai "
    )
    assert errors == []
    page.context.close()


# What the viewer says of a photo: taken-at in the one format, distance from the zone, and
# each flag by its label with its numbers.
TAKEN = re.compile(
    r"^\d{1,2} (Jan|Feb|Mar|Apr|Mei|Jun|Jul|Agu|Sep|Okt|Nov|Des) \d{4} \d{2}\.\d{2} WIB$"
)


def report_with_photo(stack: Any, zone: dict[str, Any]) -> str:
    """A patrol of now on the zone with one photo (its EXIF: 2008, far from Bekasi),
    processed by the worker."""
    rid = post_patrol(stack, zone, [], photos=1)
    send_photo_and_wait(stack, rid, PHOTOS / "jpg_gps_DSCN0010.jpg")
    return rid


def test_the_photo_viewer_shows_flags_with_numbers_taken_at_and_distance(stack, browser):
    zones = api(stack, "GET", "/api/v1/zones", stack.token)["features"]
    rid = report_with_photo(stack, zones[3])
    [photo] = api(stack, "GET", f"/api/v1/reports/{rid}", stack.token)["photos"]
    assert photo["zone_distance_m"] > 1000 and {"gps_far", "time_far"} <= set(photo["flags"])
    labels = api(stack, "GET", "/api/v1/labels", stack.token)["evidence_flag"]
    # A browser far from WIB: the times are still WIB.
    page, errors = open_console(browser, stack, timezone_id="America/New_York")
    page.get_by_role("tab", name="Antrean tinjauan").click()
    page.locator(f'#queue button[data-report="{rid}"]').click()
    page.locator("#report-detail button.thumb").click()
    expect(page.locator("#viewer")).to_be_visible()
    expect(page.locator("#viewer-taken")).to_have_text(TAKEN)
    km = f"{photo['zone_distance_m'] / 1000:.1f}".replace(".", ",")
    expect(page.locator("#viewer-distance")).to_have_text(f"{km} km di luar area pantau zona")
    far = page.locator('#viewer-flags li[data-flag="gps_far"]')
    expect(far).to_have_text(
        re.compile("^" + re.escape(labels["gps_far"]) + r": [\d,]+ k?m dari titik laporan$")
    )
    late = page.locator('#viewer-flags li[data-flag="time_far"]')
    expect(late).to_have_text(
        re.compile("^" + re.escape(labels["time_far"]) + r": \d+ hari di luar waktu kegiatan$")
    )
    text = page.locator("#viewer").inner_text()
    assert not RAW_CODES.search(text) and "gps_far" not in text and "time_far" not in text, text
    assert not OTHER_DATES.search(text), text
    # The web image is DOM, the flags are text nodes: no markup was parsed from the API.
    assert page.locator("#viewer-facts *").evaluate_all(
        "els => els.every(e => ['DT', 'DD', 'UL', 'LI', 'SPAN'].includes(e.tagName))"
    )
    page.keyboard.press("Escape")
    assert errors == []
    page.context.close()


def test_office_tools_search_filter_report_table_and_print(stack, browser):
    zones = api(stack, "GET", "/api/v1/zones", stack.token)["features"]
    merah = [f for f in zones if f["properties"]["kategori"] == "merah"]
    page, errors = open_console(browser, stack)
    layers = "state.zoneLayer.getLayers().length"
    assert page.evaluate(layers) == len(zones)
    page.locator("#z-search").fill("sultan agung")
    expect(page.locator("#zone-list li:visible")).to_have_count(1)
    expect(page.locator("#zone-list li:visible")).to_contain_text("Jl. Sultan Agung")
    assert page.evaluate(layers) == 1
    page.locator("#z-search").fill("")
    page.locator("#z-kategori").select_option("merah")
    expect(page.locator("#zone-list li:visible")).to_have_count(len(merah))
    expect(page.locator("#zone-count")).to_have_text(f"{len(merah)} dari {len(zones)} zona")
    assert page.evaluate(layers) == len(merah)
    page.locator("#z-kategori").select_option("")

    # The report table of a period, its totals as the API counts them, and the CSV link.
    page.get_by_role("tab", name="Laporan").click()
    page.locator("#r-from").fill("2024-01-01")
    page.locator("#r-to").fill("2024-12-31")
    page.locator("#r-type").select_option("penertiban")
    page.locator("#r-filters button[type=submit]").click()
    listed = api(
        stack,
        "GET",
        "/api/v1/reports?date_from=2024-01-01&date_to=2024-12-31&type=penertiban&limit=200",
        stack.token,
    )["items"]
    expect(page.locator("#r-table tbody tr")).to_have_count(len(listed))
    q = "date_from=2024-01-01&date_to=2024-12-31&type=penertiban"
    assert page.locator("#r-csv").get_attribute("href") == f"/api/v1/reports.csv?{q}"
    assert listed  # the sample has penertiban reports in 2024
    summary = api(stack, "GET", f"/api/v1/reports/summary?{q}", stack.token)
    assert summary["total"] == len(listed)
    expect(page.locator("#r-total")).to_have_text(str(summary["total"]))
    expect(page.locator("#r-by-type")).to_contain_text(f"Penertiban {summary['total']}")
    expect(page.locator("#r-flagged")).to_have_text(str(summary["flagged"]))
    # "Unduh CSV": the file, fetched with the signed-in token.
    with page.expect_download(timeout=30_000) as d:
        page.locator("#r-csv").click()
    assert d.value.suggested_filename == "laporan.csv"

    # Print: the zone sheet alone (no map, no buttons).
    page.get_by_role("tab", name="Zona").click()
    page.locator("#zone-list button", has_text="Jl. Sultan Agung").click()
    expect(page.locator("#zone-status")).to_be_visible()
    page.emulate_media(media="print")
    page.evaluate("document.body.dataset.print = 'zona'")
    expect(page.locator("#map")).to_be_hidden()
    expect(page.locator("#zone-detail h2")).to_be_visible()
    expect(page.locator("#print-zone")).to_be_hidden()
    page.emulate_media(media="screen")
    assert errors == []
    page.context.close()


def boxes_overlap(a: Any, b: Any) -> bool:
    assert a is not None and b is not None
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("size", [OFFICE, PHONE], ids=["kantor", "ponsel"])
def test_layout_fits_and_axe_finds_nothing_serious(stack, browser, size):
    # The CSP is bypassed only to add axe-core's script to the page.
    page, errors = open_console(browser, stack, size=size, bypass_csp=True)
    width = size[0]
    for sel in ("#title", "#who", "#logout", "#sample-banner"):
        box = page.locator(sel).bounding_box()
        assert box is not None and box["x"] + box["width"] <= width + 0.5, (sel, box)
    zoom = page.locator(".leaflet-control-zoom").bounding_box()
    for sel in ("#legend", "#map-notice"):
        assert not boxes_overlap(page.locator(sel).bounding_box(), zoom), sel
    if size == PHONE:
        # Legend and filters folded away; each opens on demand and fits the screen.
        assert page.locator("#legend").get_attribute("open") is None
        expect(page.locator("#f-from")).to_be_hidden()
        page.locator("#filters-toggle").click()
        expect(page.locator("#filters-toggle")).to_have_attribute("aria-expanded", "true")
        for sel in ("#f-from", "#f-to", "#f-type", "#f-kelurahan", "#f-team"):
            expect(page.locator(sel)).to_be_visible()
            box = page.locator(sel).bounding_box()
            assert box is not None and box["x"] + box["width"] <= width + 0.5, (sel, box)
        page.locator("#legend summary").click()
        assert not boxes_overlap(page.locator("#legend").bounding_box(), zoom)
    found = {}
    page.locator("#zone-list button", has_text="Jl. Sultan Agung").click()
    expect(page.locator("#zone-status")).to_be_visible()
    found["zona"] = axe_serious(page)
    page.get_by_role("tab", name="Indikator").click()
    expect(page.locator("#tertib-count")).to_be_visible()
    found["indikator"] = axe_serious(page)
    page.get_by_role("tab", name="Laporan").click()
    page.locator("#r-filters button[type=submit]").click()
    found["laporan"] = axe_serious(page)
    assert not any(found.values()), found
    assert errors == []
    page.context.close()


def test_every_control_is_reachable_by_keyboard_with_a_visible_focus(stack, browser):
    page, errors = open_console(browser, stack)
    seen: dict[str, str] = {}
    page.locator("#title").click()  # start from the top of the page
    for _ in range(70):
        page.keyboard.press("Tab")
        got = page.evaluate(
            """() => { const a = document.activeElement, s = getComputedStyle(a);
                return [a.id || a.className || a.tagName,
                        s.outlineStyle + " " + s.outlineWidth]; }"""
        )
        # A date input is visited once per field (day, month, year): each must show focus.
        if seen.get(str(got[0]), "solid").startswith("solid"):
            seen[str(got[0])] = str(got[1])
    for wanted in ("logout", "f-from", "tab-zona", "tab-laporan", "z-search", "z-kategori"):
        assert wanted in seen, (wanted, sorted(seen))
        assert seen[wanted].startswith("solid") and seen[wanted] != "solid 0px", (wanted, seen)
    assert any("leaflet-control-zoom-in" in k for k in seen), sorted(seen)
    assert errors == []
    page.context.close()
