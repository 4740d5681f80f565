"""The public complaint form /lapor and the status page /lapor/<code>: Bahasa Indonesia,
mobile first, small (one server-rendered page, one small script, the console's Leaflet),
usable without an account and without JavaScript (the location can be typed).

Abuse: a per-address limit (the app's limiter, in Redis), a honeypot field, size limits
per photo and per request, duplicates merged by the service. Nothing is stored unless the
whole complaint (and every photo) is accepted."""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    Response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import RequestEntityTooLarge

from api.context import k3, limiter
from api.problems import status_of
from k3zones import complaints as rules
from k3zones.complaints import DuplicateRule
from k3zones.enums import ComplaintChannel
from k3zones.errors import DomainError, FieldError, InvalidInput, TooLarge
from k3zones.services import complaints
from k3zones.services.photos import Upload, spool
from k3zones.storage import ObjectMissing, StorageError
from k3zones.strictjson import text_problem

log = logging.getLogger(__name__)

blp = Blueprint("lapor", __name__, url_prefix="/lapor")

HONEYPOT = "situs_web"  # hidden from people by CSS; bots fill it
FIELDS = (
    "service_code",
    "description",
    "lat",
    "long",
    "address_string",
    "first_name",
    "phone",
    "email",
)
LABELS = {
    "service_code": "Jenis masalah",
    "description": "Keterangan",
    "lat": "Lokasi",
    "long": "Lokasi",
    "address_string": "Alamat",
    "first_name": "Nama",
    "phone": "Nomor telepon",
    "email": "E-mail",
    "media": "Foto",
}


def _config() -> dict[str, Any]:
    s = k3().settings
    return {
        "tileUrl": s.tile_url,
        "tileAttribution": s.tile_attribution,
        "maxPhotos": rules.MAX_PHOTOS,
        "maxPhotoBytes": s.max_photo_bytes,
    }


def _form_page(values: dict[str, str], errors: list[dict[str, str]], status: int = 200) -> Response:
    html = render_template(
        "lapor.html",
        categories=rules.CATEGORIES,
        descriptions=rules.CATEGORY_DESCRIPTIONS,
        values=values,
        errors=errors,
        config=_config(),
        honeypot=HONEYPOT,
        max_photos=rules.MAX_PHOTOS,
        max_mb=k3().settings.max_photo_bytes // (1024 * 1024),
    )
    return Response(html, status=status, mimetype="text/html")


@blp.get("")
def form() -> Response:
    return _form_page({}, [])


def _errors_of(exc: DomainError) -> list[dict[str, str]]:
    out = [
        {
            "field": LABELS.get(str(e.path[0]), str(e.path[0])) if e.path else "",
            "message": e.message,
        }
        for e in exc.errors
        if e.message
    ]
    return out or [{"field": "", "message": exc.message}]


def _read_photos(max_bytes: int) -> list[complaints.PhotoUpload]:
    files = [f for f in request.files.getlist("foto") if f.filename]
    if len(files) > rules.MAX_PHOTOS:
        raise InvalidInput(
            f"Paling banyak {rules.MAX_PHOTOS} foto.",
            [FieldError(("media",), f"Paling banyak {rules.MAX_PHOTOS} foto.")],
        )
    out = []
    for f in files:
        up = spool(f.stream, max_bytes)
        if up is None:
            raise TooLarge(
                f"Foto terlalu besar; paling besar {max_bytes // (1024 * 1024)} MB per foto.",
                [FieldError(("media",), f"Paling besar {max_bytes // (1024 * 1024)} MB per foto.")],
            )
        out.append(complaints.check_photo(Upload(up.file, up.size, up.sha256, f.mimetype)))
    return out


@blp.post("")
def submit() -> Response:
    st = k3().settings
    per_request = rules.MAX_PHOTOS * st.max_photo_bytes + 256 * 1024
    values: dict[str, str] = {}
    try:
        with limiter().limit(
            st.complaint_limit_per_address, key_func=lambda: f"lapor:{request.remote_addr}"
        ):
            if request.content_length is not None and request.content_length > per_request:
                raise TooLarge("Kiriman terlalu besar; kecilkan foto lalu kirim lagi.")
            request.max_content_length = per_request
            form_data = request.form
            values = {k: form_data.get(k, "") for k in FIELDS}
            for k, v in values.items():
                if why := text_problem(v):
                    raise InvalidInput("Data belum benar.", [FieldError((k,), why)])
            if form_data.get(HONEYPOT):
                # Only a program fills a field people cannot see: nothing is stored.
                log.info("lapor honeypot filled from %s", request.remote_addr)
                raise InvalidInput("Formulir tidak dapat diproses.")
            data = rules.parse_input(values, require_location=True)
            if isinstance(data, list):
                raise InvalidInput("Data belum benar.", data)
            photos = _read_photos(st.max_photo_bytes)
            done = complaints.submit(
                k3().uow,
                k3().storage,
                data,
                channel=ComplaintChannel.FORMULIR,
                photos=photos,
                duplicate=DuplicateRule(st.complaint_duplicate_m, st.complaint_duplicate_days),
            )
    except RateLimitExceeded:
        return _form_page(
            values,
            [{"field": "", "message": "Terlalu banyak laporan dari alamat ini. Coba lagi nanti."}],
            429,
        )
    except RequestEntityTooLarge:
        return _form_page(
            values, [{"field": "Foto", "message": "Kiriman terlalu besar; kecilkan foto."}], 413
        )
    except DomainError as exc:
        return _form_page(values, _errors_of(exc), status_of(exc))
    k3().relay()
    return redirect(url_for("lapor.status", code=done.code, baru=1), 303)  # type: ignore[return-value]


@blp.get("/<code>")
def status(code: str) -> Response:
    try:
        row = complaints.public_request(k3().uow, None, code)
        timeline = complaints.public_timeline(k3().uow, code)
    except DomainError as exc:
        html = render_template("lapor_status.html", row=None, message=exc.message, code=code[:40])
        return Response(html, status=status_of(exc), mimetype="text/html")
    html = render_template(
        "lapor_status.html",
        row=row,
        timeline=timeline,
        fresh=request.args.get("baru") == "1",
        message=None,
        code=row["service_request_id"],
    )
    return Response(html, mimetype="text/html")


@blp.get("/foto/<uuid:photo_id>/<any(web,thumb):variant>.jpg")
def photo(photo_id: Any, variant: str) -> Response:
    """A citizen's photo as the pipeline derived it: no EXIF, no location."""
    try:
        key = complaints.public_photo(k3().uow, photo_id, variant)
        data = k3().storage.get_bytes(key)  # derived JPEGs are small (web: ~200 KB)
    except (DomainError, ObjectMissing):
        return Response("Foto tidak ditemukan.", status=404, mimetype="text/plain")
    except StorageError:
        resp = Response(
            "Penyimpanan foto sedang tidak tersedia.", status=503, mimetype="text/plain"
        )
        resp.headers["Retry-After"] = "30"
        return resp
    resp = Response(data, mimetype="image/jpeg")
    # Five minutes, not a day: a face a reviewer blurs by hand disappears from caches soon.
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp
