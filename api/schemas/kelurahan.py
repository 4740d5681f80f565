"""Kelurahan boundaries: the import of a QGIS layer per kecamatan."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from api.schemas.common import GeometrySchema, K3Schema, one_of, text
from k3zones.services.kelurahan import MAX_FEATURES, MAX_SOURCE

SLUG_PATTERN = r"^[a-z0-9-]{1,64}$"


class BoundaryImportArgsSchema(K3Schema):
    source = text(
        MAX_SOURCE,
        metadata={
            "description": "Sumber batas (mis. 'BIG RBI 2023'), tampil di peta dan data terbuka"
        },
    )
    approximate = fields.Boolean(
        load_default=False,
        metadata={"description": "Batas perkiraan (digambar tangan), bukan batas resmi"},
    )


class BoundaryFeatureInSchema(Schema):
    """A GeoJSON Feature: Polygon/MultiPolygon, properties naming the kelurahan."""

    class Meta:
        unknown = EXCLUDE  # QGIS adds members such as "id" and "bbox"

    type = fields.String(required=True, validate=one_of(["Feature"]))
    geometry = fields.Nested(GeometrySchema, required=True)
    properties = fields.Dict(
        required=True,
        metadata={
            "description": "Nama atau slug kelurahan di salah satu kolom: kelurahan, slug, "
            "name, nama, NAMOBJ, WADMKD, desa",
            "example": {"name": "Pejuang"},
        },
    )


class BoundaryCollectionInSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # "name", "crs" (checked: WGS 84 only) and other members

    type = fields.String(required=True, validate=one_of(["FeatureCollection"]))
    features = fields.List(
        fields.Nested(BoundaryFeatureInSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_FEATURES),
    )


class KelurahanBoundarySchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    has_boundary = fields.Boolean(required=True)
    boundary_approximate = fields.Boolean(required=True)
    boundary_source = fields.String(allow_none=True, required=True)


class BoundaryImportResultSchema(Schema):
    kecamatan = fields.String(required=True)
    updated = fields.Integer(required=True, metadata={"description": "Fitur yang disimpan"})
    kelurahan = fields.List(fields.Nested(KelurahanBoundarySchema), required=True)
