"""The body of every error: application/problem+json (RFC 9457), as api/problems.py builds it."""

from __future__ import annotations

from marshmallow import Schema, fields


class ProblemErrorSchema(Schema):
    pointer = fields.String(
        required=True,
        metadata={"description": "JSON Pointer (RFC 6901) ke kolom yang salah", "example": "/year"},
    )
    message = fields.String(required=True, metadata={"example": "Wajib diisi."})
    location = fields.String(
        metadata={"description": "Bagian permintaan: body, query, path, header"}
    )
    feature_index = fields.Integer(
        metadata={"description": "Nomor fitur GeoJSON (impor zona), mulai 0"}
    )


class ProblemSchema(Schema):
    type = fields.String(required=True, metadata={"example": "/api/v1/problems/validasi"})
    title = fields.String(required=True, metadata={"example": "Data tidak valid"})
    status = fields.Integer(required=True, metadata={"example": 422})
    detail = fields.String(required=True)
    instance = fields.String(allow_none=True, metadata={"example": "/api/v1/reports"})
    errors = fields.List(fields.Nested(ProblemErrorSchema))
