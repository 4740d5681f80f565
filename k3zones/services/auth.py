"""Sign-in for phones and browsers: login, token refresh with rotation, logout, revoke."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from k3zones import auth
from k3zones.db import autocommit_engine, run
from k3zones.enums import Role
from k3zones.errors import Unauthenticated
from k3zones.models import AuditLog, AuthSession, Kecamatan, RefreshToken, User
from k3zones.periods import now_utc
from k3zones.principal import Principal
from k3zones.settings import Settings

BAD_LOGIN = "Nama pengguna atau kata sandi salah."
BAD_TOKEN = "Sesi tidak valid atau sudah berakhir. Silakan masuk lagi."  # noqa: S105
REUSED = "reuse"
THROTTLED = "login_throttled"


class BadCredentials(Unauthenticated):
    """Wrong username or password: the only sign-in outcome that counts as a failure
    (a right password for a deactivated account does not)."""


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_at: datetime
    session_id: uuid.UUID
    user_id: uuid.UUID


def _issue(
    s: Session, settings: Settings, user: User, session: AuthSession, now: datetime
) -> TokenPair:
    token_id, token, digest = auth.new_refresh_token()
    expires = now + timedelta(days=settings.refresh_token_days)
    s.add(RefreshToken(id=token_id, session_id=session.id, token_hash=digest, expires_at=expires))
    ttl = timedelta(seconds=settings.access_token_seconds)
    access = auth.issue_access_token(
        settings.secret_key,
        auth.AccessClaims(user.id, session.id, user.role, user.kecamatan_id),
        now,
        ttl,
    )
    return TokenPair(access, token, settings.access_token_seconds, expires, session.id, user.id)


def login(
    uow: sessionmaker[Session],
    settings: Settings,
    username: str,
    password: str,
    *,
    device_id: str | None = None,
    user_agent: str | None = None,
    ip: str | None = None,
) -> TokenPair:
    now = now_utc()
    with uow() as s, s.begin():
        user = s.scalar(select(User).where(User.username == username.strip().lower()))
        ok = auth.verify_password(user.password_hash if user else None, password)
        if user is None or not ok:
            raise BadCredentials(BAD_LOGIN)
        if not user.active:
            # Said only once the password is right: it is then the owner asking.
            raise Unauthenticated("Akun ini sudah dinonaktifkan. Hubungi admin kecamatan.")
        if auth.needs_rehash(user.password_hash):
            user.password_hash = auth.hash_password(password)
        session = AuthSession(
            id=uuid.uuid4(),
            user_id=user.id,
            device_id=(device_id or None) and device_id[:200],
            user_agent=(user_agent or None) and user_agent[:500],
            ip=ip,
        )
        s.add(session)
        s.flush()
        return _issue(s, settings, user, session, now)


def refresh(uow: sessionmaker[Session], settings: Settings, token: str) -> TokenPair:
    """Exchange a refresh token for a new pair. A token used twice revokes its session,
    unless the second use follows the first within the grace period (a retry)."""
    now = now_utc()
    try:
        token_id = auth.parse_refresh_token(token)
    except auth.TokenError as exc:
        raise Unauthenticated(BAD_TOKEN) from exc
    outcome: TokenPair | str
    with uow() as s, s.begin():
        row = s.scalar(select(RefreshToken).where(RefreshToken.id == token_id).with_for_update())
        if row is None or not auth.same_hash(row.token_hash, auth.refresh_hash(token)):
            raise Unauthenticated(BAD_TOKEN)
        session = s.scalar(
            select(AuthSession).where(AuthSession.id == row.session_id).with_for_update()
        )
        user = s.get(User, session.user_id) if session else None
        if session is None or user is None or session.revoked_at is not None:
            raise Unauthenticated(BAD_TOKEN)
        if not user.active:
            raise Unauthenticated("Akun ini sudah dinonaktifkan. Hubungi admin kecamatan.")
        if row.expires_at <= now:
            raise Unauthenticated(BAD_TOKEN)
        grace = timedelta(seconds=settings.refresh_reuse_grace_seconds)
        if row.used_at is not None and now - row.used_at > grace:
            # Someone holds a copy of an old token: end the whole device session.
            session.revoked_at = now
            session.revoked_reason = "refresh token dipakai ulang"
            outcome = REUSED
        else:
            row.used_at = row.used_at or now
            session.last_used_at = now
            outcome = _issue(s, settings, user, session, now)
    # Raised after commit, so the revocation above is kept.
    if isinstance(outcome, str):
        raise Unauthenticated(BAD_TOKEN)
    return outcome


def logout(uow: sessionmaker[Session], session_id: uuid.UUID, reason: str = "keluar") -> None:
    with uow() as s, s.begin():
        s.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now_utc(), revoked_reason=reason)
        )


def verify_basic(uow: sessionmaker[Session], username: str, password: str) -> Principal:
    """HTTP Basic (ODK Collect asks for it on each request): the same accounts and
    passwords, no device session."""
    with uow() as s:
        row = s.execute(
            select(User, Kecamatan.slug)
            .outerjoin(Kecamatan, Kecamatan.id == User.kecamatan_id)
            .where(User.username == username.strip().lower())
        ).first()
    user, slug = row if row is not None else (None, None)
    # Always one argon2 verification (a dummy hash for an unknown name): an unknown
    # username must not answer faster than a known one.
    ok = auth.verify_password(user.password_hash if user else None, password)
    if user is None or not ok:
        raise BadCredentials(BAD_LOGIN)
    if not user.active:
        raise Unauthenticated(BAD_LOGIN)  # same answer; not counted as a guess
    return principal_of(uow, user, slug, None)


def record_login_throttled(
    uow: sessionmaker[Session],
    username: str,
    failures: int,
    window: str,
    *,
    ip: str | None,
    channel: str,
    request_id: str | None = None,
) -> bool:
    """Write the audit entry the kecamatan's admin sees when an account's failed sign-ins
    cross the ceiling over all addresses. Nothing is written for an unknown username
    (attackers choose those names; the log is for real accounts). The address that
    crossed the ceiling goes in the entry's `ip`, shown to admins only. True when written."""
    with uow() as s, s.begin():
        user = s.scalar(select(User).where(User.username == username.strip().lower()))
        if user is None:
            return False
        s.add(
            AuditLog(
                kecamatan_id=user.kecamatan_id,
                actor_id=None,
                actor="sistem",
                entity="user",
                entity_id=str(user.id),
                action=THROTTLED,
                changes={
                    "username": user.username,
                    "failures": failures,
                    "window": window,
                    "channel": channel,
                },
                request_id=request_id,
                ip=ip,
            )
        )
    return True


# On every request with a Bearer token: built once, Core (no ORM entities), run on an
# autocommit connection (no BEGIN and no ROLLBACK round trips around one read).
_SESSION_CHECK = (
    select(
        User.id,
        User.username,
        User.full_name,
        User.role,
        User.kecamatan_id,
        User.kota_id,
        User.active,
        AuthSession.revoked_at,
        Kecamatan.slug,
    )
    .join(AuthSession, AuthSession.user_id == User.id)
    .outerjoin(Kecamatan, Kecamatan.id == User.kecamatan_id)
    .where(User.id == bindparam("user_id"), AuthSession.id == bindparam("session_id"))
)


def authenticate(uow: sessionmaker[Session], settings: Settings, bearer: str) -> Principal:
    """The Principal behind an access token, checked against the database so a revoked
    session or a deactivated user stops at once, not when the token expires."""
    try:
        claims = auth.read_access_token(settings.secret_key, bearer, now_utc())
    except auth.TokenError as exc:
        raise Unauthenticated(BAD_TOKEN) from exc
    # One read on an autocommit connection (no BEGIN/ROLLBACK round trips), no Session,
    # the statement compiled once (k3zones.db.Compiled): on every signed-in request.
    with autocommit_engine(uow).connect() as conn:
        rows = run(
            conn, _SESSION_CHECK, {"user_id": claims.user_id, "session_id": claims.session_id}
        )
    row = rows[0] if rows else None
    if row is None or row.revoked_at is not None or not row.active:
        raise Unauthenticated(BAD_TOKEN)
    # The role now, not the one in the token.
    return principal_of(uow, row, row.slug, claims.session_id)


def principal_of(
    uow: sessionmaker[Session], user: Any, slug: str | None, session_id: uuid.UUID | None
) -> Principal:
    """The one place a Principal is built, for a Bearer token and HTTP Basic alike, from a
    user (an ORM User or a row with its columns) and its kecamatan's slug."""
    return Principal(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),  # a row read on the driver has the enum's value
        kecamatan_id=user.kecamatan_id,
        kecamatan_slug=slug,
        session_id=session_id,
        kota_id=user.kota_id,
        kota_kecamatan_ids=kota_kecamatan_ids(uow, user.kota_id),
    )


def kota_kecamatan_ids(uow: sessionmaker[Session], kota_id: int | None) -> frozenset[int]:
    """The scope of a kota user: the kecamatan of their kota (one query on the
    ix_kecamatan_kota_id index). Kecamatan users (kota_id None) pay nothing."""
    if kota_id is None:
        return frozenset()
    with uow() as s:
        return frozenset(s.scalars(select(Kecamatan.id).where(Kecamatan.kota_id == kota_id)))
