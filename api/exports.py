"""LKIP exports: asked for here, built by a worker, downloaded when done. A city recap
(POST /api/v1/kota/rekap) is followed and downloaded here too."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, url_for
from flask.views import MethodView

from api.context import k3, kecamatan_or_own, limiter, principal
from api.downloads import content_disposition
from api.parser import Blueprint
from api.schemas.exports import EXPORT_FILE_CONTENT, ExportJobSchema, ExportRequestSchema
from k3zones.services import exports
from k3zones.services import indicator as ind

blp = Blueprint(
    "exports",
    __name__,
    url_prefix="/api/v1/exports",
    description="Ekspor indikator ke tabel LKIP (XLSX, DOCX, CSV)",
)


def job_body(job: exports.JobView) -> dict[str, Any]:
    """A job with where to follow it and, once built, where to download it."""
    out = job.as_dict()
    out["status_url"] = url_for("exports.Export", job_id=job.id)
    out["download_url"] = url_for("exports.ExportFile", job_id=job.id) if job.done else None
    return out


@blp.route("")
class Exports(MethodView):
    @blp.arguments(ExportRequestSchema)
    @blp.response(202)
    @blp.alt_response(202, schema=ExportJobSchema, description="Diterima; ikuti status_url")
    @blp.alt_response(429, description="Terlalu banyak permintaan ekspor; lihat Retry-After")
    def post(self, data: dict[str, Any]) -> Any:
        """Meminta ekspor; jawabannya 202 dengan alamat status (unduh bila selesai)"""
        ctx = k3()
        p = ind.parse_period(data.get("year"), data.get("month"), data.get("quarter"))
        # Per user; only jobs actually created (202) count.
        with limiter().limit(
            ctx.settings.export_limit_per_user,
            key_func=lambda: f"exports:{principal().user_id}",
            deduct_when=lambda r: r.status_code == 202,
        ):
            job = exports.request_export(
                ctx.uow, principal(), kecamatan_or_own(data.get("kecamatan")), p, data["format"]
            )
        ctx.relay()
        body = job_body(job)
        return body, 202, {"Location": body["status_url"]}


@blp.route("/<uuid:job_id>")
class Export(MethodView):
    @blp.response(200)
    @blp.alt_response(200, schema=ExportJobSchema, description="OK")
    def get(self, job_id: uuid.UUID) -> Any:
        """Status ekspor: menunggu, berjalan, selesai, atau gagal"""
        return job_body(exports.get_job(k3().uow, principal(), job_id))


@blp.route("/<uuid:job_id>/file")
class ExportFile(MethodView):
    @blp.response(200, description="Berkas ekspor")
    @blp.doc(responses={"200": {"description": "Berkas ekspor", "content": EXPORT_FILE_CONTENT}})
    def get(self, job_id: uuid.UUID) -> Any:
        """Mengunduh berkas ekspor yang sudah selesai"""
        ctx = k3()
        key, filename, mime = exports.job_file(ctx.uow, principal(), job_id)
        # text/* gets "; charset=utf-8" from Werkzeug.
        resp = Response(ctx.storage.get_bytes(key), mimetype=mime.split(";")[0])
        resp.headers["Content-Disposition"] = content_disposition(filename)
        return resp
