"""Users, sign-in and sessions."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from api.schemas.common import K3Schema, one_of, text, values
from api.schemas.teams import MembershipSchema
from k3zones.auth import MAX_PASSWORD, MIN_PASSWORD, USERNAME_PATTERN
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


def _password(**kw: Any) -> fields.String:
    """A new password: the length rules are in the schema, the rest (not the username,
    not too few distinct characters) in k3zones.auth.password_problems."""
    return fields.String(
        load_only=True,
        validate=validate.Length(
            min=MIN_PASSWORD,
            max=MAX_PASSWORD,
            error=f"Kata sandi paling sedikit {MIN_PASSWORD} karakter "
            f"(paling banyak {MAX_PASSWORD}).",
        ),
        **kw,
    )


class UserSchema(K3Schema):
    id = fields.UUID(dump_only=True)
    username = fields.String(
        required=True,
        validate=validate.Regexp(
            USERNAME_PATTERN,
            error="Nama pengguna 3-64 karakter: huruf, angka, titik, garis bawah, atau strip "
            "(disimpan dalam huruf kecil).",
        ),
        metadata={"description": "Disimpan dalam huruf kecil"},
    )
    password = _password(required=True)
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
    full_name = text(200, filled=True)
    nip = fields.String(allow_none=True, validate=validate.Length(max=64))
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    role = fields.String(validate=one_of(values(Role)))
    active = fields.Boolean()
    password = _password(metadata={"description": "Atur ulang kata sandi"})


class UserQueryArgsSchema(K3Schema):
    kecamatan = fields.String()
    role = fields.String(validate=one_of(values(Role)))
    active = fields.Boolean()


# Fields of one's own account that only an admin may change: sent to /me, they are
# refused with 403 rather than silently dropped.
PROTECTED_SELF_FIELDS = ("username", "role", "kecamatan", "active", "nip")
_ADMIN_ONLY = {"description": "Hanya admin yang boleh mengubah: ditolak (403)", "not": {}}


class MeUpdateSchema(K3Schema):
    full_name = text(200, filled=True)
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    # Documented with `not: {}` (no value is valid) so clients see them refused (403).
    username = fields.String(load_only=True, metadata=_ADMIN_ONLY)
    role = fields.String(load_only=True, metadata=_ADMIN_ONLY)
    kecamatan = fields.String(load_only=True, allow_none=True, metadata=_ADMIN_ONLY)
    active = fields.Boolean(load_only=True, metadata=_ADMIN_ONLY)
    nip = fields.String(load_only=True, allow_none=True, metadata=_ADMIN_ONLY)


class PasswordChangeSchema(K3Schema):
    current_password = fields.String(
        required=True, validate=validate.Length(min=1, max=MAX_PASSWORD)
    )
    new_password = _password(required=True)


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
