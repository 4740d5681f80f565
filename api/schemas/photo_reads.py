"""The log of reads of photo originals (admin only)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import BIGINT_MAX, K3Schema


class PhotoReadQueryArgsSchema(K3Schema):
    kecamatan = fields.String(metadata={"description": "Slug kecamatan"})
    photo = fields.UUID(metadata={"description": "Hanya foto ini"})
    user = fields.UUID(metadata={"description": "Hanya pembaca ini (id pengguna)"})
    since = fields.Date(metadata={"description": "Tanggal WIB (termasuk)"})
    until = fields.Date(metadata={"description": "Tanggal WIB (termasuk)"})
    cursor = fields.Integer(
        validate=validate.Range(1, BIGINT_MAX, error="cursor tidak valid."),
        metadata={"description": "next_cursor dari halaman sebelumnya"},
    )
    limit = fields.Integer(
        load_default=50, validate=validate.Range(min=1, max=200, error="limit harus 1 sampai 200.")
    )


class PhotoReadSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime(metadata={"description": "Waktu foto asli dibuka"})
    kecamatan = fields.String()
    photo_id = fields.UUID()
    report_id = fields.UUID()
    user_id = fields.UUID(metadata={"description": "Siapa yang membuka"})
    username = fields.String()
    role = fields.String()
    ip = fields.String(allow_none=True, metadata={"description": "Alamat IP pembuka"})
    request_id = fields.String(allow_none=True)


class PhotoReadPageSchema(Schema):
    items = fields.List(fields.Nested(PhotoReadSchema))
    next_cursor = fields.Integer(allow_none=True)
