"""Kecamatan and their kelurahan."""

from __future__ import annotations

from marshmallow import fields

from api.schemas.common import K3Schema


class KelurahanSchema(K3Schema):
    slug = fields.String()
    name = fields.String()


class KecamatanSchema(K3Schema):
    slug = fields.String()
    name = fields.String()
    kota = fields.String(attribute="kota.name")
    is_sample = fields.Boolean(metadata={"description": "Berisi data contoh"})
    kelurahan = fields.List(fields.Nested(KelurahanSchema))
