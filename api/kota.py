"""The city view (tampilan kota): every kecamatan of the caller's scope, and its recap."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Response
from flask.views import MethodView

from api.context import current_scope, k3
from api.downloads import content_disposition
from api.parser import Blueprint
from api.schemas.kota import RECAP_CONTENT, CityViewArgs, CityViewSchema, RecapArgs
from k3zones.services import city
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
    @blp.arguments(RecapArgs, location="query")
    @blp.response(200, description="Berkas rekap kota")
    @blp.doc(responses={"200": {"description": "Berkas rekap kota", "content": RECAP_CONTENT}})
    def get(self, args: dict[str, Any]) -> Any:
        """Rekap kota: tabel ringkasan dan satu tabel per kecamatan (XLSX, DOCX, CSV)"""
        p = ind.parse_period(args["year"], args.get("month"), args.get("quarter"))
        content, filename, mime = city.recap_file(
            k3().uow, current_scope(), p, args["format"], args["source"]
        )
        resp = Response(content, mimetype=mime.split(";")[0])
        resp.headers["Content-Disposition"] = content_disposition(filename)
        return resp
