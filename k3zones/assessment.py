"""When a zone counts as orderly: explicit, versioned rules (see DOMAIN.md, "The indicator").

Defaults: a zone is layak tertib when at least one accepted penertiban is recorded and the
accepted patrols of the last 14 WIB days (at least 4, on distinct days) found no
violation. Seksi Trantib then verifies it (tertib); a violation found after that
verification makes it fall back. Pure: counts in, status out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from k3zones.enums import ComplaintState, ZoneStatusValue
from k3zones.periods import WIB


@dataclass(frozen=True)
class Rules:
    version: int
    min_penertiban: int = 1
    window_days: int = 14
    min_patrols: int = 4
    complaints_violate: bool = True
    stale_days: int = 7
    # How long a verification holds: None, until the end of triwulan I (31 March, WIB) of
    # the year after it; a number (30..1095), that many days.
    verification_valid_days: int | None = None


# Complaints staff accepted as real and not yet closed: these count against a zone. A new
# (unchecked) claim does not; a refused, merged or finished one no longer does.
VIOLATING_COMPLAINT_STATES = frozenset(
    {ComplaintState.DITERIMA, ComplaintState.DITUGASKAN, ComplaintState.DITANGANI}
)
# How many complaint codes a reason names before "dan N lainnya".
REASON_CODES = 5
# A verification that ends within this many days is listed as due for re-verification.
REVERIFY_NOTICE_DAYS = 30
VALID_DAYS_MIN, VALID_DAYS_MAX = 30, 1095


@dataclass
class ZoneCounts:
    """What the accepted reports of one zone say up to a moment."""

    penertiban: int = 0
    patrol_days: int = 0  # distinct WIB days with an accepted patrol in the window
    violating_patrols: int = 0  # accepted patrols in the window that found violations
    last_violation_day: date | None = None
    open_complaints: list[str] = field(default_factory=list)  # codes, in a violating state
    evidence: dict[str, list[str]] = field(default_factory=dict)


def window(at: datetime, days: int) -> tuple[date, date]:
    """The WIB days that count at `at`: the `days` days ending with at's own day."""
    end = at.astimezone(WIB).date()
    return end - timedelta(days=days - 1), end


def complaints_reason(codes: list[str]) -> str:
    """'Ada 1 pengaduan terbuka (ADU-...).' naming at most REASON_CODES codes."""
    named = ", ".join(codes[:REASON_CODES])
    more = len(codes) - REASON_CODES
    if more > 0:
        named += f" dan {more} lainnya"
    return f"Ada {len(codes)} pengaduan terbuka ({named})."


def complaints_count(rules: Rules, c: ZoneCounts) -> bool:
    """Whether the zone's open complaints count as a violation under these rules."""
    return rules.complaints_violate and bool(c.open_complaints)


def classify(rules: Rules, c: ZoneCounts) -> tuple[ZoneStatusValue, str]:
    """The status the rules give (tertib needs a verification on top) and why, in words."""
    if c.penertiban < rules.min_penertiban:
        return ZoneStatusValue.BELUM_TERTIB, "Belum ada penertiban yang diterima."
    complaints = complaints_reason(c.open_complaints) if complaints_count(rules, c) else ""
    if c.violating_patrols:
        day = c.last_violation_day.strftime("%d-%m-%Y") if c.last_violation_day else "-"
        return (
            ZoneStatusValue.DALAM_PENERTIBAN,
            f"Patroli dalam {rules.window_days} hari terakhir masih menemukan pelanggaran "
            f"(terakhir {day})." + (f" {complaints}" if complaints else ""),
        )
    if complaints:
        return ZoneStatusValue.DALAM_PENERTIBAN, complaints
    if c.patrol_days < rules.min_patrols:
        return (
            ZoneStatusValue.DALAM_PENERTIBAN,
            f"Baru {c.patrol_days} hari patroli bersih dalam {rules.window_days} hari "
            f"terakhir; dibutuhkan {rules.min_patrols}.",
        )
    return (
        ZoneStatusValue.LAYAK_TERTIB,
        f"{c.patrol_days} hari patroli bersih dalam {rules.window_days} hari terakhir dan "
        f"{c.penertiban} penertiban; menunggu verifikasi Seksi Trantib.",
    )


def verification_expires(verified_at: datetime, rules: Rules) -> datetime:
    """The last moment a verification made at `verified_at` holds (WIB, inclusive): the end
    of 31 March of the next year by default, or `verification_valid_days` days later."""
    if rules.verification_valid_days is not None:
        return verified_at.astimezone(WIB) + timedelta(days=rules.verification_valid_days)
    year = verified_at.astimezone(WIB).year + 1
    return datetime(year, 4, 1, tzinfo=WIB) - timedelta(microseconds=1)


def verification_holds(verified_at: datetime, rules: Rules, at: datetime) -> bool:
    """Whether a verification made at `verified_at` still holds at `at`."""
    return at <= verification_expires(verified_at, rules)


def reverify_due(verified_at: datetime, rules: Rules, now: datetime) -> bool:
    """Expired, or ends within REVERIFY_NOTICE_DAYS days of `now`."""
    return verification_expires(verified_at, rules) <= now + timedelta(days=REVERIFY_NOTICE_DAYS)
