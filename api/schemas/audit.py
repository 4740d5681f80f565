"""The audit log."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import BIGINT_MAX, K3Schema, one_of

# No domain enum yet: the actions k3zones.audit writes, and the sign-in guard's alert.
_ACTIONS = ["create", "update", "delete", "login_throttled"]


class AuditQueryArgsSchema(K3Schema):
    kecamatan = fields.String()
    entity = fields.String(metadata={"example": "zone"})
    entity_id = fields.String()
    actor = fields.String(metadata={"description": "Nama pengguna"})
    action = fields.String(validate=one_of(_ACTIONS))
    since = fields.Date(metadata={"description": "Tanggal WIB (termasuk)"})
    until = fields.Date(metadata={"description": "Tanggal WIB (termasuk)"})
    cursor = fields.Integer(
        validate=validate.Range(1, BIGINT_MAX, error="cursor tidak valid."),
        metadata={"description": "next_cursor dari halaman sebelumnya"},
    )
    limit = fields.Integer(
        load_default=50, validate=validate.Range(min=1, max=200, error="limit harus 1 sampai 200.")
    )


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    kecamatan = fields.String(allow_none=True)
    actor_id = fields.UUID(allow_none=True)
    actor = fields.String()
    entity = fields.String()
    entity_id = fields.String()
    action = fields.String()
    changes = fields.Dict(
        metadata={
            "description": "Kolom yang berubah: {before, after}. Untuk selain admin, nilai "
            'pribadi (IP/perangkat sesi, NIP, telepon, EXIF/GPS foto) berisi "[disembunyikan]".'
        }
    )
    request_id = fields.String(allow_none=True)
    ip = fields.String(
        allow_none=True, metadata={"description": "Alamat pelaku; null untuk selain admin"}
    )
    hidden = fields.List(
        fields.String(),
        metadata={
            "description": "Apa yang disembunyikan dari pembaca ini (mis. ip, changes.user_agent)"
        },
    )


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    next_cursor = fields.Integer(allow_none=True)
