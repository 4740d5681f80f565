"""Who opened a photo's original (full EXIF and GPS): the read log, for the kecamatan admin.
The rows are written by k3zones.services.photos.photo_object, with the read itself."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from k3zones.errors import Forbidden
from k3zones.models import Kecamatan, PhotoOriginalRead, Role
from k3zones.periods import day_after, day_start
from k3zones.principal import Principal
from k3zones.services.reference import get_kecamatan_by_slug

MAX_PAGE = 200
READERS = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class ReadFilter:
    kecamatan: str | None = None
    photo_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    since: date | None = None  # WIB dates, inclusive
    until: date | None = None
    before_id: int | None = None  # cursor: rows older than this id
    limit: int = 50


@dataclass(frozen=True)
class OriginalRead:
    id: int
    at: datetime
    kecamatan: str
    photo_id: uuid.UUID
    report_id: uuid.UUID
    user_id: uuid.UUID
    username: str
    role: str
    ip: str | None
    request_id: str | None


def list_reads(
    uow: sessionmaker[Session], caller: Principal, f: ReadFilter
) -> tuple[list[OriginalRead], int | None]:
    """Newest first, the caller's kecamatan only. Returns the page and the next cursor."""
    if caller.role not in READERS:
        raise Forbidden("Catatan pembukaan foto asli hanya dapat dilihat admin kecamatan.")
    scope = caller.scope
    limit = max(1, min(f.limit, MAX_PAGE))
    with uow() as s:
        q = (
            select(PhotoOriginalRead, Kecamatan.slug)
            .join(Kecamatan, Kecamatan.id == PhotoOriginalRead.kecamatan_id)
            .where(scope.clause(PhotoOriginalRead.kecamatan_id))
            .order_by(PhotoOriginalRead.id.desc())
            .limit(limit + 1)
        )
        if f.kecamatan:
            kid = get_kecamatan_by_slug(s, scope, f.kecamatan).id
            q = q.where(PhotoOriginalRead.kecamatan_id == kid)
        if f.photo_id:
            q = q.where(PhotoOriginalRead.photo_id == f.photo_id)
        if f.user_id:
            q = q.where(PhotoOriginalRead.user_id == f.user_id)
        if f.since:
            q = q.where(PhotoOriginalRead.at >= day_start(f.since))
        if f.until:
            q = q.where(PhotoOriginalRead.at < day_after(f.until))
        if f.before_id:
            q = q.where(PhotoOriginalRead.id < f.before_id)
        rows = s.execute(q).all()
    items = [
        OriginalRead(
            r.id,
            r.at,
            slug,
            r.photo_id,
            r.report_id,
            r.user_id,
            r.username,
            r.role,
            r.ip,
            r.request_id,
        )
        for r, slug in rows[:limit]
    ]
    return items, (items[-1].id if len(rows) > limit else None)
