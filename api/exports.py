"""LKIP exports: asked for here, built by a worker, downloaded when done."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, url_for
from flask.views import MethodView
from marshmallow import fields

from api.context import current_scope, k3, kecamatan_or_own
from api.parser import Blueprint
from api.schemas import one_of
from api.security import principal
from api.status import SnapshotCreateSchema
from k3zones.services import exports
from k3zones.services import indicator as ind

blp = Blueprint(
    "exports",
    __name__,
    url_prefix="/api/v1/exports",
    description="Ekspor indikator ke tabel LKIP (XLSX, DOCX, CSV)",
)


class ExportRequestSchema(SnapshotCreateSchema):
    format = fields.String(required=True, validate=one_of(["xlsx", "docx", "csv"]))


@blp.route("")
class Exports(MethodView):
    @blp.arguments(ExportRequestSchema)
    @blp.response(202)
    def post(self, data: dict[str, Any]) -> Any:
        """Meminta ekspor; jawabannya 202 dengan alamat status (unduh bila selesai)"""
        ctx = k3()
        p = ind.parse_period(data.get("year"), data.get("month"), data.get("quarter"))
        job = exports.request_export(
            ctx.uow, principal(), kecamatan_or_own(data.get("kecamatan")), p, data["format"]
        )
        ctx.relay()
        return job.as_dict(), 202, {"Location": url_for("exports.Export", job_id=job.id)}


@blp.route("/<uuid:job_id>")
class Export(MethodView):
    @blp.response(200)
    def get(self, job_id: uuid.UUID) -> Any:
        """Status ekspor: menunggu, berjalan, selesai, atau gagal"""
        return exports.get_job(k3().uow, current_scope(), job_id).as_dict()


@blp.route("/<uuid:job_id>/file")
class ExportFile(MethodView):
    @blp.response(200, description="Berkas ekspor")
    def get(self, job_id: uuid.UUID) -> Any:
        """Mengunduh berkas ekspor yang sudah selesai"""
        ctx = k3()
        key, filename, mime = exports.job_file(ctx.uow, current_scope(), job_id)
        resp = Response(ctx.storage.get_bytes(key), mimetype=mime.split(";")[0])
        if mime.startswith("text/"):
            resp.charset = "utf-8"
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return resp
