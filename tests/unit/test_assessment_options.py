"""The rule-set options of issue 13/14: an open complaint counts as a violation (when the
rules say so), and the zone's days without a patrol."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from k3zones.assessment import (
    VIOLATING_COMPLAINT_STATES,
    Rules,
    ZoneCounts,
    classify,
    complaints_reason,
)
from k3zones.enums import ComplaintState
from k3zones.enums import ZoneStatusValue as S

RULES = Rules(version=1)
LAYAK = ZoneCounts(penertiban=1, patrol_days=5)


def test_defaults_count_complaints_and_flag_after_seven_days():
    assert RULES.complaints_violate is True and RULES.stale_days == 7


def test_only_complaints_staff_accepted_and_not_closed_count():
    assert {
        ComplaintState.DITERIMA,
        ComplaintState.DITUGASKAN,
        ComplaintState.DITANGANI,
    } == VIOLATING_COMPLAINT_STATES


def test_an_open_complaint_keeps_a_zone_from_layak_tertib_and_names_it():
    assert classify(RULES, LAYAK)[0] is S.LAYAK_TERTIB
    c = replace(LAYAK, open_complaints=["ADU-7K3Q"])
    assert classify(RULES, c) == (S.DALAM_PENERTIBAN, "Ada 1 pengaduan terbuka (ADU-7K3Q).")


def test_with_the_option_off_complaints_change_nothing():
    off = Rules(version=2, complaints_violate=False)
    c = replace(LAYAK, open_complaints=["ADU-7K3Q", "ADU-8X"])
    assert classify(off, c) == classify(off, LAYAK)


def test_without_penertiban_the_zone_stays_belum_tertib_whatever_the_complaints():
    c = ZoneCounts(penertiban=0, patrol_days=9, open_complaints=["ADU-1"])
    assert classify(RULES, c) == (S.BELUM_TERTIB, "Belum ada penertiban yang diterima.")


def test_a_violating_patrol_and_a_complaint_are_both_said():
    c = replace(
        LAYAK, violating_patrols=1, last_violation_day=date(2024, 5, 9), open_complaints=["A"]
    )
    status, why = classify(RULES, c)
    assert status is S.DALAM_PENERTIBAN
    assert why == (
        "Patroli dalam 14 hari terakhir masih menemukan pelanggaran (terakhir 09-05-2024). "
        "Ada 1 pengaduan terbuka (A)."
    )


def test_many_complaints_name_five_and_count_the_rest():
    codes = [f"ADU-{i}" for i in range(8)]
    assert complaints_reason(codes) == (
        "Ada 8 pengaduan terbuka (ADU-0, ADU-1, ADU-2, ADU-3, ADU-4 dan 3 lainnya)."
    )


RANK = {S.BELUM_TERTIB: 0, S.DALAM_PENERTIBAN: 1, S.LAYAK_TERTIB: 2}
counts = st.builds(
    ZoneCounts,
    penertiban=st.integers(0, 5),
    patrol_days=st.integers(0, 14),
    violating_patrols=st.integers(0, 3),
    open_complaints=st.lists(st.text(min_size=1, max_size=12), max_size=8),
)
rules = st.builds(
    Rules,
    version=st.integers(1, 9),
    min_penertiban=st.integers(1, 3),
    window_days=st.integers(1, 30),
    min_patrols=st.integers(1, 14),
    complaints_violate=st.booleans(),
    stale_days=st.integers(1, 90),
)


@given(rules, counts, st.text(min_size=1, max_size=12))
def test_a_complaint_never_helps_and_only_hurts_when_the_option_is_on(r, c, code):
    before = classify(r, c)
    after = classify(r, replace(c, open_complaints=[*c.open_complaints, code]))
    assert RANK[after[0]] <= RANK[before[0]] and after[1]
    if not r.complaints_violate:
        assert after == before
    else:
        assert after[0] is not S.LAYAK_TERTIB
