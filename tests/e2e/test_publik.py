"""The public transparency page in headless Chromium (Debian's), against the live stack:
no sign-in, the ten zones on the map and in the table, the indicator by year against
the Renstra target, and no officer's name or username in the page or any of its requests
(HTML, script, styles, the OGC API's GeoJSON the map reads)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Response, expect

from k3zones.services.sample import DEMO_USERS
from tests.support.chromium import chromium
from tests.support.e2e import http

pytestmark = pytest.mark.e2e
# Every person the sample knows: usernames and full names.
PEOPLE = [u for u, _, _ in DEMO_USERS] + [n for _, n, _ in DEMO_USERS]


def test_public_page_shows_zones_indicator_and_no_person(stack: Any) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        responses: list[Response] = []
        csp: list[str] = []
        page.on("response", lambda r: responses.append(r))
        page.on(
            "console",
            lambda m: "Content Security Policy" in m.text and csp.append(m.text),
        )
        page.on("pageerror", lambda e: csp.append(f"pageerror: {e}"))
        first = page.goto(stack.base + "/publik/medansatria")
        assert first is not None and first.status == 200
        assert first.headers["cache-control"].startswith("public")
        assert first.headers.get("etag")
        page.wait_for_selector("#map[data-zones='10']", state="attached", timeout=30_000)
        expect(page.locator("tr.zone")).to_have_count(10)
        expect(page.locator("#zone-count")).to_have_text("10")
        # Ten zones and four kelurahan drawn by Leaflet (SVG paths).
        expect(page.locator(".leaflet-overlay-pane path")).to_have_count(14)
        row = page.locator("tr.year[data-year='2024']")
        expect(row.locator(".realisasi")).to_have_text("30 %")
        expect(row.locator(".target")).to_have_text("30 %")
        expect(page.locator(".decree-nomor")).to_have_text("300/Kep.15-Kc.Ms.Tib/I/2024")
        # The 2024 verifications ended with triwulan I of 2025 (the default rule): today the 3
        # zones are what their reports say, and the 2024 row above still counts them.
        expect(page.locator("td.status.tertib")).to_have_count(0)
        expect(page.locator("td.status.dalam_penertiban")).to_have_count(3)
        # A zone's popup is DOM text.
        page.locator(".leaflet-overlay-pane path").last.click(force=True)
        html = page.content()
        assert csp == [], csp
        texts = [html, *(r.url for r in responses)]
        for r in responses:
            if r.status == 200:
                texts.append(r.body().decode("utf-8", "replace"))
        kinds = {r.request.resource_type for r in responses}
        assert {"document", "script", "stylesheet", "fetch"} <= kinds, kinds
        assert any("/ogc/kecamatan/medansatria/collections/zones/items" in r.url for r in responses)
        for blob in texts:
            for person in PEOPLE:
                assert person not in blob, person
            assert '"officer"' not in blob and '"actor"' not in blob
        page.close()
    # No sign-in anywhere: the page answers without one and sets no cookie.
    status, headers, _ = http("GET", stack.base + "/publik/medansatria")
    assert status == 200 and headers.get("Set-Cookie") is None
