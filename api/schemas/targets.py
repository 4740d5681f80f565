"""Yearly targets of the Wilayah Tertib indicator."""

from __future__ import annotations

from marshmallow import fields, validate

from api.schemas.common import K3Schema


class TargetSchema(K3Schema):
    kecamatan = fields.String(dump_only=True)
    year = fields.Integer(dump_only=True)
    target_pct = fields.Decimal(
        required=True,
        as_string=False,
        places=2,
        validate=validate.Range(min=0, max=100, error="Target harus 0 sampai 100 persen."),
        metadata={"description": "Target realisasi (persen)", "example": 35},
    )
    zones_designated = fields.Integer(
        dump_only=True, metadata={"description": "Zona yang ditetapkan (berlaku di akhir tahun)"}
    )
    zones_needed = fields.Integer(
        dump_only=True,
        metadata={"description": "Jumlah zona tertib yang dibutuhkan (dibulatkan ke atas)"},
    )
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))
