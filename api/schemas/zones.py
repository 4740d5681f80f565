"""Zones (titik pantau) as GeoJSON features."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validates_schema

from api.schemas.common import GeometrySchema, K3Schema, bbox_field, one_of, text, values
from k3zones.enums import Kategori


class ZoneFeatureInSchema(K3Schema):
    """A GeoJSON Feature; its properties and geometry are checked by the domain rules."""

    class Meta:
        unknown = EXCLUDE  # QGIS adds members such as "id" and "bbox"

    type = fields.String(required=True, validate=one_of(["Feature"]))
    geometry = fields.Dict(allow_none=True, metadata={"description": "GeoJSON geometry"})
    properties = fields.Dict(allow_none=True)

    @validates_schema
    def _has_properties(self, data: dict[str, Any], **_: Any) -> None:
        if "properties" in data and data["properties"] is None:
            raise ValidationError("Harus berupa objek.", "properties")


class ZoneFeatureOutSchema(Schema):
    type = fields.String(metadata={"example": "Feature"})
    id = fields.UUID()
    geometry = fields.Nested(GeometrySchema)
    properties = fields.Dict()


class ZoneCollectionSchema(Schema):
    type = fields.String(metadata={"example": "FeatureCollection"})
    features = fields.List(fields.Nested(ZoneFeatureOutSchema))


class ZoneQueryArgsSchema(K3Schema):
    class Meta:
        unknown = EXCLUDE

    kecamatan = fields.String(metadata={"description": "Slug kecamatan"})
    decree = fields.UUID(metadata={"description": "id SK"})
    kategori = fields.String(validate=one_of(values(Kategori)))
    kelurahan = fields.String(metadata={"description": "Slug kelurahan"})
    bbox = bbox_field()
    include_retired = fields.Boolean(load_default=False)


class RetireSchema(K3Schema):
    reason = text(2000, required=True, metadata={"description": "Alasan zona dipensiunkan"})


class ImportResultSchema(Schema):
    imported = fields.Integer()
    zones = fields.Nested(ZoneCollectionSchema)
