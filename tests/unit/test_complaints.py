"""Pure rules of the complaints desk: the state machine, the SLA clock in working days
(weekends and Indonesian public holidays, WIB), duplicates, tracking codes, input."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k3zones.complaints import (
    CATEGORIES,
    CLOSED,
    TRANSITIONS,
    DuplicateRule,
    WorkCalendar,
    add_working_days,
    median_days,
    new_code,
    normalise_code,
    open311_status,
    parse_input,
    sla_days,
    sla_phase,
    transition_problem,
    working_time,
)
from k3zones.enums import ComplaintState as S
from k3zones.errors import FieldError
from k3zones.periods import WIB

CAL = WorkCalendar()


def wib(*a: int) -> datetime:
    return datetime(*a, tzinfo=WIB)


def test_state_machine_forward_and_back():
    assert transition_problem(S.BARU, S.DITERIMA) is None
    assert transition_problem(S.DITANGANI, S.DITUGASKAN) is None  # report not accepted
    assert transition_problem(S.DITOLAK, S.DITERIMA) is None  # refusal reconsidered
    msg = transition_problem(S.BARU, S.SELESAI)
    assert msg and "baru" in msg and "diterima" in msg
    assert "final" in (transition_problem(S.SELESAI, S.BARU) or "")
    # every state is reachable from baru, and nothing leaves selesai
    seen, todo = {S.BARU}, [S.BARU]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(S)
    assert TRANSITIONS[S.SELESAI] == frozenset()


def test_open311_status():
    assert {open311_status(s) for s in CLOSED} == {"closed"}
    assert {open311_status(s) for s in set(S) - CLOSED} == {"open"}


def test_sla_across_a_weekend():
    # Friday 27 Nov 2026 16:00 WIB, 1 working day: Saturday and Sunday do not count.
    due = add_working_days(CAL, wib(2026, 11, 27, 16), 1)
    assert due == wib(2026, 11, 30, 16)
    # coming in on a Saturday: the clock starts Monday 00:00 WIB
    assert add_working_days(CAL, wib(2026, 11, 28, 10), 1) == wib(2026, 12, 1, 0)


def test_sla_across_a_national_holiday():
    # Monday 17 Aug 2026 is Hari Kemerdekaan: Friday 14 Aug 09:00 + 2 days -> Wed 19 Aug.
    assert not CAL.is_working_day(date(2026, 8, 17))
    assert CAL.holiday_name(date(2026, 8, 17))
    assert add_working_days(CAL, wib(2026, 8, 14, 9), 2) == wib(2026, 8, 19, 9)
    # Christmas on a Friday in 2026: Thursday 24 Dec 10:00 + 1 -> Monday 28 Dec 10:00
    assert add_working_days(CAL, wib(2026, 12, 24, 10), 1) == wib(2026, 12, 28, 10)
    # an extra day off a kecamatan declares (cuti bersama)
    cuti = WorkCalendar(frozenset({date(2026, 12, 28)}))
    assert add_working_days(cuti, wib(2026, 12, 24, 10), 1) == wib(2026, 12, 29, 10)


def test_sla_in_utc_is_read_in_wib():
    # 23:00 UTC on Friday is already Saturday 06:00 WIB: no working time left that day.
    start = datetime(2026, 11, 27, 23, tzinfo=WIB).astimezone(WIB)
    utc_start = datetime.fromisoformat("2026-11-27T23:00:00+00:00")
    assert add_working_days(CAL, utc_start, 1) == wib(2026, 12, 1, 0)
    assert start.tzinfo is WIB


def test_sla_phases():
    since = wib(2026, 11, 23, 8)  # Monday
    due = add_working_days(CAL, since, 2)
    assert sla_phase(CAL, since, due, wib(2026, 11, 23, 12)).phase == "aman"
    assert sla_phase(CAL, since, due, wib(2026, 11, 25, 1)).phase == "peringatan"
    v = sla_phase(CAL, since, due, wib(2026, 11, 25, 9))
    assert v.phase == "lewat" and v.remaining == timedelta(0)
    assert sla_phase(CAL, since, None, wib(2026, 11, 25, 9)).phase == "tanpa_sla"


def test_sla_days_defaults_and_overrides():
    assert sla_days("pkl", S.BARU) == 1
    assert sla_days("bangunan_liar", S.DITUGASKAN) == 10
    assert sla_days("pkl", S.DITUGASKAN, {("pkl", "ditugaskan"): 5}) == 5
    assert sla_days("pkl", S.SELESAI) is None and sla_days("pkl", S.DITOLAK) is None


instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(WIB)
)


@settings(max_examples=150, deadline=None)
@given(start=instants, days=st.integers(0, 20))
def test_due_is_exactly_n_working_days_later(start, days):
    due = add_working_days(CAL, start, days)
    assert due >= start
    assert working_time(CAL, start, due) == timedelta(days=days)
    # never due on a day off (a due time at 00:00 belongs to the day that just ended)
    if days:
        assert CAL.is_working_day((due - timedelta(microseconds=1)).date())


@settings(max_examples=100, deadline=None)
@given(start=instants, a=st.integers(0, 15), b=st.integers(0, 15))
def test_due_is_monotone(start, a, b):
    lo, hi = sorted((a, b))
    assert add_working_days(CAL, start, lo) <= add_working_days(CAL, start, hi)


def test_duplicate_rule():
    r = DuplicateRule(max_m=50, max_days=7)
    assert r.matches("pkl", "pkl", 30, timedelta(days=2))
    assert not r.matches("pkl", "sampah", 30, timedelta(days=2))
    assert not r.matches("pkl", "pkl", 51, timedelta(days=2))
    assert not r.matches("pkl", "pkl", 10, timedelta(days=8))
    assert not r.matches("pkl", "pkl", float("nan"), timedelta(days=1))


def test_codes():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    for c in codes:
        assert normalise_code(c) == c
        assert normalise_code(" " + c.lower().replace("adu-", "adu ")) == c
    assert normalise_code("ADU-0000000O") == "ADU-00000000"
    assert normalise_code("<script>") is None
    assert normalise_code("ADU-\x00") is None


def test_median_days():
    assert median_days([]) is None
    assert median_days([timedelta(days=1), timedelta(days=3)]) == 2
    assert median_days([timedelta(days=5), timedelta(days=1), timedelta(days=2)]) == 2


GOOD = {
    "service_code": "pkl",
    "description": "PKL menutup trotoar depan pasar",
    "lat": "-6.2",
    "long": "106.98",
}


def test_parse_good_input():
    got = parse_input(GOOD, require_location=True)
    assert not isinstance(got, list)
    assert got.category == "pkl" and got.lat == -6.2 and got.lon == 106.98


def paths(got: object) -> set[str]:
    assert isinstance(got, list)
    return {str(e.path[0]) for e in got if isinstance(e, FieldError)}


def test_parse_bad_input_reports_every_field():
    got = parse_input(
        {
            "service_code": "narkoba",
            "description": "x",
            "lat": "NaN",
            "long": "1e400",
            "media_url": "file:///etc/passwd",
            "email": "bukan email",
            "phone": "=HYPERLINK()",
        },
        require_location=True,
    )
    assert paths(got) == {
        "service_code",
        "description",
        "lat",
        "long",
        "media_url",
        "email",
        "phone",
    }


def test_parse_missing_location():
    form = {k: v for k, v in GOOD.items() if k not in ("lat", "long")}
    assert paths(parse_input(form, require_location=True)) == {"lat"}
    assert paths(parse_input(form, require_location=False)) == {"lat"}
    ok = parse_input({**form, "address_string": "Jl. Raya Harapan Indah"}, require_location=False)
    assert not isinstance(ok, list) and ok.lat is None
    assert paths(parse_input({**GOOD, "long": ""}, require_location=True)) == {"long"}


def test_categories_are_the_violation_kinds():
    assert "lainnya" in CATEGORIES and "pkl" in CATEGORIES


@settings(max_examples=200, deadline=None)
@given(
    form=st.dictionaries(
        st.sampled_from(
            [
                "service_code",
                "description",
                "lat",
                "long",
                "address_string",
                "media_url",
                "first_name",
                "last_name",
                "phone",
                "email",
                "attribute[volume]",
            ]
        ),
        st.text(max_size=60),
    )
)
def test_parse_never_crashes_and_keeps_no_unstorable_text(form):
    got = parse_input(form, require_location=False)
    if not isinstance(got, list):
        for v in (got.description, got.address, got.name, got.phone, got.email, got.media_url):
            assert v is None or ("\x00" not in v and len(v) <= 4000)
        if got.lat is not None:
            assert -90 <= got.lat <= 90


def test_parse_period():
    from k3zones.complaints import parse_period

    assert parse_period("2026") == ("year", 2026, 0)
    assert parse_period("2026-11") == ("month", 2026, 11)
    assert parse_period("2026-T4") == ("quarter", 2026, 4)
    for bad in ("1999", "2026-13", "2026-T5", "2026-1", "x"):
        with pytest.raises(ValueError):
            parse_period(bad)


def test_figures():
    from k3zones.complaints import FigureRow, figures

    t0 = wib(2026, 11, 2, 9)
    rows = [
        FigureRow("pkl", "Harapan Mulya", S.SELESAI, False, t0, t0 + timedelta(days=2), True),
        FigureRow("pkl", "Harapan Mulya", S.SELESAI, False, t0, t0 + timedelta(days=6), False),
        FigureRow("pkl", None, S.DITOLAK, True, t0, t0, True),
        FigureRow("sampah", "Kalibaru", S.DITUGASKAN, False, t0, None, True),
        FigureRow("sampah", "Kalibaru", S.DITOLAK, False, t0, t0, True),
    ]
    f = figures(rows)
    assert f["received"] == 5 and f["closed"] == 2 and f["closed_within_sla"] == 1
    assert f["pct_within_sla"] == 50 and f["median_days_to_close"] == 4
    assert f["duplicates"] == 1 and f["rejected"] == 1 and f["open"] == 1
    cats = {c["category"]: c for c in f["by_category"]}
    assert cats["sampah"]["closed"] == 0 and cats["sampah"]["pct_within_sla"] is None
    kels = {k["kelurahan"]: k for k in f["by_kelurahan"]}
    assert kels["Harapan Mulya"]["received"] == 2 and "(di luar batas kelurahan)" in kels
    assert figures([])["received"] == 0
