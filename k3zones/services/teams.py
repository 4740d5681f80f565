"""Teams (Satpol PP, 3 pilar, DLH, ...) and who belongs to them when: memberships have
dates, so a report is checked against the team as it was on the report's day."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from k3zones.errors import Conflict, FieldError, InvalidInput, NotFound
from k3zones.models import Kecamatan, Team, TeamKind, TeamMembership, TeamUnit, User
from k3zones.periods import today_wib
from k3zones.principal import Principal
from k3zones.scope import Scope
from k3zones.services.reference import get_kecamatan_by_slug
from k3zones.services.users import MembershipView, load_user


@dataclass(frozen=True)
class TeamView:
    id: uuid.UUID
    kecamatan: str
    name: str
    kind: str
    units: list[str]
    active: bool
    is_sample: bool
    members: list[MembershipView]


@dataclass
class TeamChanges:
    name: str | None = None
    kind: TeamKind | None = None
    units: list[str] | None = None
    active: bool | None = None
    given: frozenset[str] = frozenset()


def _check_units(kind: TeamKind, units: list[str]) -> list[str]:
    try:
        parsed = sorted({TeamUnit(u).value for u in units})
    except ValueError as exc:
        allowed = ", ".join(u.value for u in TeamUnit)
        raise InvalidInput(
            "Unit tim tidak dikenal.",
            [FieldError(("units",), f"Unit harus salah satu dari: {allowed}.")],
        ) from exc
    if kind == TeamKind.TIGA_PILAR:
        missing = {"kecamatan", "polsek", "koramil"} - set(parsed)
        if missing:
            raise InvalidInput(
                "Tim 3 pilar belum lengkap.",
                [
                    FieldError(
                        ("units",),
                        (
                            "Tim 3 pilar terdiri dari kecamatan, polsek, dan koramil; kurang: "
                            + ", ".join(sorted(missing))
                            + "."
                        ),
                    )
                ],
            )
    return parsed


def _team_view(s: Session, t: Team, *, history: bool = False) -> TeamView:
    slug = s.scalar(select(Kecamatan.slug).where(Kecamatan.id == t.kecamatan_id)) or ""
    q = (
        select(TeamMembership, User.username)
        .join(User, User.id == TeamMembership.user_id)
        .where(TeamMembership.team_id == t.id)
        .order_by(TeamMembership.joined_on, User.username)
    )
    if not history:
        q = q.where(TeamMembership.left_on.is_(None))
    members = [
        MembershipView(m.id, t.id, t.name, t.kind.value, m.user_id, name, m.joined_on, m.left_on)
        for m, name in s.execute(q)
    ]
    return TeamView(t.id, slug, t.name, t.kind.value, list(t.units), t.active, t.is_sample, members)


def _load_team(s: Session, scope: Scope, team_id: uuid.UUID, *, lock: bool = False) -> Team:
    q = select(Team).where(Team.id == team_id)
    if lock:
        q = q.with_for_update()
    t = s.scalar(q)
    if t is None or not scope.allows(t.kecamatan_id):
        raise NotFound("Tim tidak ditemukan.")
    return t


def create_team(
    uow: sessionmaker[Session],
    caller: Principal | None,
    *,
    kecamatan: str | None,
    name: str,
    kind: TeamKind,
    units: list[str],
    is_sample: bool = False,
) -> TeamView:
    scope = caller.scope if caller else Scope.everything()
    with uow() as s, s.begin():
        slug = kecamatan or (caller.kecamatan_slug if caller else None)
        if not slug:
            raise InvalidInput("Kecamatan wajib diisi.", [FieldError(("kecamatan",), "Wajib.")])
        k = get_kecamatan_by_slug(s, scope, slug)
        if s.scalar(select(Team.id).where(Team.kecamatan_id == k.id, Team.name == name.strip())):
            raise Conflict(f"Tim '{name}' sudah ada di kecamatan ini.")
        t = Team(
            id=uuid.uuid4(),
            kecamatan_id=k.id,
            name=name.strip(),
            kind=kind,
            units=_check_units(kind, units),
            is_sample=is_sample,
        )
        s.add(t)
        s.flush()
        return _team_view(s, t)


def list_teams(uow: sessionmaker[Session], scope: Scope) -> list[TeamView]:
    with uow() as s:
        rows = s.scalars(select(Team).where(scope.clause(Team.kecamatan_id)).order_by(Team.name))
        return [_team_view(s, t) for t in rows]


def get_team(
    uow: sessionmaker[Session], scope: Scope, team_id: uuid.UUID, history: bool = False
) -> TeamView:
    with uow() as s:
        return _team_view(s, _load_team(s, scope, team_id), history=history)


def update_team(
    uow: sessionmaker[Session], scope: Scope, team_id: uuid.UUID, ch: TeamChanges
) -> TeamView:
    with uow() as s, s.begin():
        t = _load_team(s, scope, team_id, lock=True)
        if "name" in ch.given and ch.name:
            t.name = ch.name.strip()
        if "kind" in ch.given and ch.kind:
            t.kind = ch.kind
        if "units" in ch.given and ch.units is not None:
            t.units = _check_units(t.kind, ch.units)
        elif "kind" in ch.given:
            t.units = _check_units(t.kind, list(t.units))
        if "active" in ch.given and ch.active is not None:
            t.active = ch.active
        try:
            s.flush()
        except IntegrityError as exc:
            raise Conflict(f"Tim '{t.name}' sudah ada di kecamatan ini.") from exc
        return _team_view(s, t)


def add_member(
    uow: sessionmaker[Session],
    scope: Scope,
    team_id: uuid.UUID,
    user_id: uuid.UUID,
    joined_on: date | None,
) -> TeamView:
    with uow() as s, s.begin():
        t = _load_team(s, scope, team_id, lock=True)
        u = load_user(s, scope, user_id)
        if u.kecamatan_id != t.kecamatan_id:
            raise NotFound("Pengguna tidak ditemukan.")
        if not u.active:
            raise Conflict("Pengguna sudah dinonaktifkan dan tidak dapat masuk tim.")
        joined = joined_on or today_wib()
        if joined > today_wib():
            raise InvalidInput(
                "Tanggal bergabung tidak valid.",
                [FieldError(("joined_on",), "Tidak boleh di masa depan.")],
            )
        if s.scalar(
            select(TeamMembership.id).where(
                TeamMembership.team_id == t.id,
                TeamMembership.user_id == u.id,
                TeamMembership.left_on.is_(None),
            )
        ):
            raise Conflict(f"{u.username} sudah menjadi anggota tim ini.")
        s.add(
            TeamMembership(
                id=uuid.uuid4(),
                kecamatan_id=t.kecamatan_id,
                team_id=t.id,
                user_id=u.id,
                joined_on=joined,
            )
        )
        s.flush()
        return _team_view(s, t)


def end_membership(
    uow: sessionmaker[Session],
    scope: Scope,
    team_id: uuid.UUID,
    membership_id: uuid.UUID,
    left_on: date | None,
) -> TeamView:
    """The officer leaves the team; the membership stays, dated, for old reports."""
    with uow() as s, s.begin():
        t = _load_team(s, scope, team_id, lock=True)
        m = s.scalar(
            select(TeamMembership).where(
                TeamMembership.id == membership_id, TeamMembership.team_id == t.id
            )
        )
        if m is None:
            raise NotFound("Keanggotaan tidak ditemukan.")
        if m.left_on is not None:
            raise Conflict("Keanggotaan ini sudah berakhir.")
        left = left_on or today_wib()
        if left < m.joined_on:
            raise InvalidInput(
                "Tanggal keluar tidak valid.",
                [FieldError(("left_on",), "Tanggal keluar tidak boleh sebelum tanggal bergabung.")],
            )
        m.left_on = left
        s.flush()
        return _team_view(s, t, history=True)
