"""The city view (tampilan kota): every kecamatan of the caller's scope, and its recap.

The recap file is built by a worker like an LKIP export: POST here answers 202 with the
job; its status and the file are at the export job's own addresses (api/exports.py)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask.views import MethodView

from api.context import current_scope, k3, limiter, principal
from api.exports import job_body
from api.parser import Blueprint
from api.schemas.exports import ExportJobSchema
from api.schemas.kota import CityViewArgs, CityViewSchema, RecapRequestSchema
from k3zones.services import city, exports
from k3zones.services import indicator as ind

blp = Blueprint(
    "kota",
    __name__,
    url_prefix="/api/v1/kota",
    description="Tampilan kota: capaian, pengaduan, dan cakupan patroli semua kecamatan",
)


@blp.route("/ringkasan")
class Ringkasan(MethodView):
    @blp.arguments(CityViewArgs, location="query")
    @blp.response(200, CityViewSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Per kecamatan: zona ditetapkan dan tertib, realisasi, target, selisih, zona yang
        masih dibutuhkan, pengaduan, cakupan patroli, peringkat, dan tren tahun itu"""
        p = ind.parse_period(args["year"], args.get("month"), args.get("quarter"))
        view = city.city_view(k3().uow, current_scope(), p, args["source"], args["trend"])
        return asdict(view)


@blp.route("/rekap")
class Rekap(MethodView):
    @blp.arguments(RecapRequestSchema)
    @blp.response(202)
    @blp.alt_response(202, schema=ExportJobSchema, description="Diterima; ikuti status_url")
    @blp.alt_response(429, description="Terlalu banyak permintaan ekspor; lihat Retry-After")
    def post(self, data: dict[str, Any]) -> Any:
        """Meminta rekap kota (tabel ringkasan dan satu tabel per kecamatan; XLSX, DOCX, CSV)

        Jawabannya 202 dengan alamat status ekspor (`status_url`, juga di Location); unduh
        dari `download_url` bila selesai. Periode harus sudah dimulai (422 di `/year`);
        `month` dan `quarter` tidak boleh bersama (422 di `/quarter`). Hanya pengguna
        tingkat kota, untuk kecamatan di kotanya."""
        ctx = k3()
        p = ind.parse_period(data["year"], data.get("month"), data.get("quarter"))
        # The LKIP exports' limit, on the same per-user count.
        with limiter().limit(
            ctx.settings.export_limit_per_user,
            key_func=lambda: f"exports:{principal().user_id}",
            deduct_when=lambda r: r.status_code == 202,
        ):
            job = exports.request_recap(ctx.uow, principal(), p, data["format"], data["source"])
        ctx.relay()
        body = job_body(job)
        return body, 202, {"Location": body["status_url"]}
