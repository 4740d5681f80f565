"""Sign-in and permissions, checked once per request before any view runs."""

from __future__ import annotations

import logging
import math
import uuid
from dataclasses import dataclass

from flask import Flask, Response, g, request
from limits import RateLimitItem
from limits import parse as parse_limit

from api.context import k3
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
    "admin_kota": "admin kota",
}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def throttled_message(seconds: int) -> str:
    wait = f"{seconds} detik" if seconds < 120 else f"{math.ceil(seconds / 60)} menit"
    return f"Terlalu banyak percobaan masuk yang salah. Coba lagi dalam {wait}."


@dataclass(frozen=True)
class SignInGuard:
    """Failed sign-ins, counted in Redis for the login and ODK Basic alike.

    Only failures count; a good sign-in never does. Three fixed windows:

    - per (username, address), `login_limit_per_user`: the guessing address waits, the
      officer elsewhere (or a colleague behind the same office NAT) does not;
    - per address over all usernames, `login_limit_per_address`: one address trying
      many accounts; not applied where this user signed in successfully before;
    - per username over all addresses, `login_limit_per_user_total`: crossing it writes
      a `login_throttled` audit entry for the kecamatan's admin; until the window ends,
      an address that fails for that account is blocked for it at once. An address
      with a recent good sign-in, and a clean address (one attempt: it may be the
      officer on a new mobile address), still get through with the right password.

    Redis down: nothing is counted and nobody is blocked (sign-in must keep working).
    """

    username: str
    address: str
    channel: str

    @classmethod
    def for_request(cls, username: str, channel: str) -> SignInGuard:
        return cls(username.strip().lower()[:150], request.remote_addr or "-", channel)

    def _key(self, kind: str) -> str:
        parts = {
            "pair": f"{self.username}|{self.address}",
            "user": self.username,
            "addr": self.address,
            "known": f"{self.username}|{self.address}",
            "alerted": self.username,
        }
        return f"k3zones:signin:{kind}:{parts[kind]}"

    def _limits(self) -> tuple[RateLimitItem, RateLimitItem, RateLimitItem]:
        st = k3().settings
        return (
            parse_limit(st.login_limit_per_user),
            parse_limit(st.login_limit_per_address),
            parse_limit(st.login_limit_per_user_total),
        )

    def blocked_for(self) -> int:
        """Seconds this address must wait before trying this account (0: go ahead)."""
        pair_item, addr_item, _ = self._limits()
        try:
            pipe = k3().redis.pipeline(transaction=False)
            for kind in ("pair", "addr"):
                pipe.get(self._key(kind))
                pipe.ttl(self._key(kind))
            pipe.exists(self._key("known"))
            pair, pair_ttl, addr, addr_ttl, known = pipe.execute()
        except Exception:  # Redis down: do not lock everyone out
            log.warning("sign-in guard unavailable; %s not checked", self.username)
            return 0
        if int(pair or 0) >= pair_item.amount:
            return max(1, int(pair_ttl))
        if not known and int(addr or 0) >= addr_item.amount:
            return max(1, int(addr_ttl))
        return 0

    def failed(self) -> None:
        """Count a wrong password; past the per-account ceiling, audit once and block
        this address for the account unless it is known."""
        pair_item, addr_item, total_item = self._limits()
        r = k3().redis
        try:
            pipe = r.pipeline(transaction=False)
            for kind, item in (("pair", pair_item), ("addr", addr_item), ("user", total_item)):
                # A fixed window: the first failure starts it (EXPIRE NX never extends it,
                # and no counter is ever left without an expiry). Redis >= 7.
                pipe.incr(self._key(kind))
                pipe.expire(self._key(kind), item.get_expiry(), nx=True)
            pipe.ttl(self._key("user"))
            pipe.exists(self._key("known"))
            pipe.ttl(self._key("pair"))
            out = pipe.execute()
            total, total_ttl, known = int(out[4]), max(1, int(out[6])), bool(out[7])
            if total < total_item.amount:
                return
            if not known:
                # Under attack: this address has failed for this account; it waits until
                # the account's window ends (a known address keeps its own limit).
                r.set(
                    self._key("pair"),
                    pair_item.amount,
                    ex=max(total_ttl, int(out[8])),
                )
            first = r.set(self._key("alerted"), 1, ex=total_ttl, nx=True)
        except Exception:  # Redis down: the answer is still "wrong password"
            log.warning("could not count a failed sign-in for %s", self.username)
            return
        if first:
            written = auth_service.record_login_throttled(
                k3().uow,
                self.username,
                total,
                f"{total_item.amount} per {total_item.get_expiry()} detik",
                ip=self.address,
                channel=self.channel,
                request_id=g.get("request_id"),
            )
            if written:
                log.warning("sign-in throttled for %s after %d failures", self.username, total)

    def succeeded(self) -> None:
        """Remember this address for this user; its own failures are forgiven."""
        days = k3().settings.login_trusted_address_days
        try:
            pipe = k3().redis.pipeline(transaction=False)
            pipe.set(self._key("known"), 1, ex=days * 86400)
            pipe.delete(self._key("pair"))
            pipe.execute()
        except Exception:
            log.warning("could not record a good sign-in for %s", self.username)


def _unauthorized(detail: str) -> Response:
    return problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="k3zones"'})


def _basic_challenge(detail: str, status: int = 401) -> Response:
    resp = message(status, detail)
    resp.headers["WWW-Authenticate"] = 'Basic realm="k3zones"'
    return resp


def _check() -> Response | None:
    endpoint = request.endpoint
    # Set first by api.metrics (the same id in logs, metrics and the worker's task).
    if not g.get("request_id"):
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
        # Collect sends the password on every request: the same guard as the login
        # (failures only, per account and address), sharing its counters.
        guard = SignInGuard.for_request(basic.username, "odk")
        wait = guard.blocked_for()
        if wait:
            resp = _basic_challenge(throttled_message(wait), 429)
            resp.headers["Retry-After"] = str(wait)
            return resp
        try:
            p = auth_service.verify_basic(k3().uow, basic.username, basic.password or "")
        except auth_service.BadCredentials as exc:
            guard.failed()
            return _basic_challenge(exc.message)
        except Unauthenticated as exc:
            return _basic_challenge(exc.message)
        guard.succeeded()
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
