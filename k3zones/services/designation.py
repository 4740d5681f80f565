"""Which zones are designated and in force at a moment: the one definition the indicator's
denominator, the Renstra targets and the ODK zone list all use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from k3zones.models import Decree, DecreeStatus, Zone
from k3zones.periods import day_after, today_wib


def designated_query(kecamatan_id: int, end: datetime) -> Any:
    """Zones designated and in force at `end` (exclusive): decree signed before it and not
    revoked by then, zone not retired by then. The decree's date, not when the row was
    typed in, is when a zone was designated."""
    return (
        select(Zone)
        .join(Decree, Decree.id == Zone.decree_id)
        .where(
            Zone.kecamatan_id == kecamatan_id,
            Decree.tanggal < end.date(),
            or_(Decree.status == DecreeStatus.BERLAKU, Decree.revoked_on >= end.date()),
            or_(Zone.retired_at.is_(None), Zone.retired_at >= end),
        )
    )


def designated(s: Session, kecamatan_id: int, end: datetime) -> list[Zone]:
    """The denominator: zones designated and in force at `end` (exclusive)."""
    return list(s.scalars(designated_query(kecamatan_id, end).order_by(Zone.kategori, Zone.name)))


def count_designated(s: Session, kecamatan_id: int, end: datetime) -> int:
    q = designated_query(kecamatan_id, end)
    return int(s.scalar(select(func.count()).select_from(q.subquery())) or 0)


def in_force_today(s: Session, kecamatan_id: int) -> list[Zone]:
    """Zones an officer may report on today (WIB): in force by the end of the day, so a
    decree signed this morning is already on the phones."""
    return designated(s, kecamatan_id, day_after(today_wib()))
