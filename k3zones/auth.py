"""Passwords and tokens. Pure: no database, no HTTP.

Access tokens are short-lived signed JWTs that name the user and the device session.
Refresh tokens are opaque random strings "<id>.<secret>", stored only as a SHA-256 hash,
used once each (every refresh rotates them).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from k3zones.enums import Role

_hasher = PasswordHasher()


def configure_hashing(time_cost: int, memory_kib: int, parallelism: int) -> None:
    """The argon2id cost of new hashes in this process (from the settings, once at start).
    Verification reads the cost from each stored hash, so old hashes keep working and are
    rehashed with this cost at the next sign-in."""
    global _hasher
    new = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
    if (new.time_cost, new.memory_cost, new.parallelism) != (
        _hasher.time_cost,
        _hasher.memory_cost,
        _hasher.parallelism,
    ):
        _hasher = new
        _dummy_hash.cache_clear()  # an unknown name must cost what a known one costs


MIN_PASSWORD = 10
MAX_PASSWORD = 1024
# Usernames: stored in lower case; the API's schema carries the same pattern.
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$"
ALGORITHM = "HS256"
ISSUER = "k3zones"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so an unknown name costs the same
    argon2 work as a known one. Made on first use (not at import: the unit layer imports
    this module and must stay fast), with the same parameters as real hashes."""
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches. With no stored hash (unknown user) the same argon2
    work is done against a dummy hash and the answer is False."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def password_problems(password: str, username: str) -> list[str]:
    """What is wrong with a new password, in words an officer can act on."""
    out = []
    if len(password) < MIN_PASSWORD:
        out.append(f"Kata sandi paling sedikit {MIN_PASSWORD} karakter.")
    if password.strip().lower() == username.strip().lower():
        out.append("Kata sandi tidak boleh sama dengan nama pengguna.")
    if len(set(password)) < 4:
        out.append("Kata sandi terlalu mudah ditebak; gunakan huruf, angka, dan simbol.")
    return out


class TokenError(Exception):
    """The token is missing, malformed, expired, tampered with, or of the wrong kind."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    role: Role
    kecamatan_id: int | None


def issue_access_token(secret: str, claims: AccessClaims, now: datetime, ttl: timedelta) -> str:
    payload = {
        "iss": ISSUER,
        "typ": "access",
        "sub": str(claims.user_id),
        "sid": str(claims.session_id),
        "role": claims.role.value,
        "kec": claims.kecamatan_id,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    import jwt  # why: lazy, a worker never signs or reads a token (8 MB with cryptography)

    return jwt.encode(payload, secret, algorithm=ALGORITHM)


# Longer than any token this app signs: never decoded, never cached.
MAX_TOKEN_CHARS = 2048


@functools.lru_cache(maxsize=2048)
def _verified_payload(secret: str, token: str) -> dict[str, Any] | None:
    """The claims of a token whose signature and issuer hold, else None. Pure, so a
    phone's token (sent with every request for its hour) is checked once per process;
    what changes with time (expiry) is checked by the caller every time."""
    import jwt  # why: lazy, a worker never signs or reads a token (8 MB with cryptography)

    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={
                "require": ["exp", "sub", "sid", "typ"],
                "verify_iat": False,
                "verify_exp": False,
            },
        )
    except jwt.PyJWTError:
        return None
    return payload


def read_access_token(secret: str, token: str, now: datetime) -> AccessClaims:
    # Expiry is checked below against `now`, so the caller (and a test) owns the clock.
    payload = _verified_payload(secret, token) if len(token) <= MAX_TOKEN_CHARS else None
    if payload is None:
        raise TokenError("invalid")
    if not isinstance(payload.get("exp"), int) or payload["exp"] <= now.timestamp():
        raise TokenError("expired")
    if payload.get("typ") != "access":
        raise TokenError("wrong type")
    try:
        return AccessClaims(
            user_id=uuid.UUID(payload["sub"]),
            session_id=uuid.UUID(payload["sid"]),
            role=Role(payload["role"]),
            kecamatan_id=payload.get("kec"),
        )
    except (KeyError, ValueError) as exc:
        raise TokenError("invalid claims") from exc


def new_refresh_token() -> tuple[uuid.UUID, str, str]:
    """(id, the token to hand out, the hash to store)."""
    token_id = uuid.uuid4()
    secret = secrets.token_urlsafe(32)
    token = f"{token_id.hex}.{secret}"
    return token_id, token, refresh_hash(token)


def refresh_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_refresh_token(token: str) -> uuid.UUID:
    head, sep, tail = token.partition(".")
    if not sep or not tail or len(head) != 32:
        raise TokenError("malformed refresh token")
    try:
        return uuid.UUID(hex=head)
    except ValueError as exc:
        raise TokenError("malformed refresh token") from exc


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
