"""LKIP export requests."""

from __future__ import annotations

from marshmallow import fields

from api.schemas.common import one_of
from api.schemas.status import SnapshotCreateSchema


class ExportRequestSchema(SnapshotCreateSchema):
    format = fields.String(required=True, validate=one_of(["xlsx", "docx", "csv"]))
