"""The public transparency page, /publik/<kecamatan>: no sign-in, no personal data.

Server-rendered (it reads without JavaScript); api/static/publik.js adds the map, drawing
the zones and kelurahan from this app's own OGC API (/ogc/kecamatan/<slug>/...) with the
Leaflet the console already serves from its npm-installed files. Cached: public
Cache-Control with an ETag (a 304 costs no rendering of the body to the network).
"""

from __future__ import annotations

import logging
import uuid

from flask import Blueprint, Response, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from api.context import k3
from api.downloads import content_disposition
from api.problems import problem, status_of
from k3zones.errors import DomainError, NotFound
from k3zones.services import publik
from k3zones.storage import ObjectMissing

blp = Blueprint("publik", __name__, url_prefix="/publik")

PAGE_MAX_AGE = 300
RENDER_TTL = 60
log = logging.getLogger(__name__)
FILE_MAX_AGE = 86400

STATUS_TEXT = {
    "belum_tertib": "Belum tertib",
    "dalam_penertiban": "Dalam penertiban",
    "layak_tertib": "Layak tertib (menunggu verifikasi)",
    "tertib": "Tertib",
}


@blp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> Response:
    return problem(status_of(error), error.message)


@blp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    return problem(error.code or 500, error.description or "Tidak dapat dilayani.")


def _cached(resp: Response, max_age: int) -> Response:
    resp.headers["Cache-Control"] = f"public, max-age={max_age}"
    if "ETag" not in resp.headers:
        resp.add_etag()
    resp.make_conditional(request)  # 304 without a body when If-None-Match matches
    return resp


def _pct(value: object) -> str:
    if value is None:
        return "-"
    text = f"{float(str(value)):.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + " %"


def _render(kecamatan: str) -> str:
    view = publik.overview(k3().uow, kecamatan)
    config = {
        "kecamatan": view.slug,
        "zones": url_for("ogc.items", kecamatan=view.slug, cid="zones", limit=1000, f="json"),
        "kelurahan": url_for(
            "ogc.items", kecamatan=view.slug, cid="kelurahan", limit=1000, f="json"
        ),
        "tileUrl": k3().settings.tile_url,
        "tileAttribution": k3().settings.tile_attribution,
    }
    return render_template(
        "publik.html", view=view, config=config, status_text=STATUS_TEXT, pct=_pct
    )


@blp.get("/<kecamatan>")
def page(kecamatan: str) -> Response:
    """The page of one kecamatan. Rendered at most once a minute per kecamatan (the
    indicator of every year is a few queries each); Redis keeps the HTML meanwhile, and
    without Redis every request renders it."""
    key = f"k3zones:publik:{kecamatan.strip().lower()[:64]}"
    html: str | None = None
    try:
        cached = k3().redis.get(key)
        html = cached.decode() if isinstance(cached, bytes) else None
    except Exception:  # Redis down: render
        log.warning("publik page cache unavailable")
    if html is None:
        html = _render(kecamatan)
        try:
            k3().redis.set(key, html.encode(), ex=RENDER_TTL)
        except Exception:
            log.warning("publik page cache unavailable")
    return _cached(Response(html, mimetype="text/html"), PAGE_MAX_AGE)


@blp.get("/<kecamatan>/foto/<uuid:photo_id>.jpg")
def photo(kecamatan: str, photo_id: uuid.UUID) -> Response:
    """The public copy of a photo the page shows: no EXIF, faces and plates blurred."""
    ctx = k3()
    key, etag = publik.photo_key(ctx.uow, kecamatan, photo_id)
    try:
        data = ctx.storage.get_bytes(key)
    except ObjectMissing as exc:  # a public copy not made yet, or removed by retention
        raise NotFound("Foto tidak ditemukan.") from exc
    resp = Response(data, mimetype="image/jpeg")
    resp.set_etag(etag)
    # Five minutes: a face a reviewer blurs by hand leaves browser and proxy caches soon.
    return _cached(resp, 300)


@blp.get("/<kecamatan>/sk/<uuid:decree_id>.pdf")
def decree_pdf(kecamatan: str, decree_id: uuid.UUID) -> Response:
    """The scanned decree (SK) in force: a public act of the camat."""
    filename, sha256, content = publik.decree_pdf(k3().uow, kecamatan, decree_id)
    resp = Response(content, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = content_disposition(filename, "inline")
    resp.set_etag(sha256)
    return _cached(resp, FILE_MAX_AGE)
