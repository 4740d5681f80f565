"""Renstra targets of the Wilayah Tertib indicator, and the zones they ask for."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from k3zones.errors import FieldError, InvalidInput, NotFound
from k3zones.indicator import zones_needed
from k3zones.models import RenstraTarget
from k3zones.periods import year_end_wib
from k3zones.scope import Scope
from k3zones.services.designation import count_designated
from k3zones.services.reference import get_kecamatan_by_slug


@dataclass(frozen=True)
class TargetView:
    kecamatan: str
    year: int
    target_pct: Decimal
    zones_designated: int
    zones_needed: int
    notes: str | None


def zones_designated(s: Session, kecamatan_id: int, year: int) -> int:
    """Zones in force at the end of `year` (WIB): the denominator of the indicator."""
    return count_designated(s, kecamatan_id, year_end_wib(year))


def _view(s: Session, slug: str, t: RenstraTarget) -> TargetView:
    n = zones_designated(s, t.kecamatan_id, t.year)
    return TargetView(
        kecamatan=slug,
        year=t.year,
        target_pct=t.target_pct,
        zones_designated=n,
        zones_needed=zones_needed(t.target_pct, n),
        notes=t.notes,
    )


def list_targets(uow: sessionmaker[Session], scope: Scope, kecamatan: str) -> list[TargetView]:
    with uow() as s:
        k = get_kecamatan_by_slug(s, scope, kecamatan)
        rows = s.scalars(
            select(RenstraTarget)
            .where(RenstraTarget.kecamatan_id == k.id)
            .order_by(RenstraTarget.year)
        )
        return [_view(s, k.slug, t) for t in rows]


def get_target(uow: sessionmaker[Session], scope: Scope, kecamatan: str, year: int) -> TargetView:
    with uow() as s:
        k = get_kecamatan_by_slug(s, scope, kecamatan)
        t = s.get(RenstraTarget, (k.id, year))
        if t is None:
            raise NotFound(f"Target tahun {year} untuk Kecamatan {k.name} belum ditetapkan.")
        return _view(s, k.slug, t)


def set_target(
    uow: sessionmaker[Session],
    scope: Scope,
    kecamatan: str,
    year: int,
    target_pct: Decimal,
    notes: str | None = None,
) -> tuple[TargetView, bool]:
    """Create or replace a year's target. Returns (target, created)."""
    if not 2000 <= year <= 2100:
        raise InvalidInput("Tahun tidak valid.", [FieldError(("year",), "Tahun harus 2000-2100.")])
    if not Decimal(0) <= target_pct <= Decimal(100):
        raise InvalidInput(
            "Target tidak valid.",
            [FieldError(("target_pct",), "Target harus 0 sampai 100 persen.")],
        )
    with uow() as s, s.begin():
        k = get_kecamatan_by_slug(s, scope, kecamatan)
        t = s.get(RenstraTarget, (k.id, year), with_for_update=True)
        created = t is None
        if t is None:
            t = RenstraTarget(kecamatan_id=k.id, year=year)
            s.add(t)
        t.target_pct = target_pct.quantize(Decimal("0.01"))
        t.notes = notes
        s.flush()
        s.refresh(t)
        return _view(s, k.slug, t), created
