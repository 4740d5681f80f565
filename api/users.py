"""People (admin) and their device sessions."""

from __future__ import annotations

import uuid
from typing import Any

from flask import url_for
from flask.views import MethodView

from api.context import current_scope, k3, principal
from api.parser import Blueprint
from api.schemas.users import (
    RevokeSchema,
    SessionSchema,
    UserQueryArgsSchema,
    UserSchema,
    UserUpdateSchema,
)
from k3zones.models import Role
from k3zones.services import users
from k3zones.services.users import UserChanges

blp = Blueprint(
    "users", __name__, url_prefix="/api/v1", description="Pengguna, peran, dan sesi perangkat"
)


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(UserQueryArgsSchema, location="query")
    @blp.response(200, UserSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """Daftar pengguna di kecamatan (NIP dan telepon hanya untuk admin)"""
        role = args.get("role")
        return users.list_users(
            k3().uow,
            principal(),
            kecamatan=args.get("kecamatan"),
            role=Role(role) if role else None,
            active=args.get("active"),
        )

    @blp.arguments(UserSchema)
    @blp.response(201, UserSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Membuat pengguna (kata sandi awal diberikan admin)"""
        view = users.create_user(
            k3().uow,
            principal(),
            username=data["username"],
            password=data["password"],
            full_name=data["full_name"],
            role=Role(data["role"]),
            kecamatan=data.get("kecamatan"),
            nip=data.get("nip"),
            phone=data.get("phone"),
        )
        return view, 201, {"Location": url_for("users.User", user_id=view.id)}


@blp.route("/users/<uuid:user_id>")
class User(MethodView):
    @blp.response(200, UserSchema)
    def get(self, user_id: uuid.UUID) -> Any:
        """Satu pengguna (NIP dan telepon hanya untuk admin dan pemilik akun)"""
        return users.get_user(k3().uow, principal(), user_id)

    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, data: dict[str, Any], user_id: uuid.UUID) -> Any:
        """Mengubah pengguna: peran, aktif/nonaktif, atur ulang kata sandi (sesi berakhir)"""
        role = data.get("role")
        changes = UserChanges(
            full_name=data.get("full_name"),
            nip=data.get("nip"),
            phone=data.get("phone"),
            role=Role(role) if role else None,
            active=data.get("active"),
            password=data.get("password"),
            given=frozenset(data),
        )
        return users.update_user(k3().uow, principal(), user_id, changes)


@blp.route("/users/<uuid:user_id>/sessions")
class UserSessions(MethodView):
    @blp.response(200, SessionSchema(many=True))
    def get(self, user_id: uuid.UUID) -> Any:
        """Sesi perangkat seorang pengguna"""
        return users.list_sessions(k3().uow, current_scope(), user_id)


@blp.route("/sessions/<uuid:session_id>/revoke")
class SessionRevoke(MethodView):
    @blp.arguments(RevokeSchema)
    @blp.response(200, SessionSchema)
    def post(self, data: dict[str, Any], session_id: uuid.UUID) -> Any:
        """Mencabut sesi satu perangkat (mis. ponsel hilang): tokennya langsung tidak berlaku"""
        return users.revoke_session(k3().uow, current_scope(), session_id, data["reason"])
