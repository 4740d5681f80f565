"""Sign-in for phones and browsers; the signed-in user's own account."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView

from api.context import k3, limiter, principal
from api.parser import Blueprint
from api.problems import problem
from api.schemas.users import (
    PROTECTED_SELF_FIELDS,
    LoginSchema,
    MeUpdateSchema,
    PasswordChangeSchema,
    RefreshSchema,
    TokenSchema,
    UserSchema,
)
from api.security import SignInGuard, bearer_token, throttled_message
from k3zones.errors import FieldError, Forbidden, Unauthenticated
from k3zones.scope import Scope
from k3zones.services import auth as auth_service
from k3zones.services import users
from k3zones.services.auth import TokenPair

blp = Blueprint(
    "auth",
    __name__,
    url_prefix="/api/v1",
    description="Masuk, perpanjang sesi, keluar; akun sendiri",
)


def _tokens(pair: TokenPair) -> dict[str, Any]:
    return {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "token_type": "Bearer",
        "expires_in": pair.expires_in,
        "refresh_expires_at": pair.refresh_expires_at,
        "session_id": pair.session_id,
        "user": users.get_user(k3().uow, Scope.everything(), pair.user_id),
    }


@blp.route("/auth/login")
class Login(MethodView):
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, description="Nama pengguna atau kata sandi salah")
    @blp.alt_response(429, description="Terlalu banyak percobaan; lihat Retry-After")
    def post(self, data: dict[str, Any]) -> Any:
        """Masuk: menukar nama pengguna dan kata sandi dengan access + refresh token"""
        ctx = k3()
        username = data["username"].strip().lower()
        # Only failures count, per account and address (see api.security.SignInGuard):
        # a good sign-in never does, so nobody elsewhere can lock an officer out.
        guard = SignInGuard.for_request(username, "login")
        wait = guard.blocked_for()
        if wait:
            return problem(429, throttled_message(wait), headers={"Retry-After": str(wait)})
        try:
            pair = auth_service.login(
                ctx.uow,
                ctx.settings,
                username,
                data["password"],
                device_id=data.get("device_id"),
                user_agent=request.headers.get("User-Agent"),
                ip=request.remote_addr,
            )
        except auth_service.BadCredentials:
            guard.failed()
            raise
        guard.succeeded()
        return _tokens(pair)


@blp.route("/auth/refresh")
class Refresh(MethodView):
    @blp.arguments(RefreshSchema, required=False)  # or the token as a Bearer header
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, description="Refresh token tidak valid, kedaluwarsa, atau dipakai ulang")
    def post(self, data: dict[str, Any]) -> Any:
        """Perpanjang sesi: refresh token lama ditukar pasangan token baru (sekali pakai)"""
        token = data.get("refresh_token") or bearer_token()
        if not token:
            raise Unauthenticated("Kirim refresh token (body refresh_token atau header Bearer).")
        ctx = k3()
        with limiter().limit(
            "60 per minute", key_func=lambda: f"refresh-addr:{request.remote_addr}"
        ):
            return _tokens(auth_service.refresh(ctx.uow, ctx.settings, token))


@blp.route("/auth/logout")
class Logout(MethodView):
    @blp.response(204)
    def post(self) -> Any:
        """Keluar: sesi perangkat ini berakhir (access dan refresh token tidak berlaku lagi)"""
        p = principal()
        if p.session_id:
            auth_service.logout(k3().uow, p.session_id)
        return ""


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserSchema)
    def get(self) -> Any:
        """Akun yang sedang masuk, dengan tim saat ini"""
        p = principal()
        # Their own account (a kota user's is in no kecamatan of their scope).
        return users.get_user(k3().uow, Scope.everything(), p.user_id)

    @blp.arguments(MeUpdateSchema)
    @blp.response(200, UserSchema)
    @blp.alt_response(403, description="Kolom yang hanya boleh diubah admin")
    def patch(self, data: dict[str, Any]) -> Any:
        """Mengubah nama dan nomor telepon sendiri"""
        refused = [f for f in PROTECTED_SELF_FIELDS if f in data]
        if refused:
            raise Forbidden(
                "Kolom " + ", ".join(refused) + " hanya dapat diubah oleh admin kecamatan.",
                [FieldError((f,), "Tidak boleh Anda ubah sendiri.") for f in refused],
            )
        return users.update_own_profile(
            k3().uow, principal(), data.get("full_name"), data.get("phone"), frozenset(data)
        )


@blp.route("/me/password")
class MyPassword(MethodView):
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    @blp.alt_response(429, description="Terlalu banyak percobaan; lihat Retry-After")
    def post(self, data: dict[str, Any]) -> Any:
        """Mengganti kata sandi sendiri; sesi di perangkat lain berakhir"""
        ctx, p = k3(), principal()
        # Each try checks the old password: limited per user so a stolen session cannot
        # guess it.
        with limiter().limit(
            ctx.settings.password_change_limit, key_func=lambda: f"password:{p.user_id}"
        ):
            users.change_own_password(ctx.uow, p, data["current_password"], data["new_password"])
        return ""
