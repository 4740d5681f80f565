"""Hostile names in the Seksi Trantib console (Chromium, against the real stack).

An officer, an admin or a phone can put any text in a zone name, a kelurahan, a team, a
person's name, a decree number, report notes, flag messages and a photo's EXIF make and
model. Here every one of those holds markup that would run script if it were rendered as
HTML (`<img onerror>`, `<script>`, `"><svg onload>`), and the console is walked through
every place they show: the zone tooltip on the map, the zone list and panel, the filters,
the review queue, the report panel with its photo.

Two walls, each tested on its own:
- the DOM: run once with the CSP switched off in the browser, so only app.js's handling of
  text stands between the strings and the page (a string that became HTML would set
  window.__pwned or leave an <img src=x>/<svg> element behind);
- the Content-Security-Policy: run again with it on, and check the header is there, the
  console trips no violation of its own, and markup injected on purpose cannot run.
"""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text

from tests.support.chromium import OFFICE, new_page
from tests.support.e2e import http, wait_for
from tests.support.paths import PHOTOS

pytestmark = pytest.mark.e2e
PHOTO = PHOTOS / "jpg_gps_DSCN0010.jpg"

IMG = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "<script>window.__pwned=1</script>"
SVG = '"><svg onload=window.__pwned=1>'
HOSTILE = {
    "zone": "Zona " + IMG,
    "zone_notes": "Catatan zona " + SVG,
    "decree": "SK " + SCRIPT,
    "kelurahan": "Kelurahan " + SVG,
    "team": "Tim " + SCRIPT,
    "full_name": "Kasi " + IMG,
    "username": "petugas" + SVG,
    "notes": "Catatan petugas " + SCRIPT,
    "finding_notes": "Temuan " + IMG,
    "review_note": "Tinjauan " + SVG,
    "flag": "Bendera " + IMG,
    "make": IMG,
    "model": SVG,
}
TARGET_ZONE = "Contoh Zona Kuning 1 (Kalibaru)"
CSP_LOG = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile));
"""


def _hostile_jpeg() -> bytes:
    img = Image.open(PHOTO)
    exif = img.getexif()
    exif[0x010F] = HOSTILE["make"]
    exif[0x0110] = HOSTILE["model"]
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture(scope="module")
def hostile(stack: Any, engine: Any) -> dict[str, str]:
    """The sample data with a hostile string in every field the console shows."""
    with engine.connect() as c:
        zone_id, kelurahan_id, decree_id = c.execute(
            text("SELECT id, kelurahan_id, decree_id FROM zone WHERE name = :n"),
            {"n": TARGET_ZONE},
        ).one()
        # A team of the zone's kecamatan (the sample has a neighbour with its own team).
        team_id = c.execute(
            text(
                "SELECT t.id FROM team t JOIN zone z ON z.kecamatan_id = t.kecamatan_id"
                " WHERE z.id = :z ORDER BY t.name LIMIT 1"
            ),
            {"z": zone_id},
        ).scalar_one()
    rid, pid = str(uuid.uuid4()), str(uuid.uuid4())
    body = {
        "id": rid,
        "type": "patroli",
        "started_at": "2026-01-05T08:00:00+07:00",
        "location": {"type": "Point", "coordinates": [106.9600, -6.2200]},
        "accuracy_m": 8,
        "findings": [{"kind": "sampah", "count": 2, "notes": HOSTILE["finding_notes"]}],
        "notes": HOSTILE["notes"],
        "photos_expected": 1,
    }
    status, _, out = http(
        "POST", stack.base + "/api/v1/reports", json.dumps(body).encode(), token=stack.token
    )
    assert status == 201, out
    status, _, out = http(
        "PUT",
        f"{stack.base}/api/v1/reports/{rid}/photos/{pid}",
        _hostile_jpeg(),
        ctype="image/jpeg",
        token=stack.token,
    )
    assert status in (200, 201, 202), out

    def processed() -> bool:
        _, _, raw = http("GET", f"{stack.base}/api/v1/reports/{rid}", token=stack.token)
        photos = json.loads(raw)["photos"]
        return bool(photos and photos[0]["urls"].get("thumb") and photos[0].get("exif"))

    wait_for(processed, timeout=60, what="the worker to process the hostile photo")
    flag = json.dumps({"hostile": {"message": HOSTILE["flag"]}})
    updates = [
        (
            "UPDATE zone SET name = :v, notes = :n WHERE id = :i",
            {"v": HOSTILE["zone"], "n": HOSTILE["zone_notes"], "i": zone_id},
        ),
        (
            "UPDATE kelurahan SET name = :v WHERE id = :i",
            {"v": HOSTILE["kelurahan"], "i": kelurahan_id},
        ),
        ("UPDATE decree SET nomor = :v WHERE id = :i", {"v": HOSTILE["decree"], "i": decree_id}),
        ("UPDATE team SET name = :v WHERE id = :i", {"v": HOSTILE["team"], "i": team_id}),
        (
            "UPDATE app_user SET full_name = :v WHERE username = 'demo.trantib'",
            {"v": HOSTILE["full_name"]},
        ),
        (
            "UPDATE report SET zone_id = :z, team_id = :t, review_note = :rn,"
            " flags = flags || CAST(:f AS jsonb) WHERE id = :i",
            {"z": zone_id, "t": team_id, "rn": HOSTILE["review_note"], "f": flag, "i": rid},
        ),
        # Last: the petugas signs in no more after this. The report shows the officer's full
        # name (staff read it), so the hostile string goes in both.
        (
            "UPDATE app_user SET username = :v, full_name = :v WHERE username = 'demo.petugas'",
            {"v": HOSTILE["username"]},
        ),
    ]
    with engine.begin() as c:
        for sql, params in updates:
            assert c.execute(text(sql), params).rowcount == 1, sql
    return {"report": rid, "zone": str(zone_id)}


def open_console(browser: Browser, stack: Any, *, bypass_csp: bool) -> tuple[Page, list[str]]:
    page = new_page(browser, OFFICE, bypass_csp=bypass_csp)
    page.add_init_script(CSP_LOG)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on(
        "console",
        lambda m: (
            m.type == "error" and "Content Security Policy" in m.text and errors.append(m.text)
        ),
    )
    response = page.goto(stack.base + "/console")
    assert response is not None
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, csp
    page.get_by_label("Nama pengguna").fill("demo.trantib")
    page.get_by_label("Kata sandi").fill(stack.demo["demo.trantib"])
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=30_000)
    return page, errors


def assert_not_run(page: Page) -> None:
    assert page.evaluate("window.__pwned") is None
    # A string rendered as HTML would leave its element behind even where it cannot run.
    # The console's own 5 scripts: config, leaflet, markercluster, app.js, kota.js.
    injected = page.evaluate(
        """() => document.querySelectorAll('img[src="x"], svg[onload], [onerror], [onload]').length
           + document.querySelectorAll("script").length - 5"""
    )
    assert injected == 0


def walk_every_place(page: Page, hostile: dict[str, str]) -> None:
    # The team and kelurahan filters.
    expect(page.locator("#f-team option", has_text=HOSTILE["team"])).to_have_count(1)
    expect(page.locator("#f-kelurahan option", has_text=HOSTILE["kelurahan"])).to_have_count(1)
    # Who is signed in.
    expect(page.locator("#who")).to_contain_text(HOSTILE["full_name"])
    # The zone's tooltip on the map (hovering its shape).
    page.evaluate(
        "(id) => state.zones[id].layer.getElement().setAttribute('data-test-zone', id)",
        hostile["zone"],
    )
    page.locator(f'[data-test-zone="{hostile["zone"]}"]').dispatch_event("mouseover")
    tooltip = page.locator(".leaflet-tooltip", has_text=HOSTILE["zone"])
    expect(tooltip).to_be_visible()
    assert tooltip.inner_text().strip() == HOSTILE["zone"]
    assert_not_run(page)
    # The zone list and the zone panel.
    page.locator(f'#zone-list button[data-zone="{hostile["zone"]}"]').click()
    detail = page.locator("#zone-detail")
    expect(detail.locator("h2")).to_have_text(HOSTILE["zone"])
    for key in ("kelurahan", "decree", "zone_notes"):
        expect(detail).to_contain_text(HOSTILE[key])
    expect(detail.locator("#report-notes")).to_have_count(0)
    assert_not_run(page)
    # The review queue, then the report panel with its photo.
    page.get_by_role("tab", name="Antrean tinjauan").click()
    item = page.locator(f'#queue button[data-report="{hostile["report"]}"]')
    expect(item).to_contain_text(HOSTILE["zone"])
    expect(item).to_contain_text(HOSTILE["flag"])
    item.click()
    report = page.locator("#report-detail")
    for key in ("zone", "team", "username", "notes", "finding_notes", "review_note", "flag"):
        expect(report).to_contain_text(HOSTILE[key])
    camera = report.locator(".photo-camera")
    expect(camera).to_have_text(HOSTILE["make"] + " " + HOSTILE["model"], timeout=15_000)
    expect(report.locator(".thumbs img")).to_have_count(1)
    assert_not_run(page)
    # The Jadwal tab: the zone in the week's grid, the team in the plan editor.
    page.get_by_role("tab", name="Jadwal").click()
    expect(page.locator("#jadwal-grid tbody th", has_text=HOSTILE["zone"])).to_have_count(1)
    page.locator("#plan-new").click()
    expect(page.locator("#p-team option", has_text=HOSTILE["team"])).to_have_count(1)
    expect(page.locator("#p-target option", has_text=HOSTILE["zone"])).to_have_count(1)
    assert_not_run(page)


def test_hostile_strings_stay_text_even_without_the_csp(stack, browser, hostile):
    """The DOM wall alone: the browser ignores the CSP here."""
    page, errors = open_console(browser, stack, bypass_csp=True)
    walk_every_place(page, hostile)
    assert errors == []
    page.context.close()


def test_with_the_csp_the_console_trips_no_violation_and_injected_markup_cannot_run(
    stack, browser, hostile
):
    page, errors = open_console(browser, stack, bypass_csp=False)
    walk_every_place(page, hostile)
    assert errors == [] and page.evaluate("window.__csp") == []
    # The CSP wall alone: markup forced into the page (as a bug in app.js would) stays inert.
    page.evaluate(
        """() => { const d = document.createElement("div");
                   d.innerHTML = '<img src="data:," onerror="window.__pwned=1">';
                   document.body.append(d); }"""
    )
    wait_for(lambda: page.evaluate("window.__csp.length") > 0, timeout=5, what="a CSP report")
    assert page.evaluate("window.__pwned") is None
    assert any("script-src" in v for v in page.evaluate("window.__csp"))
    page.context.close()


def test_swagger_ui_works_under_its_policy(stack, browser):
    context = browser.new_context()
    context.add_init_script(CSP_LOG)
    page = context.new_page()
    response = page.goto(stack.base + "/api/v1/docs")
    assert response is not None
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("k3zones", timeout=20_000)
    expect(page.locator(".opblock").first).to_be_visible()
    # Only an image from another host may be refused (Swagger's online validator badge).
    refused = [v for v in page.evaluate("window.__csp") if not v.startswith("img-src")]
    assert refused == []
    context.close()
