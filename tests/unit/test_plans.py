"""Patrol plan rules (k3zones.plans): recurrence, windows in WIB, fulfilment, missed."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k3zones.enums import TaskState
from k3zones.errors import InvalidInput
from k3zones.exports import BUILDERS, ExportData, YearFigures, tables
from k3zones.odk import build_form, parse_submission
from k3zones.periods import WIB, Period
from k3zones.plans import (
    CATCH_UP_DAYS,
    OpenTask,
    Version,
    check_occurs,
    check_window,
    due,
    in_force,
    judge,
    missed,
    named,
    occurrences,
    parse_rule,
    pick,
    reopened,
    stale,
    tasks_csv,
    window_of,
)
from tests.support.payloads import odk_instance

DAILY = Version(1, date(2024, 1, 1), True, "FREQ=DAILY", 7 * 60, 16 * 60, 1, 120)
WHOLE_DAY = Version(1, date(2024, 1, 1), True, "FREQ=DAILY", 0, 1440, 1, 0)
QUARTERLY = Version(1, date(2024, 1, 1), True, "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1", 480, 1020)


def wib(*a: int) -> datetime:
    return datetime(*a, tzinfo=WIB)  # type: ignore[misc]


def test_daily_rule_yields_every_day_across_month_and_year_end() -> None:
    days = occurrences("FREQ=DAILY", date(2024, 1, 1), date(2024, 1, 30), date(2024, 3, 2))
    assert days[0] == date(2024, 1, 30) and days[-1] == date(2024, 3, 2)
    assert date(2024, 2, 29) in days and len(days) == 33  # leap day counted
    dec = occurrences("FREQ=DAILY", date(2024, 12, 30), date(2024, 12, 30), date(2025, 1, 2))
    assert dec == [date(2024, 12, 30), date(2024, 12, 31), date(2025, 1, 1), date(2025, 1, 2)]


def test_quarterly_three_pillar_rule_one_task_per_triwulan() -> None:
    found = [d for d, _ in due([QUARTERLY], date(2024, 1, 1), date(2024, 12, 31))]
    assert found == [date(2024, 1, 1), date(2024, 4, 1), date(2024, 7, 1), date(2024, 10, 1)]
    for q in range(1, 5):
        p = Period("quarter", 2024, q)
        assert len([d for d in found if p.start <= d <= p.end]) == 1


def test_monthly_on_the_31st_skips_short_months_and_last_day_rule_does_not() -> None:
    on_31 = occurrences(
        "FREQ=MONTHLY;BYMONTHDAY=31", date(2024, 1, 1), date(2024, 1, 1), date(2024, 6, 30)
    )
    assert on_31 == [date(2024, 1, 31), date(2024, 3, 31), date(2024, 5, 31)]
    last = occurrences(
        "FREQ=MONTHLY;BYMONTHDAY=-1", date(2024, 1, 1), date(2024, 1, 1), date(2024, 4, 30)
    )
    assert last == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]


def test_weekly_on_working_days_and_count_until() -> None:
    days = occurrences(
        "FREQ=WEEKLY;BYDAY=MO,WE,FR", date(2024, 5, 1), date(2024, 5, 1), date(2024, 5, 12)
    )
    assert [d.isoformat() for d in days] == [
        "2024-05-01", "2024-05-03", "2024-05-06", "2024-05-08", "2024-05-10"
    ]  # fmt: skip
    assert occurrences(
        "FREQ=DAILY;COUNT=3", date(2024, 1, 30), date(2024, 2, 1), date(2024, 3, 1)
    ) == [date(2024, 2, 1)]
    assert occurrences(
        "FREQ=DAILY;UNTIL=20240102", date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 9)
    ) == [
        date(2024, 1, 1),
        date(2024, 1, 2),
    ]


@pytest.mark.parametrize(
    ("rule", "word"),
    [
        ("FREQ=SECONDLY", "DAILY, WEEKLY"),
        ("FREQ=MINUTELY;COUNT=5", "DAILY, WEEKLY"),
        ("FREQ=HOURLY", "DAILY, WEEKLY"),
        ("FREQ=DAILY;COUNT=1001", "COUNT harus"),
        ("FREQ=DAILY;COUNT=99999", "COUNT"),
        ("FREQ=DAILY;INTERVAL=100", "INTERVAL harus"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL harus"),
        ("FREQ=DAILY;INTERVAL=99999999999", "INTERVAL"),
        ("FREQ=DAILY;BYHOUR=1,2,3", "tidak didukung"),
        ("FREQ=DAILY;BYSECOND=1", "tidak didukung"),
        ("FREQ=DAILY;FREQ=WEEKLY", "lebih dari sekali"),
        ("INTERVAL=2", "FREQ wajib"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20250101", "bersama"),
        ("FREQ=DAILY;UNTIL=20241340", "UNTIL"),
        ("FREQ=MONTHLY;BYMONTH=13", "BYMONTH"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY"),
        ("", "Wajib"),
        ("FREQ=DAILY;" + "BYDAY=MO;" * 50, "karakter"),
        ("=DAILY", "NAMA=NILAI"),
        ("<script>", "NAMA=NILAI"),
        ("FREQ=DAILY\x00", "DAILY"),
    ],
)
def test_hostile_or_unsupported_rules_are_refused_at_the_field(rule: str, word: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_rule(rule)
    [err] = exc.value.errors
    assert err.path == ("rrule",) and word in err.message, err.message


def test_a_rule_that_never_occurs_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        check_occurs(parse_rule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"), date(2024, 1, 1))
    assert "tidak pernah terjadi" in exc.value.errors[0].message
    check_occurs(parse_rule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"), date(2024, 3, 1))  # 2028


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=120))
def test_any_text_is_a_rule_or_a_field_error_quickly(raw: str) -> None:
    t0 = time.perf_counter()
    try:
        rec = parse_rule(raw)
    except InvalidInput as exc:
        assert exc.errors[0].path == ("rrule",)
        return
    occurrences(rec, date(2024, 1, 1), date(2024, 1, 1), date(2024, 12, 31))
    assert time.perf_counter() - t0 < 1


_KEYS = st.sampled_from(["FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH"])
_VALUES = st.one_of(
    st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY", "MO", "-1FR", "20241231"]),
    st.integers(-400, 100000).map(str),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(_KEYS, _VALUES), min_size=1, max_size=5),
    st.dates(date(2020, 1, 1), date(2030, 1, 1)),
)
def test_well_formed_rules_expand_with_bounded_work(
    parts: list[tuple[str, str]], anchor: date
) -> None:
    raw = ";".join(f"{k}={v}" for k, v in parts)
    try:
        rec = parse_rule(raw)
        check_occurs(rec, anchor)
    except InvalidInput:
        return
    t0 = time.perf_counter()
    days = occurrences(rec, anchor, anchor, anchor + timedelta(days=366))
    assert time.perf_counter() - t0 < 1
    assert days == sorted(set(days)) and all(
        anchor <= d <= anchor + timedelta(days=366) for d in days
    )


@settings(max_examples=100, deadline=None)
@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)), st.integers(0, 40))
def test_daily_plan_covers_every_day_of_any_range(first: date, n: int) -> None:
    last = first + timedelta(days=n)
    v = Version(1, date(2020, 1, 1), True, "FREQ=DAILY", 0, 1440)
    assert [d for d, _ in due([v], first, last)] == [
        first + timedelta(days=i) for i in range(n + 1)
    ]


def test_wib_midnight_2359_belongs_to_the_day_and_0000_to_the_next() -> None:
    d1, d2 = date(2024, 1, 31), date(2024, 2, 1)  # a month end too
    w1, w2 = window_of(WHOLE_DAY, d1), window_of(WHOLE_DAY, d2)
    assert w1.start == wib(2024, 1, 31, 0, 0) and w1.end == wib(2024, 2, 1, 0, 0) == w2.start
    assert judge(w1, wib(2024, 1, 31, 23, 59)) == TaskState.SELESAI
    assert judge(w2, wib(2024, 1, 31, 23, 59)) is None
    assert judge(w1, wib(2024, 2, 1, 0, 0)) is None  # no late allowance on this plan
    assert judge(w2, wib(2024, 2, 1, 0, 0)) == TaskState.SELESAI
    # the same instants seen in UTC (how they are stored)
    utc_2359 = wib(2024, 1, 31, 23, 59).astimezone(WIB.__class__("UTC"))
    assert utc_2359.date() == date(2024, 1, 31) and utc_2359.hour == 16
    assert judge(w1, utc_2359) == TaskState.SELESAI


def test_window_late_allowance_and_missed() -> None:
    w = window_of(DAILY, date(2024, 5, 2))
    assert (w.start, w.end, w.late_until) == (
        wib(2024, 5, 2, 7),
        wib(2024, 5, 2, 16),
        wib(2024, 5, 2, 18),
    )
    assert judge(w, wib(2024, 5, 2, 6, 59)) is None
    assert judge(w, wib(2024, 5, 2, 7)) == TaskState.SELESAI
    assert judge(w, wib(2024, 5, 2, 15, 59)) == TaskState.SELESAI
    assert judge(w, wib(2024, 5, 2, 16)) == TaskState.TERLAMBAT
    assert judge(w, wib(2024, 5, 2, 18)) is None
    assert not missed(TaskState.TERJADWAL, w, wib(2024, 5, 2, 15, 59))
    assert missed(TaskState.TERJADWAL, w, wib(2024, 5, 2, 16))
    assert not missed(TaskState.SELESAI, w, wib(2024, 5, 3))


def test_overnight_and_multi_day_windows() -> None:
    night = Version(1, date(2024, 1, 1), True, "FREQ=DAILY", 22 * 60, 2 * 60, 2, 0)
    w = window_of(night, date(2024, 12, 31))
    assert (w.start, w.end) == (wib(2024, 12, 31, 22), wib(2025, 1, 1, 2))
    w = window_of(
        QUARTERLY.__class__(1, date(2024, 1, 1), True, "FREQ=DAILY", 0, 1440, 91), date(2024, 1, 1)
    )
    assert w.end == wib(2024, 4, 1)


def test_window_checks() -> None:
    check_window(0, 1440, 1, 0)
    for args, field in [
        ((600, 600, 1, 0), "window_end"),
        ((-1, 60, 1, 0), "window_start"),
        ((0, 1441, 1, 0), "window_end"),
        ((0, 60, 93, 0), "span_days"),
        ((0, 60, 1, 1441), "late_minutes"),
    ]:
        with pytest.raises(InvalidInput) as exc:
            check_window(*args)
        assert exc.value.errors[0].path == (field,)


def test_a_change_applies_from_its_date_only() -> None:
    v1 = DAILY
    v2 = Version(2, date(2024, 3, 1), True, "FREQ=WEEKLY;BYDAY=MO", 8 * 60, 10 * 60)
    assert in_force([v1, v2], date(2024, 2, 29)) == v1
    assert in_force([v1, v2], date(2024, 3, 1)) == v2
    assert in_force([v1, v2], date(2023, 12, 31)) is None
    days = due([v1, v2], date(2024, 2, 27), date(2024, 3, 11))
    assert [(d.isoformat(), v.version) for d, v in days] == [
        ("2024-02-27", 1), ("2024-02-28", 1), ("2024-02-29", 1),
        ("2024-03-04", 2), ("2024-03-11", 2),
    ]  # fmt: skip
    ended = Version(3, date(2024, 3, 5), False, "FREQ=DAILY", 0, 60)
    assert [d for d, _ in due([v1, v2, ended], date(2024, 3, 1), date(2024, 3, 31))] == [
        date(2024, 3, 4)
    ]
    # two versions from the same day: the later one wins
    again = Version(4, date(2024, 3, 5), True, "FREQ=DAILY", 0, 60)
    assert len(due([v1, v2, ended, again], date(2024, 3, 5), date(2024, 3, 7))) == 3


def test_pick_prefers_on_time_then_late_and_only_the_team() -> None:
    d1 = window_of(DAILY, date(2024, 5, 2))
    d2 = window_of(
        Version(1, date(2024, 1, 1), True, "FREQ=DAILY", 15 * 60, 17 * 60, 1, 60), date(2024, 5, 2)
    )
    a = OpenTask("a", "team1", d1, TaskState.TERJADWAL)
    b = OpenTask("b", "team1", d2, TaskState.TERJADWAL)
    other = OpenTask("c", "team2", d1, TaskState.TERJADWAL)
    assert pick([a, b, other], ["team1"], wib(2024, 5, 2, 10)) == (a, TaskState.SELESAI)
    # 16:30: a is late, b is on time -> b, done
    assert pick([a, b], ["team1"], wib(2024, 5, 2, 16, 30)) == (b, TaskState.SELESAI)
    assert pick([a], ["team1"], wib(2024, 5, 2, 16, 30)) == (a, TaskState.TERLAMBAT)
    assert pick([a], ["team2"], wib(2024, 5, 2, 10)) is None
    # a missed task still takes a report whose device time was in the window (sent late)
    m = OpenTask("a", "team1", d1, TaskState.TERLEWAT)
    assert pick([m], ["team1"], wib(2024, 5, 2, 10)) == (m, TaskState.SELESAI)
    late = OpenTask("a", "team1", d1, TaskState.TERLAMBAT)
    assert pick([late], ["team1"], wib(2024, 5, 2, 10)) == (late, TaskState.SELESAI)
    assert pick([late], ["team1"], wib(2024, 5, 2, 17)) is None


def test_a_named_task_is_done_from_the_start_of_its_day_late_after_its_window() -> None:
    w = window_of(DAILY, date(2024, 5, 2))  # 07:00-16:00, late until 18:00
    begins = wib(2024, 5, 2)
    t = OpenTask("a", "team1", w, TaskState.TERJADWAL)
    assert named(t, begins, wib(2024, 5, 2, 6)) == TaskState.SELESAI  # early, same day
    assert named(t, begins, wib(2024, 5, 2, 15, 59)) == TaskState.SELESAI
    assert named(t, begins, wib(2024, 5, 2, 16)) == TaskState.TERLAMBAT
    assert named(t, begins, wib(2024, 5, 2, 18)) is None  # does not fit: usual matching
    assert named(t, begins, wib(2024, 5, 1, 23, 59)) is None  # the day before
    missed_ = OpenTask("a", "team1", w, TaskState.TERLEWAT)
    assert named(missed_, begins, wib(2024, 5, 2, 10)) == TaskState.SELESAI
    done = OpenTask("a", "team1", w, TaskState.SELESAI)
    assert named(done, begins, wib(2024, 5, 2, 10)) is None
    late = OpenTask("a", "team1", w, TaskState.TERLAMBAT)
    assert named(late, begins, wib(2024, 5, 2, 10)) == TaskState.SELESAI
    assert named(late, begins, wib(2024, 5, 2, 17)) is None


def test_a_released_task_is_open_until_its_window_ends_then_missed() -> None:
    w = window_of(DAILY, date(2024, 5, 2))
    assert reopened(w, wib(2024, 5, 2, 15, 59)) == TaskState.TERJADWAL
    assert reopened(w, wib(2024, 5, 2, 16)) == TaskState.TERLEWAT


def test_odk_submission_names_its_task_or_nothing() -> None:
    task = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
    base = odk_instance(task.replace("6f", "7a"), photos=0, form="k3-patroli")
    body, _ = parse_submission(base.replace(b"<notes>", f"<tugas>{task}</tugas><notes>".encode()))
    assert body["task_id"] == task
    for junk in ("", "bukan-uuid", "=1+1", "<x/>", "a" * 5000):
        xml = base.replace(b"<notes>", f"<tugas>{escape(junk)}</tugas><notes>".encode())
        body, _ = parse_submission(xml)
        assert "task_id" not in body and body["type"] == "patroli"


def test_the_forms_offer_todays_tasks_of_their_activity() -> None:
    for form_id, activity in (("k3-patroli", "patroli"), ("k3-penertiban", "penertiban")):
        xml = build_form(form_id).xml.decode()
        assert 'src="jr://file-csv/tugas.csv"' in xml
        assert "<label>Tugas hari ini (jika ada)</label>" in xml
        assert f"activity = '{activity}'" in xml


def test_stale_zone_flag() -> None:
    today = date(2024, 5, 10)
    assert stale(None, today, 7)
    assert not stale(date(2024, 5, 3), today, 7)  # 6 whole days without
    assert stale(date(2024, 5, 2), today, 7)  # 7 whole days without
    assert CATCH_UP_DAYS >= 7


def test_tasks_csv_for_odk_quotes_what_it_must() -> None:
    out = tasks_csv(
        [("t1", "z1", 'Jl. "A", Blok 2', "patroli", "07:00-16:00", "terjadwal", "kecamatan polsek")]
    ).decode()
    head, row = out.splitlines()
    assert head == "name,label,zone_id,activity,window,state,units"
    assert row.startswith('t1,"patroli Jl. ""A"", Blok 2 07:00-16:00 (terjadwal)",z1,patroli,')


def _export(activities: list[dict[str, object]]) -> ExportData:
    return ExportData(
        "Medansatria",
        "Tahun 2024",
        2024,
        [],
        10,
        3,
        YearFigures(2024, Decimal(30), Decimal(30), Decimal(100)),
        None,
        2026,
        Decimal(40),
        "Aturan versi 1",
        activities=activities,
    )


def test_lkip_realisasi_kegiatan_table_per_triwulan() -> None:
    rows = [
        {
            "triwulan": "Triwulan I 2024",
            "activity": "patroli",
            "planned": 900,
            "on_time": 800,
            "late": 40,
            "missed": 60,
            "open": 0,
            "units_expected": 0,
            "units_present": 0,
        },
        {
            "triwulan": "Triwulan I 2024",
            "activity": "penertiban",
            "planned": 10,
            "on_time": 9,
            "late": 0,
            "missed": 1,
            "open": 0,
            "units_expected": 30,
            "units_present": 27,
        },
    ]
    [(title, header, body)] = [t for t in tables(_export(rows)) if "Realisasi Kegiatan" in t[0]]
    assert title.endswith("(2024)") and header[-1] == "Kehadiran Unit 3 Pilar (%)"
    assert body[0] == ["Triwulan I 2024", "Patroli", "900", "840", "800", "40", "60", "93,33", "-"]
    assert body[1][2:] == ["10", "9", "9", "0", "1", "90,00", "90,00"]
    for build in BUILDERS.values():  # every format renders it
        assert build(_export(rows))
    # no plans: the LKIP keeps its four tables
    assert not [t for t in tables(_export([])) if "Realisasi Kegiatan" in t[0]]
