"""Time: stored in UTC, cut into days, months, triwulan and years in WIB (Asia/Jakarta)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")


def now_utc() -> datetime:
    return datetime.now(tz=ZoneInfo("UTC"))


def today_wib() -> date:
    return datetime.now(tz=WIB).date()


def year_end_wib(year: int) -> datetime:
    """The first instant after the year, in WIB (an exclusive upper bound)."""
    return datetime(year + 1, 1, 1, tzinfo=WIB)


def day_after(d: date) -> datetime:
    """The first instant of the next WIB day."""
    nxt = d + timedelta(days=1)
    return datetime(nxt.year, nxt.month, nxt.day, tzinfo=WIB)
