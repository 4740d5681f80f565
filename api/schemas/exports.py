"""LKIP export requests."""

from __future__ import annotations

from marshmallow import fields

from api.schemas.common import K3Schema, one_of
from api.schemas.status import SnapshotCreateSchema


class ExportRequestSchema(SnapshotCreateSchema):
    format = fields.String(required=True, validate=one_of(["xlsx", "docx", "csv"]))


class ExportJobSchema(K3Schema):
    id = fields.UUID()
    status = fields.String(metadata={"description": "menunggu, berjalan, selesai, atau gagal"})
    format = fields.String(metadata={"example": "xlsx"})
    period = fields.String()
    filename = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    status_url = fields.String()
    download_url = fields.String(allow_none=True)


BINARY = {"schema": {"type": "string", "format": "binary"}}
EXPORT_FILE_CONTENT = {
    "text/csv": BINARY,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": BINARY,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": BINARY,
}
