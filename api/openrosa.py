"""OpenRosa 1.0 server for ODK Collect, one per kecamatan (/openrosa/<slug>).

This part serves the forms: formList, the XForms (built from k3zones/forms with pyxform),
their manifests and the zones.csv media (regenerated from the zones in force, so a new
decree needs no new form), and HEAD submission. Sign-in is HTTP Basic with the officer's
own k3zones account, checked in api.security like every other request.
"""

from __future__ import annotations

from email.utils import formatdate

from flask import Blueprint, Response, abort, request
from sqlalchemy import select

from api.context import k3
from api.security import principal
from k3zones import odk
from k3zones.models import Decree, DecreeStatus, Kecamatan, Zone

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
        k = s.scalar(select(Kecamatan).where(Kecamatan.slug == slug))
    if k is None or not principal().scope.allows(k.id):
        abort(404)
    return k


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


@blp.route("/submission", methods=["HEAD"])
def submission_head(slug: str) -> Response:
    """Collect asks before sending: 204 with the largest body we take."""
    _kecamatan(slug)
    resp = openrosa(b"", status=204)
    resp.headers["X-OpenRosa-Accept-Content-Length"] = str(MAX_SUBMISSION)
    return resp
