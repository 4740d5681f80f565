"""Users, sign-in and sessions."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from api.schemas.common import K3Schema, one_of, text, values
from api.schemas.teams import MembershipSchema
from k3zones.enums import Role


class LoginSchema(K3Schema):
    username = text(64, required=True)
    password = fields.String(
        required=True, validate=validate.Length(min=1, max=1024, error="Kata sandi wajib diisi.")
    )
    device_id = fields.String(
        allow_none=True,
        validate=validate.Length(max=200),
        metadata={"description": "Pengenal perangkat (opsional)"},
    )


class RefreshSchema(K3Schema):
    refresh_token = fields.String(
        metadata={"description": "Atau kirim sebagai Authorization: Bearer <refresh_token>"}
    )


class UserSchema(K3Schema):
    id = fields.UUID(dump_only=True)
    username = text(64, required=True)
    password = fields.String(load_only=True, required=True)
    full_name = text(200, required=True)
    nip = fields.String(
        allow_none=True,
        validate=validate.Length(max=64),
        metadata={
            "description": "NIP atau nomor badge. Terbaca hanya oleh admin dan pemilik akun; "
            "null untuk yang lain."
        },
    )
    phone = fields.String(
        allow_none=True,
        validate=validate.Length(max=32),
        metadata={
            "description": "Terbaca hanya oleh admin dan pemilik akun; null untuk yang lain."
        },
    )
    role = fields.String(required=True, validate=one_of(values(Role)))
    kecamatan = fields.String(allow_none=True, metadata={"description": "Slug kecamatan"})
    active = fields.Boolean(dump_only=True)
    is_sample = fields.Boolean(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    teams = fields.List(fields.Nested(MembershipSchema), dump_only=True)


class UserUpdateSchema(K3Schema):
    full_name = text(200)
    nip = fields.String(allow_none=True, validate=validate.Length(max=64))
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    role = fields.String(validate=one_of(values(Role)))
    active = fields.Boolean()
    password = fields.String(load_only=True, metadata={"description": "Atur ulang kata sandi"})


class UserQueryArgsSchema(K3Schema):
    class Meta:
        unknown = EXCLUDE

    kecamatan = fields.String()
    role = fields.String(validate=one_of(values(Role)))
    active = fields.Boolean()


# Fields of one's own account that only an admin may change: sent to /me, they are
# refused with 403 rather than silently dropped.
PROTECTED_SELF_FIELDS = ("username", "role", "kecamatan", "active", "nip")


class MeUpdateSchema(K3Schema):
    full_name = text(200)
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    username = fields.Raw(load_only=True, metadata={"description": "Ditolak (403)"})
    role = fields.Raw(load_only=True, metadata={"description": "Ditolak (403)"})
    kecamatan = fields.Raw(load_only=True, metadata={"description": "Ditolak (403)"})
    active = fields.Raw(load_only=True, metadata={"description": "Ditolak (403)"})
    nip = fields.Raw(load_only=True, metadata={"description": "Ditolak (403)"})


class PasswordChangeSchema(K3Schema):
    current_password = fields.String(required=True)
    new_password = fields.String(required=True)


class TokenSchema(Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String(metadata={"example": "Bearer"})
    expires_in = fields.Integer(metadata={"description": "Umur access token (detik)"})
    refresh_expires_at = fields.DateTime()
    session_id = fields.UUID()
    user = fields.Nested(UserSchema)


class SessionSchema(Schema):
    id = fields.UUID()
    user_id = fields.UUID()
    device_id = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    ip = fields.String(allow_none=True)
    created_at = fields.DateTime()
    last_used_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    revoked_reason = fields.String(allow_none=True)


class RevokeSchema(K3Schema):
    reason = fields.String(load_default="dicabut admin", validate=validate.Length(max=200))
