"""Decrees (SK) that designate zones."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from api.schemas.common import K3Schema, one_of, text, values
from k3zones.enums import DecreeStatus


class DecreeAttachmentSchema(K3Schema):
    filename = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    page_count = fields.Integer(allow_none=True, metadata={"description": "Jumlah halaman PDF"})
    uploaded_at = fields.DateTime()


class DecreeSchema(K3Schema):
    id = fields.UUID(dump_only=True)
    kecamatan = fields.String(
        metadata={"description": "Slug kecamatan (bawaan: kecamatan pengguna)"}
    )
    nomor = text(200, required=True, metadata={"example": "300/Kep.15-Kc.Ms.Tib/I/2024"})
    tanggal = fields.Date(required=True, metadata={"example": "2024-01-15"})
    perihal = text(2000, required=True)
    status = fields.String(
        validate=one_of(values(DecreeStatus)), load_default=DecreeStatus.BERLAKU.value
    )
    revoked_on = fields.Date(allow_none=True, metadata={"description": "Tanggal pencabutan"})
    amends_id = fields.UUID(
        allow_none=True, metadata={"description": "SK yang diubah oleh SK ini (Perubahan)"}
    )
    notes = fields.String(allow_none=True, validate=validate.Length(max=5000))
    zone_count = fields.Integer(dump_only=True)
    attachment = fields.Nested(DecreeAttachmentSchema, dump_only=True, allow_none=True)
    attachment_url = fields.Method(
        "_attachment_url",
        dump_only=True,
        metadata={"type": "string", "nullable": True, "format": "uri-reference"},
    )
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    def _attachment_url(self, obj: Any) -> str | None:
        return f"/api/v1/decrees/{obj.id}/attachment" if obj.attachment else None


class DecreeUpdateSchema(DecreeSchema):
    """Only the fields sent are changed (use it with partial=True)."""

    class Meta:
        exclude = ("kecamatan",)


class DecreeQueryArgsSchema(K3Schema):
    kecamatan = fields.String(metadata={"description": "Slug kecamatan"})
    status = fields.String(validate=one_of(values(DecreeStatus)))
