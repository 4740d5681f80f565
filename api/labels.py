"""The Indonesian labels of every code the console shows (the table the exports use)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from marshmallow import fields
from werkzeug.wrappers import Response

from api.parser import Blueprint
from api.schemas.common import K3Schema
from k3zones.labels import ETAG, all_labels

blp = Blueprint("labels", __name__, url_prefix="/api/v1", description="Label kode (Indonesia)")
CACHE = "private, max-age=3600"


def _vocabulary() -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.String(), required=True)


# One field per vocabulary, each a dict of code -> label (strings).
LabelsSchema = K3Schema.from_dict(
    {name: _vocabulary() for name in all_labels()}, name="LabelsSchema"
)


@blp.route("/labels")
class Labels(MethodView):
    @blp.response(200)
    @blp.alt_response(
        200,
        schema=LabelsSchema,
        description="OK",
    )
    @blp.alt_response(304, description="Tidak berubah sejak ETag yang dikirim (If-None-Match)")
    def get(self) -> Any:
        """Label Indonesia setiap kode per kosakata (peran, jenis laporan, status...)"""
        if request.if_none_match.contains(ETAG):
            resp = Response(status=304)
            resp.set_etag(ETAG)
            resp.headers["Cache-Control"] = CACHE
            return resp
        return dict(all_labels()), 200, {"ETag": f'"{ETAG}"', "Cache-Control": CACHE}
