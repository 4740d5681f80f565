"""Kecamatan and their kelurahan."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from api.context import current_scope, k3
from api.parser import Blueprint
from api.schemas.reference import KecamatanSchema
from k3zones.services import reference

blp = Blueprint(
    "kecamatan", __name__, url_prefix="/api/v1/kecamatan", description="Kecamatan dan kelurahan"
)


@blp.route("")
class KecamatanList(MethodView):
    @blp.response(200, KecamatanSchema(many=True))
    def get(self) -> Any:
        """Daftar kecamatan beserta kelurahannya"""
        return reference.list_kecamatan(k3().uow, current_scope())
