"""OpenRosa 1.0 server for ODK Collect, one per kecamatan (/openrosa/<slug>).

It serves the forms: formList, the XForms (built from k3zones/forms with pyxform), their
manifests and the zones.csv media (regenerated from the zones in force, so a new decree
needs no new form), and takes submissions (k3zones.services.collect). Sign-in is HTTP
Basic with the officer's own k3zones account, checked in api.security like every request.
"""

from __future__ import annotations

from email.utils import formatdate

from flask import Blueprint, Response, abort, request
from werkzeug.exceptions import HTTPException

from api.context import k3, limiter, principal
from api.problems import status_of
from k3zones import odk
from k3zones.errors import DomainError, NotFound
from k3zones.models import Kecamatan
from k3zones.services import collect
from k3zones.services import plans as plan_service

blp = Blueprint("openrosa", __name__, url_prefix="/openrosa/<slug>")
MAX_SUBMISSION = 50 * 1024 * 1024


def openrosa(body: bytes, status: int = 200, mimetype: str = "text/xml") -> Response:
    resp = Response(body, status=status, mimetype=mimetype)
    resp.headers["X-OpenRosa-Version"] = "1.0"
    resp.headers["Date"] = formatdate(usegmt=True)
    return resp  # text/* types get "; charset=utf-8" from Werkzeug


def _kecamatan(slug: str) -> Kecamatan:
    try:
        return collect.kecamatan_for(k3().uow, principal(), slug)
    except NotFound:
        abort(404)  # answered as an OpenRosa message by the handler below


def _zones_csv(slug: str) -> bytes:
    return collect.zones_csv(k3().uow, principal().scope, slug)


def _base(slug: str) -> str:
    return f"{request.host_url.rstrip('/')}/openrosa/{slug}"


@blp.get("/formList")
def form_list(slug: str) -> Response:
    _kecamatan(slug)
    return openrosa(odk.form_list(_base(slug), [odk.build_form(f) for f in odk.FORMS]))


@blp.get("/forms/<form_id>.xml")
def form_xml(slug: str, form_id: str) -> Response:
    _kecamatan(slug)
    if form_id not in odk.FORMS:
        abort(404)
    return openrosa(odk.build_form(form_id).xml)


@blp.get("/forms/<form_id>/manifest")
def form_manifest(slug: str, form_id: str) -> Response:
    _kecamatan(slug)
    if form_id not in odk.FORMS:
        abort(404)
    media = {"zones.csv": _zones_csv(slug), "tugas.csv": _tasks_csv(slug)}
    return openrosa(odk.manifest(_base(slug), form_id, media))


@blp.get("/forms/<form_id>/zones.csv")
def zones_media(slug: str, form_id: str) -> Response:
    _kecamatan(slug)
    if form_id not in odk.FORMS:
        abort(404)
    return openrosa(_zones_csv(slug), mimetype="text/csv")


def _tasks_csv(slug: str) -> bytes:
    _kecamatan(slug)
    return plan_service.tasks_csv(k3().uow, principal())


@blp.get("/forms/<form_id>/tugas.csv")
def tasks_media(slug: str, form_id: str) -> Response:
    """Today's tasks of the officer's teams (jadwal patroli), for Collect offline."""
    if form_id not in odk.FORMS:
        abort(404)
    return openrosa(_tasks_csv(slug), mimetype="text/csv")


@blp.route("/submission", methods=["POST"])
def submission(slug: str) -> Response:
    """A filled form from Collect: the XML plus its photos, maybe split over several POSTs
    (*isIncomplete*=yes), each resending the full XML. The same instance again changes
    nothing; the same instanceID with other XML is 409."""
    ctx = k3()
    request.max_content_length = MAX_SUBMISSION
    xml_file = request.files.get("xml_submission_file")
    if xml_file is None:
        return message(400, "Kiriman tanpa xml_submission_file.")

    def part(name: str) -> collect.Part | None:
        f = request.files.get(name)
        return None if f is None else collect.Part(f.stream, f.mimetype)

    try:
        # Per officer, like report POSTs (the same limit, counted for ODK on its own).
        with limiter().limit(
            ctx.settings.report_limit_per_officer,
            key_func=lambda: f"odk-reports:{principal().user_id}",
        ):
            created = collect.receive(
                ctx.uow,
                ctx.storage,
                ctx.rules,
                principal(),
                slug,
                xml_file.read(),
                part,
                ctx.settings.max_photo_bytes,
            )
    except NotFound:
        abort(404)
    except DomainError as exc:
        detail = exc.message + "".join(f" {e.message}" for e in exc.errors[:5])
        return message(status_of(exc), detail)
    ctx.relay()
    return message(201 if created else 202, "Laporan diterima. Terima kasih.")


@blp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    # Collect shows the <message> of a refusal to the officer: XML here, not problem+json.
    texts = {
        404: "Alamat atau formulir tidak ditemukan untuk akun Anda.",
        413: "Kiriman terlalu besar.",
        405: "Metode tidak didukung.",
        429: "Terlalu banyak kiriman dari akun ini. Coba kirim lagi nanti; laporan tetap "
        "tersimpan di ponsel.",
    }
    resp = message(exc.code or 500, texts.get(exc.code or 500, "Permintaan tidak dapat diproses."))
    if exc.code == 429:
        resp.headers["Retry-After"] = "600"
    return resp


def message(status: int, text: str) -> Response:
    """An OpenRosaResponse whose <message> Collect shows to the officer."""
    return openrosa(odk.openrosa_message(text), status=status)


@blp.route("/submission", methods=["HEAD"])
def submission_head(slug: str) -> Response:
    """Collect asks before sending: 204 with the largest body we take."""
    _kecamatan(slug)
    resp = openrosa(b"", status=204)
    resp.headers["X-OpenRosa-Accept-Content-Length"] = str(MAX_SUBMISSION)
    return resp
