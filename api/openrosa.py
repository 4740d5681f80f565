"""OpenRosa 1.0 server for ODK Collect, one per kecamatan (/openrosa/<slug>).

This part serves the forms: formList, the XForms (built from k3zones/forms with pyxform),
their manifests and the zones.csv media (regenerated from the zones in force, so a new
decree needs no new form), and HEAD submission. Sign-in is HTTP Basic with the officer's
own k3zones account, checked in api.security like every other request.
"""

from __future__ import annotations

import uuid
from email.utils import formatdate

from flask import Blueprint, Response, abort, request
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from api.context import k3
from api.problems import status_of
from api.security import principal
from k3zones import odk
from k3zones.errors import DomainError, NotFound
from k3zones.models import Decree, DecreeStatus, Kecamatan, Report, Zone
from k3zones.reports import body_hash
from k3zones.services import photos, reports
from k3zones.services.photos import Upload, spool
from k3zones.services.reference import get_kecamatan_by_slug

blp = Blueprint("openrosa", __name__, url_prefix="/openrosa/<slug>")
MAX_SUBMISSION = 50 * 1024 * 1024


def openrosa(body: bytes, status: int = 200, mimetype: str = "text/xml") -> Response:
    resp = Response(body, status=status, mimetype=mimetype)
    resp.headers["X-OpenRosa-Version"] = "1.0"
    resp.headers["Date"] = formatdate(usegmt=True)
    if mimetype.startswith("text/"):
        resp.charset = "utf-8"
    return resp


def _kecamatan(slug: str) -> Kecamatan:
    with k3().uow() as s:
        try:
            return get_kecamatan_by_slug(s, principal().scope, slug)
        except NotFound:
            abort(404)  # answered as an OpenRosa message by the handler below


def _zones_csv(k: Kecamatan) -> bytes:
    with k3().uow() as s:
        rows = s.execute(
            select(Zone.id, Zone.name, Zone.kategori)
            .join(Decree, Decree.id == Zone.decree_id)
            .where(
                Zone.kecamatan_id == k.id,
                Zone.active.is_(True),
                Decree.status == DecreeStatus.BERLAKU,
            )
            .order_by(Zone.kategori, Zone.name)
        ).all()
    return odk.zones_csv([(str(i), n, kat.value) for i, n, kat in rows])


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
    k = _kecamatan(slug)
    if form_id not in odk.FORMS:
        abort(404)
    return openrosa(odk.manifest(_base(slug), form_id, {"zones.csv": _zones_csv(k)}))


@blp.get("/forms/<form_id>/zones.csv")
def zones_media(slug: str, form_id: str) -> Response:
    k = _kecamatan(slug)
    if form_id not in odk.FORMS:
        abort(404)
    return openrosa(_zones_csv(k), mimetype="text/csv")


@blp.route("/submission", methods=["POST"])
def submission(slug: str) -> Response:
    """A filled form from Collect: the XML plus its photos, maybe split over several POSTs
    (*isIncomplete*=yes), each resending the full XML. The same instance again changes
    nothing; the same instanceID with other XML is 409."""
    ctx = k3()
    k = _kecamatan(slug)
    request.max_content_length = MAX_SUBMISSION
    xml_file = request.files.get("xml_submission_file")
    if xml_file is None:
        return message(400, "Kiriman tanpa xml_submission_file.")
    xml = xml_file.read()
    try:
        body, photo_names = odk.parse_submission(xml)
    except odk.SubmissionError as exc:
        return message(422, str(exc))
    who = principal()
    if who.kecamatan_id != k.id:
        abort(404)
    digest = body_hash(body)
    try:
        rid = uuid.UUID(str(body["id"]))
    except ValueError:
        return message(422, "instanceID bukan UUID.")
    status = 201
    with ctx.uow() as s:
        existing = s.get(Report, rid)
        if existing is not None and existing.officer_id != who.user_id:
            return message(409, "instanceID ini sudah dipakai laporan lain.")
        if existing is not None and existing.body_hash != digest:
            return message(
                409,
                "Laporan dengan instanceID ini sudah terkirim dengan isi "
                "berbeda. Buat formulir baru untuk laporan baru.",
            )
    try:
        if existing is None:
            reports.submit_report(ctx.uow, ctx.rules, who, body, source="odk")
        else:
            status = 202
        for name in photo_names:
            part = request.files.get(name)
            if part is None:
                continue  # it comes in a later part of a split upload
            up = spool(part.stream, ctx.settings.max_photo_bytes)
            if up is None:
                return message(413, f"Foto {name} terlalu besar.")
            photo_id = uuid.uuid5(rid, name)  # the same file again is the same photo
            try:
                photos.put_photo(
                    ctx.uow,
                    ctx.storage,
                    who,
                    rid,
                    photo_id,
                    Upload(up.file, up.size, up.sha256, part.mimetype),
                    None,
                )
            finally:
                up.file.close()
    except DomainError as exc:
        detail = exc.message + "".join(f" {e.message}" for e in exc.errors[:5])
        return message(status_of(exc), detail)
    ctx.relay()
    return message(status, "Laporan diterima. Terima kasih.")


@blp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    # Collect shows the <message> of a refusal to the officer: XML here, not problem+json.
    texts = {
        404: "Alamat atau formulir tidak ditemukan untuk akun Anda.",
        413: "Kiriman terlalu besar.",
        405: "Metode tidak didukung.",
    }
    return message(exc.code or 500, texts.get(exc.code or 500, "Permintaan tidak dapat diproses."))


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
