"""Decrees (SK Camat) and their scanned PDF."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, request, url_for
from flask.views import MethodView

from api.context import current_scope, k3, kecamatan_or_own
from api.downloads import content_disposition
from api.parser import Blueprint
from api.schemas.decrees import DecreeQueryArgsSchema, DecreeSchema, DecreeUpdateSchema
from api.schemas.exports import BINARY
from k3zones.models import DecreeStatus
from k3zones.services import decrees
from k3zones.services.decrees import MAX_ATTACHMENT_BYTES, DecreeChanges

blp = Blueprint(
    "decrees",
    __name__,
    url_prefix="/api/v1/decrees",
    description="Surat Keputusan Camat yang menetapkan titik pantau",
)


def _changes(data: dict[str, Any]) -> DecreeChanges:
    status = data.get("status")
    return DecreeChanges(
        nomor=data.get("nomor"),
        tanggal=data.get("tanggal"),
        perihal=data.get("perihal"),
        status=DecreeStatus(status) if status else None,
        revoked_on=data.get("revoked_on"),
        amends_id=data.get("amends_id"),
        notes=data.get("notes"),
        given=frozenset(data),
    )


@blp.route("")
class Decrees(MethodView):
    @blp.arguments(DecreeQueryArgsSchema, location="query")
    @blp.response(200, DecreeSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """Daftar SK"""
        status = args.get("status")
        return decrees.list_decrees(
            k3().uow,
            current_scope(),
            args.get("kecamatan"),
            DecreeStatus(status) if status else None,
        )

    @blp.arguments(DecreeSchema)
    @blp.response(201, DecreeSchema)
    @blp.alt_response(409, description="Nomor SK sudah terdaftar di kecamatan itu")
    def post(self, data: dict[str, Any]) -> Any:
        """Mendaftarkan SK baru"""
        view = decrees.create_decree(
            k3().uow, current_scope(), kecamatan_or_own(data.get("kecamatan")), _changes(data)
        )
        return view, 201, {"Location": url_for("decrees.Decree", decree_id=view.id)}


@blp.route("/<uuid:decree_id>")
class Decree(MethodView):
    @blp.response(200, DecreeSchema)
    def get(self, decree_id: uuid.UUID) -> Any:
        """Satu SK"""
        return decrees.get_decree(k3().uow, current_scope(), decree_id)

    @blp.arguments(DecreeUpdateSchema(partial=True))
    @blp.response(200, DecreeSchema)
    def patch(self, data: dict[str, Any], decree_id: uuid.UUID) -> Any:
        """Mengubah SK (mis. mencabutnya: status dicabut + revoked_on)"""
        return decrees.update_decree(k3().uow, current_scope(), decree_id, _changes(data))


@blp.route("/<uuid:decree_id>/attachment")
class DecreeAttachment(MethodView):
    @blp.response(200, DecreeSchema)
    @blp.doc(
        requestBody={
            "required": True,
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    )
    def put(self, decree_id: uuid.UUID) -> Any:
        """Mengunggah pindaian SK (PDF, isi berkas mentah)"""
        request.max_content_length = MAX_ATTACHMENT_BYTES
        name = request.headers.get("X-Filename") or f"sk-{decree_id}.pdf"
        return decrees.put_attachment(
            k3().uow, current_scope(), decree_id, name, request.get_data(cache=False)
        )

    @blp.response(200, description="Berkas PDF")
    @blp.doc(
        responses={"200": {"description": "Berkas PDF", "content": {"application/pdf": BINARY}}}
    )
    def get(self, decree_id: uuid.UUID) -> Any:
        """Mengunduh pindaian SK"""
        filename, sha256, content = decrees.get_attachment(k3().uow, current_scope(), decree_id)
        resp = Response(content, mimetype="application/pdf")
        resp.headers["Content-Disposition"] = content_disposition(filename)
        resp.headers["ETag"] = f'"{sha256}"'
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp
