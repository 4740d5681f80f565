"""Reading the audit trail (it is written by k3zones.audit, never through here)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from k3zones.models import AuditLog, Kecamatan
from k3zones.periods import day_after, day_start
from k3zones.scope import Scope
from k3zones.services.reference import get_kecamatan_by_slug

MAX_PAGE = 200


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


def list_audit(
    uow: sessionmaker[Session], scope: Scope, f: AuditFilter
) -> tuple[list[AuditEntry], int | None]:
    """Newest first. Returns the page and the cursor for the next one (None at the end)."""
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
        rows = s.execute(q).all()
    items = [
        AuditEntry(
            a.id,
            a.at,
            slug,
            a.actor_id,
            a.actor,
            a.entity,
            a.entity_id,
            a.action,
            a.changes,
            a.request_id,
            a.ip,
        )
        for a, slug in rows[:limit]
    ]
    return items, (items[-1].id if len(rows) > limit else None)
