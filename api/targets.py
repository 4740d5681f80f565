"""Renstra targets of the Wilayah Tertib indicator."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from api.context import current_scope, k3, kecamatan_or_own
from api.parser import Blueprint
from api.schemas.common import YEAR_PATH_PARAM, KecamatanArgSchema
from api.schemas.targets import TargetSchema
from k3zones.services import targets

blp = Blueprint(
    "targets",
    __name__,
    url_prefix="/api/v1/targets",
    description="Target Renstra indikator Persentase Peningkatan Wilayah Tertib",
)


@blp.route("")
class Targets(MethodView):
    @blp.arguments(KecamatanArgSchema, location="query")
    @blp.response(200, TargetSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """Target per tahun, dengan jumlah zona yang dibutuhkan"""
        return targets.list_targets(
            k3().uow, current_scope(), kecamatan_or_own(args.get("kecamatan"))
        )


@blp.route("/<int:year>", parameters=[YEAR_PATH_PARAM])
class Target(MethodView):
    @blp.arguments(KecamatanArgSchema, location="query")
    @blp.response(200, TargetSchema)
    def get(self, args: dict[str, Any], year: int) -> Any:
        """Target satu tahun"""
        return targets.get_target(
            k3().uow, current_scope(), kecamatan_or_own(args.get("kecamatan")), year
        )

    @blp.arguments(KecamatanArgSchema, location="query")
    @blp.arguments(TargetSchema)
    @blp.response(200, TargetSchema)
    @blp.alt_response(201, schema=TargetSchema, description="Target baru dibuat")
    def put(self, args: dict[str, Any], data: dict[str, Any], year: int) -> Any:
        """Menetapkan target satu tahun (persen; jumlah zona dihitung, dibulatkan ke atas)"""
        view, created = targets.set_target(
            k3().uow,
            current_scope(),
            kecamatan_or_own(args.get("kecamatan")),
            year,
            data["target_pct"],
            data.get("notes"),
        )
        return view, 201 if created else 200
