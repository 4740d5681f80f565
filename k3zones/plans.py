"""Patrol plans (jadwal patroli): when a plan occurs, its windows, and how a report meets a
task. Pure: plain values in, plain values out.

A plan version says, from its `valid_from` (WIB), on which days a team works its zones:
an RFC 5545 RRULE (python-dateutil's rrule) anchored at `valid_from`, a window in minutes
after WIB midnight (ending `span_days - 1` days later, so a triwulan task can stay open for
weeks), and a late allowance after the window. Only DAILY, WEEKLY, MONTHLY and YEARLY
rules are taken, with bounded numbers, and every expansion stops at the last day asked
for: the work is bounded by the days between the anchor and that day.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.rrule import rrulestr

from k3zones.enums import TaskState
from k3zones.errors import FieldError, InvalidInput
from k3zones.periods import day_start

MAX_RULE_CHARS = 300
FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
MAX_INTERVAL = 99
MAX_COUNT = 1000
MAX_LIST = 31  # values in one BY* list
# A rule must occur at least once this many days after its anchor (refuses 30 February).
FIRST_WITHIN_DAYS = 1470  # 29 February comes back within four years
MAX_SPAN_DAYS = 92  # a triwulan
MAX_LATE_MINUTES = 1440
# Days the beat job looks back for days it has not materialised (downtime).
CATCH_UP_DAYS = 14
# Default of the "no patrol for N days" flag of a zone.
STALE_DAYS = 7

_DAY = r"(MO|TU|WE|TH|FR|SA|SU)"
_PART = {
    "FREQ": re.compile(r"^(DAILY|WEEKLY|MONTHLY|YEARLY)$"),
    "INTERVAL": re.compile(r"^[0-9]{1,3}$"),
    "COUNT": re.compile(r"^[0-9]{1,4}$"),
    "UNTIL": re.compile(r"^[0-9]{8}$"),
    "BYDAY": re.compile(rf"^[+-]?[0-9]{{0,2}}{_DAY}$"),
    "BYMONTHDAY": re.compile(r"^[+-]?[0-9]{1,2}$"),
    "BYMONTH": re.compile(r"^[0-9]{1,2}$"),
    "BYSETPOS": re.compile(r"^[+-]?[0-9]{1,3}$"),
    "WKST": re.compile(rf"^{_DAY}$"),
}
_LISTS = ("BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS")
_RANGES = {"BYMONTHDAY": 31, "BYMONTH": 12, "BYSETPOS": 366}
RULE_PATTERN = r"^(FREQ|INTERVAL|COUNT|UNTIL|BYDAY|BYMONTHDAY|BYMONTH|BYSETPOS|WKST)=[A-Z0-9,+-]+(;(FREQ|INTERVAL|COUNT|UNTIL|BYDAY|BYMONTHDAY|BYMONTH|BYSETPOS|WKST)=[A-Z0-9,+-]+)*$"  # noqa: E501


@dataclass(frozen=True)
class Recurrence:
    """A checked RRULE: the text without COUNT/UNTIL (applied here, bounded), and those."""

    core: str
    count: int | None
    until: date | None
    text: str  # normalised, as stored


def _bad(message: str, path: tuple[str | int, ...] = ("rrule",)) -> InvalidInput:
    return InvalidInput("Aturan pengulangan belum benar.", [FieldError(path, message)])


def _check_number(key: str, raw: str) -> None:
    n = int(raw)
    if key == "BYMONTH" and not 1 <= n <= 12:
        raise _bad("BYMONTH harus 1 sampai 12.")
    limit = _RANGES.get(key)
    if limit is not None and key != "BYMONTH" and (n == 0 or abs(n) > limit):
        raise _bad(f"{key} harus bukan nol dan paling jauh {limit}.")


def parse_rule(raw: object) -> Recurrence:
    """Check an RRULE (without the "RRULE:" prefix) against what we take. Raises
    InvalidInput at the field `rrule` with what to change."""
    if not isinstance(raw, str) or not raw.strip():
        raise _bad("Wajib diisi, mis. FREQ=DAILY atau FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1.")
    if len(raw) > MAX_RULE_CHARS:
        raise _bad(f"Paling banyak {MAX_RULE_CHARS} karakter.")
    text = raw.strip().upper().removeprefix("RRULE:")
    parts: dict[str, str] = {}
    for item in text.split(";"):
        key, eq, value = item.partition("=")
        if not key or not eq or not value:
            raise _bad(f"Bagian '{item[:40]}' harus berbentuk NAMA=NILAI.")
        if key not in _PART:
            allowed = ", ".join(_PART)
            raise _bad(f"{key[:40]} tidak didukung; yang boleh: {allowed}.")
        if key in parts:
            raise _bad(f"{key} disebut lebih dari sekali.")
        values = value.split(",")
        if len(values) > (MAX_LIST if key in _LISTS else 1):
            raise _bad(f"Terlalu banyak nilai untuk {key}.")
        for v in values:
            if not _PART[key].match(v):
                if key == "FREQ":
                    raise _bad("FREQ harus DAILY, WEEKLY, MONTHLY, atau YEARLY.")
                raise _bad(f"Nilai {key} tidak valid: {v[:20]}.")
            if key in _RANGES:
                _check_number(key, v)
        parts[key] = value
    if "FREQ" not in parts:
        raise _bad("FREQ wajib ada (DAILY, WEEKLY, MONTHLY, atau YEARLY).")
    interval = int(parts.get("INTERVAL", "1"))
    if not 1 <= interval <= MAX_INTERVAL:
        raise _bad(f"INTERVAL harus 1 sampai {MAX_INTERVAL}.")
    count = int(parts["COUNT"]) if "COUNT" in parts else None
    if count is not None and not 1 <= count <= MAX_COUNT:
        raise _bad(f"COUNT harus 1 sampai {MAX_COUNT}.")
    until = None
    if "UNTIL" in parts:
        try:
            raw_until = parts["UNTIL"]
            until = date(int(raw_until[:4]), int(raw_until[4:6]), int(raw_until[6:]))
        except ValueError as exc:
            raise _bad("UNTIL harus tanggal TTTTBBHH yang ada, mis. 20261231.") from exc
    if count is not None and until is not None:
        raise _bad("COUNT dan UNTIL tidak boleh dipakai bersama (RFC 5545).")
    core = ";".join(f"{k}={v}" for k, v in parts.items() if k not in ("COUNT", "UNTIL"))
    try:
        rrulestr("RRULE:" + core, dtstart=day_start(date(2024, 1, 1)))
    except (ValueError, TypeError) as exc:
        raise _bad("Aturan tidak dapat dibaca menurut RFC 5545.") from exc
    return Recurrence(core, count, until, ";".join(f"{k}={v}" for k, v in parts.items()))


def occurrences(rule: str | Recurrence, anchor: date, first: date, last: date) -> list[date]:
    """The days in [first, last] on which the rule, anchored at `anchor`, occurs. The
    expansion runs from the anchor and stops at `last` (bounded work)."""
    rec = rule if isinstance(rule, Recurrence) else parse_rule(rule)
    stop = last if rec.until is None else min(last, rec.until)
    if stop < anchor or stop < first:
        return []
    # WIB midnights: the rule works on days; the zone is fixed so no DST can shift one.
    r = rrulestr("RRULE:" + rec.core, dtstart=day_start(anchor))
    days = [dt.date() for dt in r.replace(until=day_start(stop))]
    if rec.count is not None:
        days = days[: rec.count]
    return [d for d in days if d >= first]


def check_occurs(rule: Recurrence, anchor: date) -> None:
    """Refuse a rule that never occurs (30 February) or not for years."""
    if not occurrences(rule, anchor, anchor, anchor + timedelta(days=FIRST_WITHIN_DAYS)):
        raise _bad(
            f"Aturan ini tidak pernah terjadi dalam {FIRST_WITHIN_DAYS} hari sejak "
            f"{anchor.isoformat()}; periksa tanggal/bulan/UNTIL."
        )


# --- versions and windows ----------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """What a plan says from `valid_from` on (the parts the rules need)."""

    version: int
    valid_from: date
    active: bool
    rrule: str
    window_start_min: int
    window_end_min: int
    span_days: int = 1
    late_minutes: int = 0


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    late_until: datetime


def check_window(start_min: int, end_min: int, span_days: int, late_minutes: int) -> None:
    errors: list[FieldError] = []
    if not 0 <= start_min <= 1439:
        errors.append(FieldError(("window_start",), "Jam mulai harus 00:00 sampai 23:59."))
    if not 1 <= end_min <= 1440:
        errors.append(FieldError(("window_end",), "Jam selesai harus 00:01 sampai 24:00."))
    if not 1 <= span_days <= MAX_SPAN_DAYS:
        errors.append(FieldError(("span_days",), f"Harus 1 sampai {MAX_SPAN_DAYS} hari."))
    elif span_days == 1 and end_min <= start_min:
        errors.append(
            FieldError(("window_end",), "Jam selesai harus setelah jam mulai pada hari yang sama.")
        )
    if not 0 <= late_minutes <= MAX_LATE_MINUTES:
        errors.append(FieldError(("late_minutes",), f"Harus 0 sampai {MAX_LATE_MINUTES} menit."))
    if errors:
        raise InvalidInput("Jendela waktu belum benar.", errors)


def window_of(v: Version, day: date) -> Window:
    """The window of the task of `day` (WIB): start on that day, end span_days - 1 later."""
    start = day_start(day) + timedelta(minutes=v.window_start_min)
    end = day_start(day + timedelta(days=v.span_days - 1)) + timedelta(minutes=v.window_end_min)
    return Window(start, end, end + timedelta(minutes=v.late_minutes))


def in_force(versions: Sequence[Version], day: date) -> Version | None:
    """The version in force on `day`: the latest valid_from on or before it (the higher
    version number when two start the same day)."""
    best: Version | None = None
    for v in versions:
        if v.valid_from <= day and (
            best is None or (v.valid_from, v.version) > (best.valid_from, best.version)
        ):
            best = v
    return best


def due(versions: Sequence[Version], first: date, last: date) -> list[tuple[date, Version]]:
    """Each day in [first, last] a plan has a task, with the version in force that day.
    A version applies from its valid_from to the day before the next one's."""
    ordered = sorted(versions, key=lambda v: (v.valid_from, v.version))
    out: list[tuple[date, Version]] = []
    for i, v in enumerate(ordered):
        later = [w.valid_from for w in ordered[i + 1 :]]
        if later and later[0] == v.valid_from:
            continue  # replaced on its first day by a later version
        end = later[0] - timedelta(days=1) if later else last
        lo, hi = max(first, v.valid_from), min(last, end)
        if not v.active or hi < lo:
            continue
        out.extend((d, v) for d in occurrences(v.rrule, v.valid_from, lo, hi))
    return out


# --- fulfilment --------------------------------------------------------------------------


def judge(w: Window, at: datetime) -> TaskState | None:
    """What a report at device time `at` makes of a task with window `w`."""
    if w.start <= at < w.end:
        return TaskState.SELESAI
    if w.end <= at < w.late_until:
        return TaskState.TERLAMBAT
    return None


@dataclass(frozen=True)
class OpenTask:
    """A task a report might fulfil (already matched on zone and activity by the caller)."""

    id: object
    team_id: object
    window: Window
    state: TaskState


def pick(
    tasks: Iterable[OpenTask], team_ids: Iterable[object], at: datetime
) -> tuple[OpenTask, TaskState] | None:
    """The task a report of one of `team_ids` at `at` fulfils: an open or missed one whose
    window holds `at` (the earliest; a late one is raised to done), else the open or
    missed one whose late allowance holds it (the earliest ending)."""
    teams = set(team_ids)
    mine = [t for t in tasks if t.team_id in teams]
    on_time = [
        t
        for t in mine
        if judge(t.window, at) == TaskState.SELESAI
        and t.state in (TaskState.TERJADWAL, TaskState.TERLEWAT, TaskState.TERLAMBAT)
    ]
    if on_time:
        return min(on_time, key=lambda t: t.window.start), TaskState.SELESAI
    late = [
        t
        for t in mine
        if judge(t.window, at) == TaskState.TERLAMBAT
        and t.state in (TaskState.TERJADWAL, TaskState.TERLEWAT)
    ]
    if late:
        return min(late, key=lambda t: t.window.end), TaskState.TERLAMBAT
    return None


def named(task: OpenTask, day_begins: datetime, at: datetime) -> TaskState | None:
    """What a report at `at` that names `task` (ODK tugas.csv, JSON task_id) makes of it,
    the team, zone and activity already matched: done from the start of the task's WIB
    day to the end of its window (the officer said it was this task), late within the late
    allowance; None when the time does not fit it (the usual matching applies then). A
    task done on time is not taken again; a late one is raised by an on-time report."""
    if day_begins <= at < task.window.end:
        got = TaskState.SELESAI
    elif task.window.end <= at < task.window.late_until:
        got = TaskState.TERLAMBAT
    else:
        return None
    if task.state == TaskState.SELESAI:
        return None
    if task.state == TaskState.TERLAMBAT and got != TaskState.SELESAI:
        return None
    return got


def reopened(w: Window, now: datetime) -> TaskState:
    """A task whose report no longer counts (amended, rejected): open again, or missed
    when its window has ended."""
    return TaskState.TERLEWAT if now >= w.end else TaskState.TERJADWAL


def missed(state: TaskState, w: Window, now: datetime) -> bool:
    """An open task whose window has ended is terlewat."""
    return state == TaskState.TERJADWAL and now >= w.end


def stale(last_patrol: date | None, today: date, days: int = STALE_DAYS) -> bool:
    """A zone with no patrol for `days` whole days before today (or never) is flagged."""
    return last_patrol is None or (today - last_patrol).days > days


def minutes(hhmm: str) -> int:
    """'07:30' -> 450; '24:00' -> 1440 (the end of the day)."""
    h, _, m = hhmm.partition(":")
    return int(h) * 60 + int(m)


def hhmm(total: int) -> str:
    return f"{total // 60:02d}:{total % 60:02d}"


def pct(done: int, due_count: int) -> float | None:
    """Share of due tasks that were done (on time or late), in percent, 2 decimals."""
    return None if due_count == 0 else round(100.0 * done / due_count, 2)


def tasks_csv(rows: Iterable[tuple[str, str, str, str, str, str, str]]) -> bytes:
    """ODK media `tugas.csv`: the officer's tasks of the day, for a select_one_from_file
    question (name = task id; the form may filter on zone_id and activity). Rows are
    (task id, zone id, zone name, activity, "HH:MM-HH:MM" WIB, state, units)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["name", "label", "zone_id", "activity", "window", "state", "units"])
    for tid, zid, zone, activity, window, state, units in rows:
        w.writerow(
            [tid, f"{activity} {zone} {window} ({state})", zid, activity, window, state, units]
        )
    return out.getvalue().encode("utf-8")
