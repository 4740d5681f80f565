"""The evidence chain's verification answer and the evidence packet's query."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import K3Schema, year_field
from k3zones.chain import Kind

HASH = validate.Regexp(r"^[0-9a-f]{64}$")


class ChainMismatchSchema(Schema):
    position = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "Posisi entri di rantai; null bila entitas tanpa entri"},
    )
    kind = fields.String(
        required=True,
        validate=validate.OneOf([k.value for k in Kind]),
        metadata={"description": "Jenis entri (report, review, photo, ...)"},
    )
    ref = fields.String(
        required=True,
        metadata={"description": "Id entitas (mis. id laporan); '-' bila di kecamatan lain"},
    )
    reason = fields.String(required=True, metadata={"description": "Apa yang tidak cocok"})


class ChainCheckedSchema(Schema):
    entries = fields.Integer(required=True, metadata={"description": "Entri yang diperiksa"})
    sealed_to = fields.Integer(required=True, metadata={"description": "Sampai posisi ini"})
    root = fields.String(
        required=True,
        allow_none=True,
        validate=HASH,
        metadata={"description": "Akar rantai saat diperiksa"},
    )


class ChainVerifySchema(Schema):
    """The latest full verification (run by a worker) and the chain as it is now."""

    ok = fields.Boolean(
        required=True,
        allow_none=True,
        metadata={
            "description": "Hasil pemeriksaan terakhir: true bila semua cocok; null "
            "bila belum pernah diperiksa"
        },
    )
    entries = fields.Integer(required=True, metadata={"description": "Jumlah entri di rantai"})
    sealed_to = fields.Integer(
        required=True, metadata={"description": "Posisi entri terakhir yang sudah disegel"}
    )
    first_mismatch = fields.Nested(
        ChainMismatchSchema,
        required=True,
        allow_none=True,
        metadata={"description": "Entri pertama (menurut posisi) yang tidak cocok lagi"},
    )
    root = fields.String(
        required=True,
        allow_none=True,
        validate=HASH,
        metadata={"description": "Akar rantai sekarang: hash entri terakhir (SHA-256, hex)"},
    )
    checked_at = fields.DateTime(
        required=True,
        allow_none=True,
        metadata={"description": "Waktu pemeriksaan terakhir selesai"},
    )
    checked = fields.Nested(
        ChainCheckedSchema,
        required=True,
        allow_none=True,
        metadata={"description": "Rantai seperti saat pemeriksaan terakhir"},
    )
    pending = fields.Boolean(
        required=True, metadata={"description": "Pemeriksaan baru sedang menunggu antrean"}
    )


class EvidencePacketArgsSchema(K3Schema):
    year = year_field(required=True, metadata={"description": "Tahun (WIB)"})


PACKET_CONTENT = {"application/zip": {"schema": {"type": "string", "format": "binary"}}}
