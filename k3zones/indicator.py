"""Pure rules of the Wilayah Tertib indicator (see shared DOMAIN.md, "The indicator")."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part / whole x 100, rounded half-up to 2 places; None when whole is 0."""
    if whole == 0:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


def zones_needed(target_pct: Decimal, zones_designated: int) -> int:
    """How many zones a target percentage asks for, rounding up.

    The LKIP turns 35 % of 10 zones into "4 titik" (3.5 rounded up): a target is met
    only by whole zones, so a fraction of one still needs a whole zone.
    """
    if target_pct < 0 or zones_designated < 0:
        raise ValueError("target and zone count must not be negative")
    exact = Decimal(target_pct) * Decimal(zones_designated) / HUNDRED
    return int(exact.to_integral_value(rounding=ROUND_CEILING))
