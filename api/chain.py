"""The evidence chain (rantai bukti): verification for admins, and the evidence packet of a
zone and a year for auditors (a ZIP readable without an account)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, url_for
from flask.views import MethodView

from api.context import k3, principal
from api.downloads import content_disposition
from api.parser import Blueprint
from api.schemas.chain import PACKET_CONTENT, ChainVerifySchema, EvidencePacketArgsSchema
from k3zones.services import chain, evidence_packet

blp = Blueprint(
    "chain",
    __name__,
    url_prefix="/api/v1",
    description="Rantai bukti: pemeriksaan keutuhan riwayat dan paket bukti untuk auditor",
)


@blp.route("/chain/verify")
class ChainVerify(MethodView):
    @blp.response(200, ChainVerifySchema)
    def get(self) -> Any:
        """Hasil pemeriksaan rantai bukti terakhir (entri pertama yang tidak cocok lagi,
        bila ada) dan keadaan rantai sekarang"""
        return chain.latest_verdict(k3().uow, principal())

    @blp.response(202)
    @blp.alt_response(202, schema=ChainVerifySchema, description="Diterima; lihat GET")
    def post(self) -> Any:
        """Meminta pemeriksaan penuh: dijalankan worker (bisa beberapa menit untuk data
        bertahun-tahun); hasilnya dibaca dengan GET"""
        ctx = k3()
        body = chain.request_verification(ctx.uow, principal())
        ctx.relay()
        return body, 202, {"Location": url_for("chain.ChainVerify")}


@blp.route("/zones/<uuid:zone_id>/evidence-packet")
class EvidencePacket(MethodView):
    @blp.arguments(EvidencePacketArgsSchema, location="query")
    @blp.response(200, description="Paket bukti (ZIP)")
    @blp.doc(responses={"200": {"description": "Paket bukti (ZIP)", "content": PACKET_CONTENT}})
    def get(self, args: dict[str, Any], zone_id: uuid.UUID) -> Any:
        """Paket bukti satu zona untuk satu tahun: SK, riwayat status, laporan diterima
        beserta foto (ukuran web, tanpa EXIF), hash foto asli, entri dan akar rantai"""
        ctx = k3()
        p = evidence_packet.build_packet(ctx.uow, ctx.storage, principal(), zone_id, args["year"])
        resp = Response(p.content, mimetype="application/zip")
        resp.headers["Content-Disposition"] = content_disposition(p.filename)
        return resp
