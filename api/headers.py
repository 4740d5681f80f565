"""Security headers on every response: one after_request, configured once from Settings.

- A strict Content-Security-Policy for the console and the whole app: scripts and styles
  only from this origin (no inline script, no eval), images also from data:/blob: (photos
  are shown from blob: URLs) and from the base-map tile host when K3_TILE_URL names one;
  no plugins, no framing, no <base> tricks. Leaflet positions its layers through
  element.style (CSSOM), which style-src 'self' allows.
- The Swagger UI page (/api/v1/docs) keeps the same policy except that its one inline
  script (flask-smorest's template) is allowed by its SHA-256 hash, computed from the page
  itself; nothing else on any path gets an inline allowance.
- nosniff, no Referer, a Permissions-Policy that turns off sensors the console never uses,
  X-Frame-Options DENY (for old browsers), HSTS only when K3_PUBLIC_URL is https.
- Cache-Control: no-store on API JSON and on anything answered to a request that carried
  Authorization (unless the view chose its own caching for a non-JSON body, like photos);
  static console, vendor and Swagger files keep their caching.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

from k3zones.settings import Settings

log = logging.getLogger(__name__)

DOCS_ENDPOINT = "api-docs.openapi_swagger_ui"
# Public documents of the API: cacheable like static files.
PUBLIC_DOCS = ("/api/v1/docs", "/api/v1/openapi.json")
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
# Pages that may ask for the phone's position (the citizens' form); all others may not.
GEOLOCATION_ENDPOINTS = frozenset({"lapor.form", "lapor.submit"})
PERMISSIONS_POLICY_GPS = PERMISSIONS_POLICY.replace("geolocation=()", "geolocation=(self)")
HSTS = "max-age=31536000; includeSubDomains"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)
_SUBDOMAIN_TEMPLATE = re.compile(r"^\{[a-z]\}\.")


def tile_source(tile_url: str) -> str | None:
    """The CSP source of the base-map tiles (`https://*.tile.example` for `{s}.`), or None
    when there are none or they come from this origin."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url)
    if not parts.scheme and not parts.netloc:
        return None  # a path on this origin: 'self' covers it
    host = _SUBDOMAIN_TEMPLATE.sub("*.", parts.netloc)
    if parts.scheme not in ("http", "https") or not re.fullmatch(r"[A-Za-z0-9.*:\-\[\]]+", host):
        log.warning("K3_TILE_URL %r has no usable host; the CSP will block its tiles", tile_url)
        return None
    return f"{parts.scheme}://{host}"


def content_security_policy(settings: Settings, script_hashes: tuple[str, ...] = ()) -> str:
    img = ["'self'", "data:", "blob:"]
    tiles = tile_source(settings.tile_url)
    if tiles:
        img.append(tiles)
    script = ["'self'", *(f"'sha256-{h}'" for h in script_hashes)]
    directives = {
        "default-src": ["'self'"],
        "script-src": script,
        "style-src": ["'self'"],
        "img-src": img,
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{k} {' '.join(v)}" for k, v in directives.items())


def _inline_script_hashes(body: bytes) -> tuple[str, ...]:
    return tuple(
        base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode()
        for m in _INLINE_SCRIPT.finditer(body)
    )


# Signed-in answers that hold nothing about the caller (the label table): the view's own
# `Cache-Control: private, max-age=...` stands instead of no-store.
SHAREABLE_PRIVATE = frozenset({"labels.Labels"})


def _private(resp: Response) -> bool:
    """Whether the answer must never be stored by a browser or a proxy."""
    is_json = (resp.mimetype or "").endswith("json")
    if request.endpoint in SHAREABLE_PRIVATE:
        return False  # the same for every signed-in user; the view sets private caching
    if "Authorization" in request.headers:
        return is_json or "Cache-Control" not in resp.headers
    path = request.path
    return is_json and path.startswith("/api/v1") and not path.startswith(PUBLIC_DOCS)


def _add_headers(resp: Response) -> Response:
    settings: Settings = current_app.extensions["k3"].settings
    h = resp.headers
    if request.endpoint == DOCS_ENDPOINT and resp.mimetype == "text/html":
        h["Content-Security-Policy"] = content_security_policy(
            settings, _inline_script_hashes(resp.get_data())
        )
    else:
        h["Content-Security-Policy"] = current_app.extensions["k3_csp"]
    h["X-Content-Type-Options"] = "nosniff"
    h["Referrer-Policy"] = "no-referrer"
    h["Permissions-Policy"] = (
        PERMISSIONS_POLICY_GPS if request.endpoint in GEOLOCATION_ENDPOINTS else PERMISSIONS_POLICY
    )
    h["X-Frame-Options"] = "DENY"
    h["Cross-Origin-Opener-Policy"] = "same-origin"
    h["Cross-Origin-Resource-Policy"] = "same-origin"
    if settings.public_url.lower().startswith("https://"):
        h["Strict-Transport-Security"] = HSTS
    if _private(resp):
        h["Cache-Control"] = "no-store"
        h.pop("Expires", None)
    return resp


def register(app: Flask) -> None:
    app.extensions["k3_csp"] = content_security_policy(app.extensions["k3"].settings)
    app.after_request(_add_headers)
