"""Zones (titik pantau) as GeoJSON features."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from api.schemas.common import (
    GEOMETRY_IN_DOC,
    GeometrySchema,
    K3Schema,
    StringOrInteger,
    bbox_field,
    one_of,
    text,
    values,
)
from k3zones.enums import Kategori, ZoneStatusValue
from k3zones.geo import WGS84_NAMES

_ZONE_PROPERTIES_IN: dict[str, Any] = {
    "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"},
    "kategori": {"type": "string", "enum": values(Kategori)},
    "decree_id": {"type": "string", "format": "uuid", "description": "SK yang menetapkan"},
    "kelurahan": {
        "type": "string",
        "nullable": True,
        "pattern": r"\S",
        "description": "Slug atau nama kelurahan di kecamatan SK",
    },
    "radius_m": {"type": "integer", "minimum": 0, "maximum": 5000, "nullable": True},
    "target_year": {"type": "integer", "minimum": 2000, "maximum": 2100, "nullable": True},
    "notes": {"type": "string", "nullable": True, "maxLength": 2000},
}


def _properties_doc(required: list[str]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "type": "object",
        "properties": _ZONE_PROPERTIES_IN,
        "additionalProperties": False,
    }
    if required:
        doc["required"] = required
    return doc


class ZoneFeatureInSchema(K3Schema):
    """A GeoJSON Feature; its properties and geometry are checked by the domain rules
    (k3zones.zones.parse_zone_fields); the document below says what those rules are."""

    # QGIS writes "id" and "bbox" members; they are read and ignored (the server keeps its
    # own id). Any other member is refused like an unknown field anywhere else.
    id = StringOrInteger(load_only=True)
    bbox = fields.List(fields.Float(), load_only=True)
    type = fields.String(required=True, validate=one_of(["Feature"]))
    geometry = fields.Dict(required=True, metadata=GEOMETRY_IN_DOC)
    properties = fields.Dict(
        required=True, metadata=_properties_doc(["name", "kategori", "decree_id"])
    )

    def on_bind_field(self, field_name: str, field_obj: fields.Field[Any]) -> None:
        super().on_bind_field(field_name, field_obj)
        if field_name == "geometry":  # what QGIS users read when the layer has none
            missing = "Geometri wajib diisi (GeoJSON geometry: Point, LineString, Polygon)."
            field_obj.error_messages = {
                **field_obj.error_messages,
                "required": missing,
                "null": missing,
            }


class ZoneFeaturePatchSchema(ZoneFeatureInSchema):
    """A PATCH: only what is sent changes; geometry may be left out."""

    geometry = fields.Dict(metadata=GEOMETRY_IN_DOC)
    # The decree of a zone does not change (a new zone is designated under the other SK).
    properties = fields.Dict(
        metadata={
            "type": "object",
            "properties": {k: v for k, v in _ZONE_PROPERTIES_IN.items() if k != "decree_id"},
            "additionalProperties": False,
        }
    )


# The legacy GeoJSON crs member QGIS writes: only WGS 84 longitude/latitude is accepted.
_CRS_DOC: dict[str, Any] = {
    "type": "object",
    "required": ["type", "properties"],
    "properties": {
        "type": {"type": "string", "enum": ["name"]},
        "properties": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string", "enum": sorted(WGS84_NAMES)}},
        },
    },
}


class ZoneFeatureCollectionInSchema(K3Schema):
    """An import: a FeatureCollection from QGIS (property names as QGIS layers tend to
    have them are accepted too: nama, zona, kel, ...)."""

    # Members QGIS writes besides the features; read and ignored.
    name = fields.String(load_only=True)
    crs = fields.Dict(load_only=True, metadata=_CRS_DOC)
    bbox = fields.List(fields.Float(), load_only=True)
    type = fields.String(required=True, validate=one_of(["FeatureCollection"]))
    features = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1))


# Written as ISO 8601 text by api.zones.feature (also used outside a schema).
_DATE_TIME = {"format": "date-time"}


class ZonePropertiesSchema(Schema):
    name = fields.String()
    kategori = fields.String(validate=one_of(values(Kategori)))
    kecamatan = fields.String()
    kelurahan = fields.String(allow_none=True)
    kelurahan_name = fields.String(allow_none=True)
    decree_id = fields.UUID()
    decree_nomor = fields.String()
    radius_m = fields.Integer()
    target_year = fields.Integer(allow_none=True)
    active = fields.Boolean()
    retired_at = fields.String(allow_none=True, metadata=_DATE_TIME)
    retired_reason = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    is_sample = fields.Boolean()
    status = fields.String(validate=one_of(values(ZoneStatusValue)))
    status_kategori = fields.String(allow_none=True, validate=one_of(values(Kategori)))
    stale = fields.Boolean(
        allow_none=True,
        metadata={
            "description": "Tidak dipatroli (patroli diterima) lebih dari stale_days aturan "
            "penilaian; null pada jawaban perubahan zona"
        },
    )
    created_at = fields.String(metadata=_DATE_TIME)
    updated_at = fields.String(metadata=_DATE_TIME)


class ZoneFeatureOutSchema(Schema):
    type = fields.String(validate=one_of(["Feature"]))
    id = fields.UUID()
    geometry = fields.Nested(GeometrySchema)
    properties = fields.Nested(ZonePropertiesSchema)


class MonitoringAreaPropertiesSchema(Schema):
    zone_id = fields.UUID()
    name = fields.String()
    radius_m = fields.Integer()


class MonitoringAreaSchema(Schema):
    type = fields.String(validate=one_of(["Feature"]))
    id = fields.UUID()
    geometry = fields.Nested(GeometrySchema)
    properties = fields.Nested(MonitoringAreaPropertiesSchema)


class ZoneCollectionSchema(Schema):
    type = fields.String(validate=one_of(["FeatureCollection"]))
    features = fields.List(fields.Nested(ZoneFeatureOutSchema))


class ZoneQueryArgsSchema(K3Schema):
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
