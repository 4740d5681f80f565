"""People (accounts, roles, their own profile) and the device sessions an admin can revoke.
Teams are in k3zones.services.teams."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from k3zones import auth
from k3zones.enums import KOTA_ROLES
from k3zones.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from k3zones.models import (
    AuthSession,
    Kecamatan,
    Kota,
    Role,
    Team,
    TeamMembership,
    User,
)
from k3zones.periods import now_utc
from k3zones.principal import Principal
from k3zones.scope import Scope
from k3zones.services.reference import get_kecamatan_by_slug

USERNAME = re.compile(auth.USERNAME_PATTERN)
# Who reads a person's NIP and phone number: the kecamatan admin (who manages accounts)
# and the person themselves. Other staff and kota see the list without them.
CONTACT_READERS = frozenset({Role.ADMIN})


def sees_contact(caller: Principal, user_id: uuid.UUID) -> bool:
    return caller.role in CONTACT_READERS or caller.user_id == user_id


def _reader(caller: Principal | Scope) -> tuple[Scope, Principal | None]:
    """A Principal is a person reading through the API: the contact rule applies. A bare
    Scope is the system answering for itself (the CLI operator, sign-in and /me telling a
    user about their own account): everything in that scope."""
    if isinstance(caller, Principal):
        return caller.scope, caller
    return caller, None


def _contact(view: UserView, reader: Principal | None) -> UserView:
    if reader is None or sees_contact(reader, view.id):
        return view
    return replace(view, nip=None, phone=None)


# --- users -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MembershipView:
    id: uuid.UUID
    team_id: uuid.UUID
    team_name: str
    team_kind: str
    user_id: uuid.UUID
    username: str
    joined_on: date
    left_on: date | None


@dataclass(frozen=True)
class UserView:
    id: uuid.UUID
    username: str
    full_name: str
    nip: str | None
    phone: str | None
    role: str
    kecamatan: str | None
    active: bool
    is_sample: bool
    created_at: datetime
    teams: list[MembershipView] = field(default_factory=list)


@dataclass
class UserChanges:
    username: str | None = None
    full_name: str | None = None
    nip: str | None = None
    phone: str | None = None
    role: Role | None = None
    active: bool | None = None
    password: str | None = None
    given: frozenset[str] = frozenset()


def _memberships(
    s: Session, user_ids: Iterable[uuid.UUID], current_only: bool
) -> list[MembershipView]:
    q = (
        select(TeamMembership, Team, User.username)
        .join(Team, Team.id == TeamMembership.team_id)
        .join(User, User.id == TeamMembership.user_id)
        .where(TeamMembership.user_id.in_(list(user_ids)))
        .order_by(TeamMembership.joined_on)
    )
    if current_only:
        q = q.where(TeamMembership.left_on.is_(None))
    return [
        MembershipView(m.id, t.id, t.name, t.kind.value, m.user_id, name, m.joined_on, m.left_on)
        for m, t, name in s.execute(q)
    ]


def _user_view(s: Session, u: User, *, teams: bool = True) -> UserView:
    slug = s.scalar(select(Kecamatan.slug).where(Kecamatan.id == u.kecamatan_id))
    return UserView(
        id=u.id,
        username=u.username,
        full_name=u.full_name,
        nip=u.nip,
        phone=u.phone,
        role=u.role.value,
        kecamatan=slug,
        active=u.active,
        is_sample=u.is_sample,
        created_at=u.created_at,
        teams=_memberships(s, [u.id], current_only=True) if teams else [],
    )


def load_user(
    s: Session, scope: Scope, user_id: uuid.UUID, *, lock: bool = False, me: uuid.UUID | None = None
) -> User:
    """A user in scope; `me` (the caller's own id) always finds the caller's account."""
    q = select(User).where(User.id == user_id)
    if lock:
        q = q.with_for_update()
    u = s.scalar(q)
    # A kota user belongs to no kecamatan: only a city-wide scope (or themselves) sees them.
    if u is None or (
        u.id != me
        and scope.kecamatan_ids is not None
        and (u.kecamatan_id is None or not scope.allows(u.kecamatan_id))
    ):
        raise NotFound("Pengguna tidak ditemukan.")
    return u


def _check_password(password: str, username: str, path: tuple[str, ...]) -> None:
    problems = auth.password_problems(password, username)
    if problems:
        raise InvalidInput(
            "Kata sandi belum memenuhi syarat.", [FieldError(path, p) for p in problems]
        )


def _assignable(caller: Principal | None, role: Role) -> None:
    """Which roles a caller may hand out. None is the operator's CLI: anything."""
    if caller is None:
        return
    if role in KOTA_ROLES:
        raise Forbidden(
            "Peran kota hanya dapat dibuat oleh operator kota (lewat CLI).",
            [FieldError(("role",), "Anda tidak boleh memberi peran kota.")],
        )


def kota_id_of(s: Session, kode: str | None) -> int:
    """The kota of a BPS code; without one, the deployment's kota when there is one only."""
    q = select(Kota.id).where(Kota.kode == kode) if kode else select(Kota.id).limit(2)
    ids = list(s.scalars(q))
    if len(ids) != 1:
        raise InvalidInput(
            "Kota tidak ditemukan." if kode or not ids else "Kota wajib diisi.",
            [FieldError(("kota",), "Isi kode BPS kota yang terdaftar, mis. 3275.")],
        )
    return ids[0]


def create_user(
    uow: sessionmaker[Session],
    caller: Principal | None,
    *,
    username: str,
    password: str,
    full_name: str,
    role: Role,
    kecamatan: str | None,
    nip: str | None = None,
    phone: str | None = None,
    is_sample: bool = False,
    kota: str | None = None,
) -> UserView:
    """`kota` (BPS code) places a kota-role user; omitted, the deployment's only kota."""
    if not USERNAME.match(username):
        raise InvalidInput(
            "Nama pengguna tidak valid.",
            [
                FieldError(
                    ("username",),
                    "Nama pengguna 3-64 karakter: huruf, angka, titik, garis bawah, "
                    "atau strip (disimpan dalam huruf kecil).",
                )
            ],
        )
    username = username.lower()
    _assignable(caller, role)
    _check_password(password, username, ("password",))
    scope = caller.scope if caller else Scope.everything()
    with uow() as s, s.begin():
        kec_id: int | None = None
        kota_id: int | None = None
        if role in KOTA_ROLES:
            if kecamatan:
                raise InvalidInput(
                    "Peran kota tidak terikat kecamatan.",
                    [FieldError(("kecamatan",), "Kosongkan untuk peran kota.")],
                )
            kota_id = kota_id_of(s, kota)
        else:
            slug = kecamatan or (caller.kecamatan_slug if caller else None)
            if not slug:
                raise InvalidInput(
                    "Kecamatan wajib diisi.",
                    [FieldError(("kecamatan",), "Pilih kecamatan pengguna.")],
                )
            kec_id = get_kecamatan_by_slug(s, scope, slug).id
        if s.scalar(select(User.id).where(User.username == username)):
            raise Conflict(
                f"Nama pengguna '{username}' sudah dipakai.",
                [FieldError(("username",), "Sudah dipakai; pilih nama lain.")],
            )
        u = User(
            id=uuid.uuid4(),
            kecamatan_id=kec_id,
            kota_id=kota_id,
            username=username,
            full_name=full_name.strip(),
            nip=nip,
            phone=phone,
            role=role,
            password_hash=auth.hash_password(password),
            is_sample=is_sample,
        )
        s.add(u)
        try:
            s.flush()
        except IntegrityError as exc:
            raise Conflict(f"Nama pengguna '{username}' sudah dipakai.") from exc
        return _user_view(s, u)


def list_users(
    uow: sessionmaker[Session],
    caller: Principal | Scope,
    *,
    kecamatan: str | None = None,
    role: Role | None = None,
    active: bool | None = None,
) -> list[UserView]:
    """The people in scope; NIP and phone only as sees_contact allows (null otherwise)."""
    scope, reader = _reader(caller)
    with uow() as s:
        q = select(User).order_by(User.username)
        if scope.kecamatan_ids is not None:
            q = q.where(User.kecamatan_id.in_(sorted(scope.kecamatan_ids)))
        if kecamatan:
            q = q.where(User.kecamatan_id == get_kecamatan_by_slug(s, scope, kecamatan).id)
        if role:
            q = q.where(User.role == role)
        if active is not None:
            q = q.where(User.active.is_(active))
        users = list(s.scalars(q))
        slugs = {kid: slug for kid, slug in s.execute(select(Kecamatan.id, Kecamatan.slug))}
        teams: dict[uuid.UUID, list[MembershipView]] = {}
        for m in _memberships(s, [u.id for u in users], current_only=True):
            teams.setdefault(m.user_id, []).append(m)
        return [
            _contact(
                UserView(
                    u.id,
                    u.username,
                    u.full_name,
                    u.nip,
                    u.phone,
                    u.role.value,
                    slugs.get(u.kecamatan_id) if u.kecamatan_id else None,
                    u.active,
                    u.is_sample,
                    u.created_at,
                    teams.get(u.id, []),
                ),
                reader,
            )
            for u in users
        ]


def get_user(uow: sessionmaker[Session], caller: Principal | Scope, user_id: uuid.UUID) -> UserView:
    """One person in scope; NIP and phone only as sees_contact allows (null otherwise)."""
    scope, reader = _reader(caller)
    with uow() as s:
        me = caller.user_id if isinstance(caller, Principal) else None
        return _contact(_user_view(s, load_user(s, scope, user_id, me=me)), reader)


def get_user_by_username(uow: sessionmaker[Session], username: str) -> UserView:
    with uow() as s:
        u = s.scalar(select(User).where(User.username == username.strip().lower()))
        if u is None:
            raise NotFound(f"Pengguna '{username}' tidak ditemukan.")
        return _user_view(s, u)


def _revoke_all(s: Session, user_id: uuid.UUID, reason: str) -> int:
    res = s.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now_utc(), revoked_reason=reason)
    )
    return int(getattr(res, "rowcount", 0) or 0)


def update_user(
    uow: sessionmaker[Session], caller: Principal | None, user_id: uuid.UUID, ch: UserChanges
) -> UserView:
    """An admin (or the CLI) changing a user. Role changes and deactivation end the
    user's sessions, so a new role or a lost account takes effect at once."""
    scope = caller.scope if caller else Scope.everything()
    with uow() as s, s.begin():
        u = load_user(s, scope, user_id, lock=True)
        g = ch.given
        if caller and u.id == caller.user_id and ({"role", "active"} & g):
            raise Conflict("Anda tidak dapat mengubah peran atau menonaktifkan akun sendiri.")
        if "role" in g and ch.role is not None and ch.role != u.role:
            _assignable(caller, ch.role)
            if (ch.role in KOTA_ROLES) != (u.role in KOTA_ROLES):
                raise InvalidInput(
                    "Peran kota tidak dapat ditukar dengan peran kecamatan.",
                    [FieldError(("role",), "Buat akun baru untuk peran kota.")],
                )
            u.role = ch.role
            _revoke_all(s, u.id, "peran diubah")
        if "full_name" in g and ch.full_name:
            u.full_name = ch.full_name.strip()
        if "nip" in g:
            u.nip = ch.nip
        if "phone" in g:
            u.phone = ch.phone
        if "active" in g and ch.active is not None and ch.active != u.active:
            u.active = ch.active
            u.deactivated_at = None if ch.active else now_utc()
            if not ch.active:
                _revoke_all(s, u.id, "akun dinonaktifkan")
        if "password" in g and ch.password:
            _check_password(ch.password, u.username, ("password",))
            u.password_hash = auth.hash_password(ch.password)
            u.password_changed_at = now_utc()
            _revoke_all(s, u.id, "kata sandi diatur ulang")
        s.flush()
        return _user_view(s, u)


def change_own_password(
    uow: sessionmaker[Session], caller: Principal, current: str, new: str
) -> None:
    """The user changes their password; every other device session ends."""
    with uow() as s, s.begin():
        u = load_user(s, caller.scope, caller.user_id, lock=True, me=caller.user_id)
        if not auth.verify_password(u.password_hash, current):
            raise InvalidInput(
                "Kata sandi lama salah.",
                [FieldError(("current_password",), "Kata sandi lama salah.")],
            )
        _check_password(new, u.username, ("new_password",))
        u.password_hash = auth.hash_password(new)
        u.password_changed_at = now_utc()
        s.execute(
            update(AuthSession)
            .where(
                AuthSession.user_id == u.id,
                AuthSession.revoked_at.is_(None),
                AuthSession.id != caller.session_id,
            )
            .values(revoked_at=now_utc(), revoked_reason="kata sandi diganti")
        )


def update_own_profile(
    uow: sessionmaker[Session],
    caller: Principal,
    full_name: str | None,
    phone: str | None,
    given: frozenset[str],
) -> UserView:
    with uow() as s, s.begin():
        u = load_user(s, caller.scope, caller.user_id, lock=True, me=caller.user_id)
        if "full_name" in given and full_name:
            u.full_name = full_name.strip()
        if "phone" in given:
            u.phone = phone
        s.flush()
        return _user_view(s, u)


# --- device sessions -------------------------------------------------------------------


@dataclass(frozen=True)
class SessionView:
    id: uuid.UUID
    user_id: uuid.UUID
    device_id: str | None
    user_agent: str | None
    ip: str | None
    created_at: datetime
    last_used_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None


def list_sessions(
    uow: sessionmaker[Session], scope: Scope, user_id: uuid.UUID
) -> list[SessionView]:
    with uow() as s:
        load_user(s, scope, user_id)
        rows = s.scalars(
            select(AuthSession)
            .where(AuthSession.user_id == user_id)
            .order_by(AuthSession.created_at.desc())
        )
        return [
            SessionView(
                r.id,
                r.user_id,
                r.device_id,
                r.user_agent,
                r.ip,
                r.created_at,
                r.last_used_at,
                r.revoked_at,
                r.revoked_reason,
            )
            for r in rows
        ]


def revoke_session(
    uow: sessionmaker[Session], scope: Scope, session_id: uuid.UUID, reason: str
) -> SessionView:
    """End one device's session (a lost or stolen phone): its tokens stop working now."""
    with uow() as s, s.begin():
        row = s.scalar(select(AuthSession).where(AuthSession.id == session_id).with_for_update())
        if row is None:
            raise NotFound("Sesi tidak ditemukan.")
        load_user(s, scope, row.user_id)  # 404 for another kecamatan's sessions
        if row.revoked_at is None:
            row.revoked_at = now_utc()
            row.revoked_reason = reason[:200]
        s.flush()
        return SessionView(
            row.id,
            row.user_id,
            row.device_id,
            row.user_agent,
            row.ip,
            row.created_at,
            row.last_used_at,
            row.revoked_at,
            row.revoked_reason,
        )
