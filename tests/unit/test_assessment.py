"""When a zone counts as orderly: the status the rules give, and the reason shown to
Seksi Trantib, from the counts of accepted reports."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from k3zones.assessment import Rules, ZoneCounts, classify, window
from k3zones.enums import ZoneStatusValue as S

RULES = Rules(version=1)  # the defaults: 1 penertiban, 4 clean patrol days in 14


def test_without_an_accepted_penertiban_a_zone_is_belum_tertib():
    status, why = classify(RULES, ZoneCounts(penertiban=0, patrol_days=14))
    assert status is S.BELUM_TERTIB and why == "Belum ada penertiban yang diterima."


def test_a_violation_in_the_window_keeps_it_dalam_penertiban_and_says_when():
    c = ZoneCounts(
        penertiban=2, patrol_days=10, violating_patrols=1, last_violation_day=date(2024, 5, 9)
    )
    assert classify(RULES, c) == (
        S.DALAM_PENERTIBAN,
        "Patroli dalam 14 hari terakhir masih menemukan pelanggaran (terakhir 09-05-2024).",
    )
    c.last_violation_day = None
    assert classify(RULES, c)[1].endswith("(terakhir -).")


@pytest.mark.parametrize("days", [0, 1, 3])
def test_too_few_clean_patrol_days_says_how_many_are_missing(days):
    assert classify(RULES, ZoneCounts(penertiban=1, patrol_days=days)) == (
        S.DALAM_PENERTIBAN,
        f"Baru {days} hari patroli bersih dalam 14 hari terakhir; dibutuhkan 4.",
    )


def test_enough_clean_patrols_make_it_layak_tertib_awaiting_verification():
    assert classify(RULES, ZoneCounts(penertiban=1, patrol_days=4)) == (
        S.LAYAK_TERTIB,
        "4 hari patroli bersih dalam 14 hari terakhir dan 1 penertiban; "
        "menunggu verifikasi Seksi Trantib.",
    )


def test_another_version_of_the_rules_speaks_its_own_numbers():
    strict = Rules(version=2, min_penertiban=2, window_days=30, min_patrols=8)
    assert classify(strict, ZoneCounts(penertiban=1, patrol_days=20))[0] is S.BELUM_TERTIB
    assert classify(strict, ZoneCounts(penertiban=2, patrol_days=7)) == (
        S.DALAM_PENERTIBAN,
        "Baru 7 hari patroli bersih dalam 30 hari terakhir; dibutuhkan 8.",
    )
    assert classify(strict, ZoneCounts(penertiban=2, patrol_days=8))[0] is S.LAYAK_TERTIB


def test_the_window_is_counted_in_wib_days_ending_today():
    # 16:59 UTC on 14 May is 23:59 WIB: the window is 1..14 May.
    assert window(datetime(2024, 5, 14, 16, 59, tzinfo=UTC), 14) == (
        date(2024, 5, 1),
        date(2024, 5, 14),
    )
    # 17:00 UTC is already 15 May in Jakarta.
    assert window(datetime(2024, 5, 14, 17, 0, tzinfo=UTC), 14) == (
        date(2024, 5, 2),
        date(2024, 5, 15),
    )
    assert window(datetime(2024, 3, 1, 3, 0, tzinfo=UTC), 1) == (date(2024, 3, 1),) * 2


RANK = {S.BELUM_TERTIB: 0, S.DALAM_PENERTIBAN: 1, S.LAYAK_TERTIB: 2}
counts = st.builds(
    ZoneCounts,
    penertiban=st.integers(0, 5),
    patrol_days=st.integers(0, 14),
    violating_patrols=st.integers(0, 3),
)
rules = st.builds(
    Rules,
    version=st.integers(1, 9),
    min_penertiban=st.integers(1, 3),
    window_days=st.integers(1, 30),
    min_patrols=st.integers(1, 14),
)


@given(rules, counts, st.sampled_from(["penertiban", "patrol_days", "violating_patrols"]))
def test_more_enforcement_or_clean_patrols_never_worsen_and_violations_never_help(r, c, what):
    before, why = classify(r, c)
    assert before is not S.TERTIB and why  # tertib needs a person's verification
    more = replace(c, **{what: getattr(c, what) + 1})
    after = classify(r, more)[0]
    if what == "violating_patrols":
        assert RANK[after] <= RANK[before]
    else:
        assert RANK[after] >= RANK[before]
