"""Sign-in and permissions, checked once per request before any view runs."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, Response, g, request
from limits import parse as parse_limit

from api.context import k3, limiter
from api.openrosa import message
from api.policy import POLICY, PUBLIC
from api.problems import problem
from k3zones.audit import Actor, current_actor
from k3zones.errors import Unauthenticated
from k3zones.services import auth as auth_service

log = logging.getLogger(__name__)

ROLE_ID = {
    "petugas": "petugas",
    "trantib": "Seksi Trantib",
    "pimpinan": "pimpinan",
    "admin": "admin kecamatan",
    "kota": "pengguna tingkat kota",
}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _unauthorized(detail: str) -> Response:
    return problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="k3zones"'})


def _basic_challenge(detail: str, status: int = 401) -> Response:
    resp = message(status, detail)
    resp.headers["WWW-Authenticate"] = 'Basic realm="k3zones"'
    return resp


def _check() -> Response | None:
    endpoint = request.endpoint
    g.request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
    if endpoint is None or endpoint in PUBLIC or request.method == "OPTIONS":
        return None  # unknown URLs get their 404; public ones need no sign-in
    method = request.method
    if method == "HEAD" and (endpoint, "HEAD") not in POLICY:
        method = "GET"  # a HEAD of a GET route needs what the GET needs
    if endpoint.startswith("openrosa."):
        # ODK Collect signs in with HTTP Basic and the officer's own account.
        basic = request.authorization
        if basic is None or basic.type != "basic" or not basic.username:
            return _basic_challenge("Masukkan nama pengguna dan kata sandi k3zones Anda.")
        # Failed Basic sign-ins are counted like failed logins (per account and address):
        # Collect sends the password on every request, so only failures count.
        item = parse_limit(k3().settings.login_limit_per_user)
        keys = [
            ("odk-fail-user", basic.username.lower()),
            ("odk-fail-addr", request.remote_addr or "-"),
        ]
        store = limiter().limiter
        try:
            blocked = any(not store.test(item, *key) for key in keys)
        except Exception:  # Redis down: do not lock everyone out
            blocked = False
        if blocked:
            resp = _basic_challenge(
                "Terlalu banyak percobaan masuk yang salah. Coba lagi nanti.", 429
            )
            resp.headers["Retry-After"] = str(int(item.get_expiry()))
            return resp
        try:
            p = auth_service.verify_basic(k3().uow, basic.username, basic.password or "")
        except Unauthenticated as exc:
            try:
                for key in keys:
                    store.hit(item, *key)
            except Exception:  # Redis down: the answer is still "wrong password"
                log.warning("could not count a failed ODK sign-in for %s", basic.username)
            return _basic_challenge(exc.message)
    else:
        token = bearer_token()
        if token is None:
            return _unauthorized("Silakan masuk terlebih dahulu (header Authorization: Bearer).")
        try:
            p = auth_service.authenticate(k3().uow, k3().settings, token)
        except Unauthenticated as exc:
            return _unauthorized(exc.message)
    g.principal = p
    g.actor_token = current_actor.set(
        Actor(p.user_id, p.username, g.request_id, request.remote_addr)
    )
    allowed = POLICY.get((endpoint, method))
    if allowed is None:
        log.error("endpoint %s %s has no permission entry; refused", method, endpoint)
        return problem(403, "Akses ke alamat ini belum diatur; hubungi admin sistem.")
    if p.role not in allowed and endpoint.startswith("openrosa."):
        return message(
            403, f"Peran Anda ({ROLE_ID[p.role.value]}) tidak dapat mengirim laporan lewat ODK."
        )
    if p.role not in allowed:
        return problem(403, f"Peran Anda ({ROLE_ID[p.role.value]}) tidak diizinkan melakukan ini.")
    return None


def _reset_actor(_exc: BaseException | None) -> None:
    token = g.pop("actor_token", None)
    if token is not None:
        current_actor.reset(token)


def _request_id_header(resp: Response) -> Response:
    rid = g.get("request_id")
    if rid:
        resp.headers["X-Request-ID"] = rid
    return resp


def register(app: Flask) -> None:
    app.before_request(_check)
    app.after_request(_request_id_header)
    app.teardown_request(_reset_actor)
