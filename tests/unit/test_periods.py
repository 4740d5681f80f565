"""Months, triwulan and years are cut in WIB (Asia/Jakarta, UTC+7), whatever UTC says."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from k3zones.periods import WIB, Period, day_after, day_start, year_end_wib


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def containing(t: datetime, periods: list[Period]) -> list[Period]:
    """The periods an instant falls in: from the first instant of the first WIB day to the
    last instant of the last one."""
    return [p for p in periods if day_start(p.start) <= t <= p.end_instant]


def months(year: int) -> list[Period]:
    return [Period("month", year, m) for m in range(1, 13)]


def quarters(year: int) -> list[Period]:
    return [Period("quarter", year, q) for q in range(1, 5)]


@pytest.mark.parametrize(
    "kind, year, number, start, end, label",
    [
        ("month", 2024, 1, date(2024, 1, 1), date(2024, 1, 31), "Januari 2024"),
        ("month", 2024, 2, date(2024, 2, 1), date(2024, 2, 29), "Februari 2024"),  # leap
        ("month", 2025, 2, date(2025, 2, 1), date(2025, 2, 28), "Februari 2025"),
        ("month", 2024, 5, date(2024, 5, 1), date(2024, 5, 31), "Mei 2024"),
        ("month", 2024, 12, date(2024, 12, 1), date(2024, 12, 31), "Desember 2024"),
        ("quarter", 2024, 1, date(2024, 1, 1), date(2024, 3, 31), "Triwulan I 2024"),
        ("quarter", 2024, 2, date(2024, 4, 1), date(2024, 6, 30), "Triwulan II 2024"),
        ("quarter", 2024, 3, date(2024, 7, 1), date(2024, 9, 30), "Triwulan III 2024"),
        ("quarter", 2024, 4, date(2024, 10, 1), date(2024, 12, 31), "Triwulan IV 2024"),
        ("year", 2024, 0, date(2024, 1, 1), date(2024, 12, 31), "Tahun 2024"),
    ],
)
def test_periods_their_days_and_indonesian_labels(kind, year, number, start, end, label):
    p = Period(kind, year, number)
    assert (p.start, p.end, p.label) == (start, end, label)


def test_the_last_evening_of_march_in_jakarta_is_still_triwulan_i():
    # 31 March 23:59:59 WIB is 16:59:59 UTC; one second later April has begun in Jakarta
    # though it is still 31 March in UTC.
    last = utc(2024, 3, 31, 16, 59, 59)
    first = utc(2024, 3, 31, 17, 0, 0)
    assert [p.label for p in containing(last, quarters(2024))] == ["Triwulan I 2024"]
    assert [p.label for p in containing(first, quarters(2024))] == ["Triwulan II 2024"]
    assert [p.label for p in containing(last, months(2024))] == ["Maret 2024"]
    assert [p.label for p in containing(first, months(2024))] == ["April 2024"]


def test_a_device_time_at_2359_and_0000_wib_falls_on_either_side():
    may = Period("month", 2024, 5)
    assert containing(datetime(2024, 5, 31, 23, 59, 59, 999999, tzinfo=WIB), [may])
    assert not containing(datetime(2024, 6, 1, 0, 0, tzinfo=WIB), [may])
    assert containing(datetime(2024, 5, 1, 0, 0, tzinfo=WIB), [may])
    assert not containing(datetime(2024, 4, 30, 23, 59, 59, tzinfo=WIB), [may])


def test_the_inclusive_end_is_the_last_microsecond_of_the_last_wib_day():
    assert Period("month", 2024, 2).end_instant == datetime(
        2024, 2, 29, 23, 59, 59, 999999, tzinfo=WIB
    )
    assert Period("year", 2024).end_instant == utc(2024, 12, 31, 16, 59, 59, 999999)


def test_the_year_ends_at_midnight_wib_which_is_five_pm_utc():
    assert year_end_wib(2024) == utc(2024, 12, 31, 17, 0)
    assert year_end_wib(2024) == Period("year", 2024).end_instant + timedelta(microseconds=1)


def test_day_bounds_are_wib_midnights():
    assert day_start(date(2024, 5, 2)) == utc(2024, 5, 1, 17, 0)
    assert day_after(date(2024, 5, 2)) == utc(2024, 5, 2, 17, 0)
    assert day_after(date(2024, 12, 31)) == year_end_wib(2024)
    assert day_after(date(2024, 2, 28)) == day_start(date(2024, 2, 29))


def test_the_month_before_january_is_december_of_the_year_before():
    p = Period("month", 2025, 1).previous_month()
    assert (p.kind, p.year, p.number, p.label) == ("month", 2024, 12, "Desember 2024")
    assert Period("quarter", 2024, 2).previous_month().label == "Maret 2024"


@pytest.mark.parametrize(
    "kind, number", [("week", 1), ("month", 0), ("month", 13), ("quarter", 0), ("quarter", 5)]
)
def test_periods_that_do_not_exist_are_refused(kind, number):
    with pytest.raises(ValueError):
        Period(kind, 2024, number)


instants = st.datetimes(
    min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30), timezones=st.just(UTC)
)


@given(instants)
def test_every_instant_falls_in_exactly_one_month_triwulan_and_year(t):
    wib_year = t.astimezone(WIB).year
    around = range(wib_year - 1, wib_year + 2)
    in_months = containing(t, [p for y in around for p in months(y)])
    in_quarters = containing(t, [p for y in around for p in quarters(y)])
    in_years = containing(t, [Period("year", y) for y in around])
    assert len(in_months) == len(in_quarters) == len(in_years) == 1
    [m], [q], [y] = in_months, in_quarters, in_years
    local = t.astimezone(WIB).date()
    assert (m.year, m.number) == (local.year, local.month)
    assert (q.year, q.number) == (local.year, (local.month - 1) // 3 + 1)
    assert y.year == local.year
    # The month lies inside its triwulan, the triwulan inside its year.
    assert y.start <= q.start <= m.start <= m.end <= q.end <= y.end


@given(st.integers(min_value=2000, max_value=2099))
def test_months_and_triwulan_tile_the_year_without_gap_or_overlap(year):
    for parts in (months(year), quarters(year)):
        assert parts[0].start == date(year, 1, 1) and parts[-1].end == date(year, 12, 31)
        for a, b in itertools.pairwise(parts):
            assert b.start == a.end + timedelta(days=1)
            assert day_start(b.start) == a.end_instant + timedelta(microseconds=1)
