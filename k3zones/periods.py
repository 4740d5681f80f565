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


def day_start(d: date) -> datetime:
    """The first instant of a WIB day."""
    return datetime(d.year, d.month, d.day, tzinfo=WIB)


def day_after(d: date) -> datetime:
    """The first instant of the next WIB day."""
    nxt = d + timedelta(days=1)
    return datetime(nxt.year, nxt.month, nxt.day, tzinfo=WIB)


BULAN = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]


class Period:
    """A month, a triwulan (quarter) or a year, cut in WIB. `end` is inclusive."""

    def __init__(self, kind: str, year: int, number: int = 0) -> None:
        self.kind, self.year, self.number = kind, year, number
        if kind == "month":
            self.start = date(year, number, 1)
            nxt = date(year + (number == 12), number % 12 + 1, 1)
        elif kind == "quarter":
            self.start = date(year, 3 * (number - 1) + 1, 1)
            m = 3 * number + 1
            nxt = date(year + (m > 12), (m - 1) % 12 + 1, 1)
        elif kind == "year":
            self.start = date(year, 1, 1)
            nxt = date(year + 1, 1, 1)
        else:
            raise ValueError(kind)
        self.end = nxt - timedelta(days=1)

    @property
    def end_instant(self) -> datetime:
        """The last moment of the period (an inclusive upper bound for device times)."""
        return day_after(self.end) - timedelta(microseconds=1)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{BULAN[self.number - 1]} {self.year}"
        if self.kind == "quarter":
            return f"Triwulan {['I', 'II', 'III', 'IV'][self.number - 1]} {self.year}"
        return f"Tahun {self.year}"

    def previous_month(self) -> Period:
        first = self.start - timedelta(days=1)
        return Period("month", first.year, first.month)

    def __repr__(self) -> str:
        return f"Period({self.kind!r}, {self.year}, {self.number})"
