"""API8:2023 Security Misconfiguration, for k3zones.

What an attacker would look for and does not find here:
- Every kind of answer (JSON, problem+json errors, the console page, its static and vendor
  files, OpenRosa XML for ODK Collect) carries the security headers: a strict
  Content-Security-Policy (no inline script, no eval, no plugins, no framing), nosniff,
  no Referer, a Permissions-Policy with camera/microphone/geolocation off, X-Frame-Options.
- API JSON and anything answered to a request that carried credentials is never cached
  (Cache-Control: no-store), while static console files keep their caching.
- A crash answers a plain problem+json 500 in Bahasa Indonesia: no stack trace, no
  exception class, no secret from the exception text. Debug mode is off.
- HSTS is sent only when K3_PUBLIC_URL is https (never on a plain-http install, where it
  would be ignored or lock people out of a later http fallback).
- The console's policy lets images come from the base-map tile host only when K3_TILE_URL
  names one; with no base map, from nowhere but this origin (data:/blob: for photos).
- The console page has no inline executable script, no inline event handler and no
  inline style: its configuration travels as JSON data.
"""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from typing import Any

from tests.support.http import PROBLEM, assert_problem

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def csp(resp: Any) -> dict[str, list[str]]:
    raw = resp.headers.get("Content-Security-Policy")
    assert raw, f"no CSP on {resp.request.path}"
    out: dict[str, list[str]] = {}
    for part in raw.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def assert_secured(resp: Any) -> dict[str, list[str]]:
    for name, value in COMMON.items():
        assert resp.headers.get(name) == value, (resp.request.path, name, resp.headers)
    perms = resp.headers.get("Permissions-Policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in perms, perms
    policy = csp(resp)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    script = policy["script-src"]
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, script
    assert "*" not in script and "data:" not in script, script
    return policy


def test_json_and_problem_answers_carry_the_headers_and_are_never_cached(app, client):
    anon = app.test_client()
    index = anon.get("/api/v1/")
    assert index.status_code == 200 and index.mimetype == "application/json"
    assert_secured(index)
    assert index.headers["Cache-Control"] == "no-store"

    for resp, status in ((anon.get("/api/v1/zones"), 401), (anon.get("/api/v1/nothing"), 404)):
        assert_problem(resp, status)
        assert_secured(resp)
        assert resp.headers["Cache-Control"] == "no-store"

    # Signed in: the kecamatan's zones must not stay in a shared or browser cache.
    zones = client.get("/api/v1/zones")
    assert zones.status_code == 200, zones.get_json()
    assert_secured(zones)
    assert zones.headers["Cache-Control"] == "no-store"
    assert "Expires" not in zones.headers


def test_openrosa_xml_answers_carry_the_headers(app):
    anon = app.test_client()
    resp = anon.get(
        "/openrosa/medansatria/formList", headers={"Authorization": "Basic bm9ib2R5Om5vcGU="}
    )
    assert resp.status_code == 401
    assert resp.mimetype in ("text/xml", "application/xml"), resp.mimetype
    assert_secured(resp)
    assert resp.headers["Cache-Control"] == "no-store"  # it carried credentials


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline_handlers: list[tuple[str, str]] = []
        self.style_attrs: list[str] = []
        self.style_tags = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts.append(a)
        if tag == "style":
            self.style_tags += 1
        for name, _ in attrs:
            if name.lower().startswith("on"):
                self.inline_handlers.append((tag, name))
            if name.lower() == "style":
                self.style_attrs.append(tag)


def test_console_page_runs_no_inline_script_and_passes_config_as_data(app):
    resp = app.test_client().get("/console/")
    assert resp.status_code == 200
    assert_secured(resp)
    html = resp.get_data(as_text=True)
    page = _Page()
    page.feed(html)
    inline = [s for s in page.scripts if not s.get("src")]
    # The only script element without src is the configuration, typed as JSON data.
    assert [s.get("type") for s in inline] == ["application/json"], page.scripts
    assert page.inline_handlers == [] and page.style_attrs == [] and page.style_tags == 0
    assert "K3_CONFIG =" not in html
    # The JSON cannot close its element early: tojson escapes "<".
    body = re.search(r'id="k3-config">(.*?)</script>', html, re.S)
    assert body and "<" not in body.group(1)


def test_static_files_keep_their_caching_and_get_the_headers(app):
    anon = app.test_client()
    for path in (
        "/console/console/app.js",
        "/console/console/app.css",
        "/console/vendor/leaflet/leaflet.js",
        "/api/v1/docs/static/swagger-ui-bundle.js",
    ):
        resp = anon.get(path)
        assert resp.status_code == 200, path
        assert_secured(resp)
        assert "no-store" not in resp.headers.get("Cache-Control", ""), path
        resp.close()
    vendor = anon.get("/console/vendor/leaflet/leaflet.js")
    assert "max-age=86400" in vendor.headers["Cache-Control"]
    vendor.close()


def test_swagger_ui_gets_only_its_own_inline_script_by_hash(app):
    resp = app.test_client().get("/api/v1/docs")
    assert resp.status_code == 200
    policy = assert_secured(resp)
    hashes = [s for s in policy["script-src"] if s.startswith("'sha256-")]
    assert len(hashes) == 1, policy["script-src"]
    # Nothing else in the app gets that allowance.
    assert not [s for s in csp(app.test_client().get("/console/"))["script-src"] if "sha" in s]


def _app(settings: Any, **changes: Any) -> Any:
    from api import create_app  # lazy: tests/conftest.py builds apps inside fixtures too

    return create_app(dataclasses.replace(settings, **changes))


def test_a_crash_answers_a_plain_500_without_internals(settings, engine, monkeypatch):
    app = _app(settings)  # not TESTING: errors are handled as in production
    assert app.debug is False and not app.config.get("PROPAGATE_EXCEPTIONS")

    def explode(_engine: Any) -> Any:
        raise RuntimeError("koneksi gagal: password=rahasia-db-123 di /srv/k3zones/k3zones/db.py")

    monkeypatch.setattr("api.health.check_database", explode)
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 500
    assert resp.mimetype == PROBLEM
    assert_secured(resp)
    body = resp.get_data(as_text=True)
    for leak in ("Traceback", "RuntimeError", "rahasia-db-123", "db.py", 'File "'):
        assert leak not in body, (leak, body)
    assert "Terjadi kesalahan di server" in resp.get_json()["detail"]


def test_hsts_only_when_the_public_url_is_https(settings, engine):
    default = _app(settings, public_url="")
    assert "Strict-Transport-Security" not in default.test_client().get("/healthz").headers
    plain = _app(settings, public_url="http://k3.kantor.lan")
    assert "Strict-Transport-Security" not in plain.test_client().get("/healthz").headers
    https = _app(settings, public_url="https://k3zones.jakartautara.go.id")
    for path in ("/healthz", "/console/", "/api/v1/zones"):
        resp = https.test_client().get(path)
        assert (
            resp.headers.get("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
        ), path


def test_tile_host_is_allowed_for_images_only_when_configured(settings, engine):
    none = _app(settings, tile_url="")
    policy = csp(none.test_client().get("/console/"))
    assert policy["img-src"] == ["'self'", "data:", "blob:"]

    osm = _app(settings, tile_url="https://{s}.tile.peta.example.id/{z}/{x}/{y}.png")
    policy = assert_secured(osm.test_client().get("/console/"))
    assert policy["img-src"] == ["'self'", "data:", "blob:", "https://*.tile.peta.example.id"]
    # The tile host may serve images, nothing else.
    for directive in ("script-src", "connect-src", "default-src", "style-src"):
        assert not any("peta.example.id" in v for v in policy[directive]), directive
