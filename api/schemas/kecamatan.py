"""Onboarding a kecamatan into its kota (admin kota): the new kecamatan, its steps and
the checklist of what is missing before officers can report."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import K3Schema, one_of, text, year_field
from api.schemas.decrees import DecreeSchema
from api.schemas.targets import TargetSchema
from api.schemas.users import UserSchema
from api.schemas.zones import ZoneCollectionSchema, ZoneFeatureCollectionInSchema
from k3zones.services.onboarding import MAX_NAME

# What k3zones.services.onboarding.SLUG accepts.
KECAMATAN_SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,63}$"
_POSITION = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 3}
_RING = {"type": "array", "items": _POSITION, "minItems": 4}
_POLYGON = {"type": "array", "items": _RING, "minItems": 1}
BOUNDARY_DOC = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
        "coordinates": {
            "oneOf": [_POLYGON, {"type": "array", "items": _POLYGON, "minItems": 1}],
            "description": "Polygon: [[[bujur, lintang], ...]]; MultiPolygon: [[[[...]]]]",
        },
    },
    "description": "Batas kecamatan, GeoJSON Polygon/MultiPolygon WGS 84 (dari QGIS)",
}


class KecamatanCreateSchema(K3Schema):
    slug = fields.String(
        required=True,
        validate=validate.Regexp(
            KECAMATAN_SLUG_PATTERN,
            error="Slug 2-64 karakter: huruf kecil, angka, atau strip; diawali huruf/angka.",
        ),
        metadata={"example": "bekasiutara"},
    )
    name = text(MAX_NAME, required=True, metadata={"example": "Bekasi Utara"})
    kota = fields.String(
        validate=validate.Regexp(r"^[0-9]{4}$", error="Kode BPS kota 4 angka, mis. 3275."),
        metadata={"description": "Kode BPS kota (bawaan: kota Anda)", "example": "3275"},
    )
    boundary = fields.Dict(required=True, metadata=BOUNDARY_DOC)


class ChecklistItemSchema(Schema):
    code = fields.String(
        required=True,
        validate=one_of(
            ["batas", "kelurahan", "sk_zona", "target", "admin", "trantib", "tim", "petugas"]
        ),
    )
    ok = fields.Boolean(required=True)
    label = fields.String(required=True)
    detail = fields.String(required=True)


class ChecklistSchema(Schema):
    kecamatan = fields.String(required=True)
    name = fields.String(required=True)
    ready = fields.Boolean(
        required=True, metadata={"description": "Semua butir terpenuhi: petugas dapat melapor"}
    )
    items = fields.List(fields.Nested(ChecklistItemSchema), required=True)


class KotaKecamatanSchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    kota_kode = fields.String(required=True)
    kota = fields.String(required=True)
    provinsi = fields.String(required=True)
    is_sample = fields.Boolean(required=True)
    has_boundary = fields.Boolean(required=True)
    ready = fields.Boolean(required=True)
    missing = fields.List(fields.String(), required=True)


class TargetItemSchema(TargetSchema):
    class Meta:
        exclude = ("kecamatan", "zones_designated", "zones_needed")

    year = year_field(required=True)


class TargetsInSchema(K3Schema):
    targets = fields.List(
        fields.Nested(TargetItemSchema), required=True, validate=validate.Length(min=1, max=20)
    )


class FirstDecreeSchema(DecreeSchema):
    """The decree (berlaku) and its zones, imported all or nothing."""

    class Meta:
        exclude = ("kecamatan", "status", "revoked_on", "amends_id")

    zones = fields.Nested(ZoneFeatureCollectionInSchema, required=True, load_only=True)


class FirstDecreeResultSchema(Schema):
    decree = fields.Nested(DecreeSchema, required=True)
    imported = fields.Integer(required=True)
    zones = fields.Nested(ZoneCollectionSchema, required=True)


class FirstAdminSchema(UserSchema):
    class Meta:
        exclude = ("role", "kecamatan")
