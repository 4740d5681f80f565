"""Reading the audit trail (it is written by k3zones.audit, never through here).

Who sees what: every staff role of the kecamatan reads its trail, but the details about
people are for the admin only: where and on which device someone signed in (the address
of every entry, and a device session's ip, user_agent and device_id), NIP and phone
numbers, and a photo's EXIF and GPS. For the others those values read "[disembunyikan]"
(the address null) and `hidden` names them, so the entry still says who did what when.
No reader but kota learns which report of another kecamatan a photo was recycled from."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from k3zones.models import AuditLog, Kecamatan, Photo, Role
from k3zones.periods import day_after, day_start
from k3zones.principal import Principal
from k3zones.services.reference import get_kecamatan_by_slug
from k3zones.services.report_views import (
    ELSEWHERE,
    recycled_refs,
    redact_recycled,
    report_kecamatan,
)

MAX_PAGE = 200
HIDDEN = "[disembunyikan]"
DETAIL_READERS = frozenset({Role.ADMIN})
# Changed fields only an admin reads, by entity (table).
ADMIN_ONLY_CHANGES: dict[str, frozenset[str]] = {
    "auth_session": frozenset({"ip", "user_agent", "device_id"}),
    "app_user": frozenset({"nip", "phone"}),
    "photo": frozenset({"exif", "gps"}),
}


@dataclass(frozen=True)
class AuditFilter:
    kecamatan: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    action: str | None = None
    since: date | None = None  # WIB dates, inclusive
    until: date | None = None
    before_id: int | None = None  # cursor: rows older than this id
    limit: int = 50


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    kecamatan: str | None
    actor_id: uuid.UUID | None
    actor: str
    entity: str
    entity_id: str
    action: str
    changes: dict[str, Any]
    request_id: str | None
    ip: str | None
    hidden: list[str] = field(default_factory=list)  # what this reader may not see


def _hide(value: Any) -> Any:
    return None if value is None else HIDDEN


def _private(a: AuditLog, admin: bool) -> tuple[dict[str, Any], str | None, list[str]]:
    """(changes, ip, hidden) of an entry as the reader may see them."""
    if admin:
        return a.changes, a.ip, []
    hidden = ["ip"] if a.ip is not None else []
    changes = dict(a.changes)
    for key in sorted(ADMIN_ONLY_CHANGES.get(a.entity, frozenset()) & changes.keys()):
        ch = changes[key]
        if isinstance(ch, dict):
            changes[key] = {"before": _hide(ch.get("before")), "after": _hide(ch.get("after"))}
        else:
            changes[key] = _hide(ch)
        hidden.append(f"changes.{key}")
    return changes, None, hidden


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _flag_refs(a: AuditLog) -> set[str]:
    """Ids a photo entry's flags name (the log keeps a JSON value as its text)."""
    if a.entity != "photo" or not isinstance(a.changes.get("flags"), dict):
        return set()
    out: set[str] = set()
    for side in ("before", "after"):
        value = a.changes["flags"].get(side)
        out |= set(UUID.findall(value)) if isinstance(value, str) else recycled_refs(value)
    return out


def _kecamatan_of(s: Session, ids: set[str]) -> dict[str, int]:
    """The kecamatan of each report or photo id."""
    out = report_kecamatan(s, ids)
    keys = [uuid.UUID(i) for i in ids - out.keys()]
    if keys:
        rows = s.execute(select(Photo.id, Photo.kecamatan_id).where(Photo.id.in_(keys)))
        out |= {str(pid): kid for pid, kid in rows}
    return out


def _without_other_kecamatan(
    changes: dict[str, Any], home: int | None, kecamatan_of: dict[str, int]
) -> dict[str, Any]:
    ch = changes.get("flags")
    if not isinstance(ch, dict):
        return changes

    def local(m: re.Match[str]) -> str:
        return (
            m.group(0) if home is not None and kecamatan_of.get(m.group(0)) == home else ELSEWHERE
        )

    out = dict(ch)
    for side in ("before", "after"):
        value = ch.get(side)
        if isinstance(value, str):
            out[side] = UUID.sub(local, value)
        elif isinstance(value, dict):
            out[side] = redact_recycled(value, home, kecamatan_of)
    return {**changes, "flags": out}


def list_audit(
    uow: sessionmaker[Session], caller: Principal, f: AuditFilter
) -> tuple[list[AuditEntry], int | None]:
    """Newest first. Returns the page and the cursor for the next one (None at the end).
    The details about people only for the admin (see the module's docstring)."""
    scope = caller.scope
    admin = caller.role in DETAIL_READERS
    limit = max(1, min(f.limit, MAX_PAGE))
    with uow() as s:
        q = (
            select(AuditLog, Kecamatan.slug)
            .outerjoin(Kecamatan, Kecamatan.id == AuditLog.kecamatan_id)
            .where(scope.clause(AuditLog.kecamatan_id))
            .order_by(AuditLog.id.desc())
            .limit(limit + 1)
        )
        if f.kecamatan:
            q = q.where(AuditLog.kecamatan_id == get_kecamatan_by_slug(s, scope, f.kecamatan).id)
        if f.entity:
            q = q.where(AuditLog.entity == f.entity)
        if f.entity_id:
            q = q.where(AuditLog.entity_id == f.entity_id)
        if f.actor:
            q = q.where(AuditLog.actor == f.actor.strip().lower())
        if f.action:
            q = q.where(AuditLog.action == f.action)
        if f.since:
            q = q.where(AuditLog.at >= day_start(f.since))
        if f.until:
            q = q.where(AuditLog.at < day_after(f.until))
        if f.before_id:
            q = q.where(AuditLog.id < f.before_id)
        rows = s.execute(q).all()[: limit + 1]
        page = rows[:limit]
        refs = set().union(*(_flag_refs(a) for a, _ in page)) if page else set()
        city = caller.is_kota
        kecamatan_of = _kecamatan_of(s, refs) if refs and not city else {}
    items = []
    for a, slug in page:
        changes, ip, hidden = _private(a, admin)
        if _flag_refs(a) and not city:
            changes = _without_other_kecamatan(changes, a.kecamatan_id, kecamatan_of)
        items.append(
            AuditEntry(
                a.id,
                a.at,
                slug,
                a.actor_id,
                a.actor,
                a.entity,
                a.entity_id,
                a.action,
                changes,
                a.request_id,
                ip,
                hidden,
            )
        )
    return items, (items[-1].id if len(rows) > limit else None)
