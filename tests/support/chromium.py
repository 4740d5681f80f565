"""Debian's Chromium under Playwright, for the e2e tests that open a page: one launcher
(`chromium()`), and `new_page()` for a page in a context of its own (viewport, phone
emulation, permissions, CSP bypass) that closes with the page's context."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = os.environ.get("K3_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Screenshots are pictures for people (README, reviews), not checks of behaviour: `make
# screenshots` takes them (K3_TAKE_SCREENSHOTS=1); `make test` leaves out their minutes of
# rendering. The views they show are checked at both sizes by the other browser tests.
TAKE_SCREENSHOTS = pytest.mark.skipif(
    os.environ.get("K3_TAKE_SCREENSHOTS") != "1", reason="only with make screenshots"
)
OFFICE = (1366, 768)
PHONE = (390, 844)


@contextmanager
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        raise AssertionError(f"{CHROMIUM} missing: scripts/bootstrap.sh installs Debian's chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def new_page(browser: Browser, size: tuple[int, int] = OFFICE, **context: Any) -> Page:
    """A page in a fresh context of `size` (width, height); `context` goes to
    Browser.new_context (is_mobile, geolocation, permissions, bypass_csp, ...). Close it
    with `page.context.close()`."""
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]}, **context)
    return ctx.new_page()


def console_sign_in(page: Page, base: str, user: str, password: str) -> None:
    """Open the console and sign in as a person would; returns once it is ready."""
    page.goto(base + "/console")
    page.get_by_label("Nama pengguna").fill(user)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=30_000)


AXE = Path(__file__).resolve().parents[2] / "console" / "node_modules" / "axe-core" / "axe.min.js"


def axe_serious(page: Page) -> list[dict[str, Any]]:
    """axe-core (from npm, console/package.json) run on the page as it is: the serious and
    critical violations (id, impact, the first nodes). The page's context must bypass the
    CSP (`new_page(..., bypass_csp=True)`): the script is added inline."""
    if not AXE.exists():
        raise AssertionError(f"{AXE} missing: run npm ci in console/")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, { resultTypes: ["violations"] })).violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                           nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }))"""
    )
    return list(found)
