"""Pure rules of the city view (tampilan kota): the gap to the Renstra target, the zones
still needed to reach it, the ranking of the kecamatan and the periods of the trend.

The indicator itself (realisasi, capaian, zones needed) is `k3zones.indicator`; this only
reads its figures."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from k3zones.periods import Period


class Figures(Protocol):
    @property
    def kecamatan_name(self) -> str: ...
    @property
    def realisasi_pct(self) -> Decimal | None: ...
    @property
    def capaian_pct(self) -> Decimal | None: ...


def gap_pct(target: Decimal | None, realisasi: Decimal | None) -> Decimal | None:
    """Percentage points still missing to the target (0 once it is met); None without a
    target or without zones."""
    if target is None or realisasi is None:
        return None
    return max(Decimal(target) - Decimal(realisasi), Decimal(0))


def zones_still_needed(zones_needed: int | None, zones_tertib: int) -> int | None:
    """Zona yang masih dibutuhkan: zones the target asks for minus those already tertib."""
    if zones_needed is None:
        return None
    return max(zones_needed - zones_tertib, 0)


def rank_key(f: Figures) -> tuple[int, Decimal, Decimal, str]:
    """Best first: capaian (realisasi against the target), then realisasi; a kecamatan
    without a target ranks after those with one, by realisasi; then by name."""
    cap = f.capaian_pct
    real = f.realisasi_pct if f.realisasi_pct is not None else Decimal(-1)
    return (0 if cap is not None else 1, -(cap or Decimal(0)), -real, f.kecamatan_name)


def ranks(items: Sequence[Figures]) -> list[int]:
    """1-based rank of each item in the order given (ties share the better rank)."""
    order = sorted(range(len(items)), key=lambda i: rank_key(items[i]))
    out = [0] * len(items)
    prev: tuple[int, Decimal, Decimal] | None = None
    for pos, i in enumerate(order, 1):
        key = rank_key(items[i])[:3]
        out[i] = out[order[pos - 2]] if prev == key else pos
        prev = key
    return out


def trend_periods(p: Period, unit: str) -> list[Period]:
    """The triwulan (unit "triwulan") or months ("bulan") of the period's year."""
    if unit == "bulan":
        return [Period("month", p.year, m) for m in range(1, 13)]
    if unit == "triwulan":
        return [Period("quarter", p.year, q) for q in range(1, 5)]
    raise ValueError(unit)
