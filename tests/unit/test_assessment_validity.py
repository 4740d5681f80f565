"""How long a Seksi Trantib verification holds (issue 15): by default until the end of
triwulan I (31 March, WIB) of the next year; or the rules' number of days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from k3zones.assessment import (
    Rules,
    reverify_due,
    verification_expires,
    verification_holds,
)
from k3zones.periods import WIB

DEFAULT = Rules(version=1)
END_Q1_2025 = datetime(2025, 3, 31, 23, 59, 59, 999999, tzinfo=WIB)


def test_a_march_2024_verification_ends_with_march_2025():
    at = datetime(2024, 3, 15, 10, 0, tzinfo=WIB)
    assert verification_expires(at, DEFAULT) == END_Q1_2025
    assert verification_holds(at, DEFAULT, datetime(2025, 3, 31, 23, 59, 59, 999000, tzinfo=WIB))
    assert not verification_holds(at, DEFAULT, datetime(2025, 4, 1, tzinfo=WIB))
    assert not verification_holds(at, DEFAULT, datetime(2026, 11, 28, tzinfo=WIB))


def test_the_default_reads_the_year_in_wib():
    # 31 Dec 2024 18:00 UTC is already 1 Jan 2025 in WIB: the verification is of 2025.
    late = datetime(2024, 12, 31, 18, 0, tzinfo=UTC)
    assert verification_expires(late, DEFAULT) == datetime(2026, 4, 1, tzinfo=WIB) - timedelta(
        microseconds=1
    )
    # 1 Jan 2024 00:00 WIB and 31 Dec 2024 23:59 WIB both hold to the end of Q1 2025.
    assert verification_expires(datetime(2024, 1, 1, tzinfo=WIB), DEFAULT) == END_Q1_2025
    assert verification_expires(datetime(2024, 12, 31, 23, 59, tzinfo=WIB), DEFAULT) == END_Q1_2025


def test_a_number_of_days_counts_from_the_verification():
    rules = Rules(version=2, verification_valid_days=30)
    at = datetime(2024, 3, 15, 10, 0, tzinfo=WIB)
    assert verification_expires(at, rules) == datetime(2024, 4, 14, 10, 0, tzinfo=WIB)
    assert verification_holds(at, rules, datetime(2024, 4, 14, 10, 0, tzinfo=WIB))
    assert not verification_holds(at, rules, datetime(2024, 4, 14, 10, 0, 1, tzinfo=WIB))


def test_reverification_is_due_thirty_days_ahead():
    at = datetime(2024, 3, 15, 10, 0, tzinfo=WIB)
    assert not reverify_due(at, DEFAULT, END_Q1_2025 - timedelta(days=31))
    assert reverify_due(at, DEFAULT, END_Q1_2025 - timedelta(days=30))
    assert reverify_due(at, DEFAULT, datetime(2026, 11, 28, tzinfo=WIB))


@given(
    st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    st.one_of(st.none(), st.integers(30, 1095)),
)
def test_a_verification_holds_when_made_and_ends_after_it(at, days):
    rules = Rules(version=1, verification_valid_days=days)
    ends = verification_expires(at, rules)
    assert ends > at and verification_holds(at, rules, at)
    assert not verification_holds(at, rules, ends + timedelta(microseconds=1))
    if days is None:  # never less than a full triwulan, never more than ~15 months
        assert timedelta(days=90) < ends - at <= timedelta(days=456)
