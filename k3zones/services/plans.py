"""Patrol plans and their tasks (jadwal patroli): plans with dated versions, tasks
materialised per WIB day (idempotent: one per plan, zone and day), fulfilled by the reports
of the team, missed when the window ends, and the coverage figures.

The rules (recurrence, windows, which task a report fulfils) are in k3zones.plans; this
module gathers their inputs and writes the outcome. Plans and ad-hoc tasks are written
through the ORM (audited by the session hook); the tasks beat materialises and the state
changes reports cause are set-based writes of the system (not one audit row per task).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from geoalchemy2.shape import to_shape
from sqlalchemy import Date, String, cast, delete, func, literal, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, sessionmaker

from k3zones import plans as rules
from k3zones.enums import PlanTarget, ReportType, Role, TaskSource, TaskState, TeamKind
from k3zones.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from k3zones.geo import to_geojson
from k3zones.models import (
    Decree,
    DecreeStatus,
    Kecamatan,
    Kelurahan,
    PatrolPlan,
    PatrolPlanVersion,
    PatrolTask,
    Report,
    Team,
    TeamMembership,
    Zone,
)
from k3zones.periods import WIB, Period, day_after, day_start, now_utc, today_wib
from k3zones.principal import Principal
from k3zones.scope import Scope
from k3zones.services.reference import get_kecamatan_by_slug
from k3zones.services.zone_status import current_rules, last_patrols, staleness

PLANNERS = {Role.TRANTIB, Role.ADMIN}
THREE_PILLARS = ("kecamatan", "polsek", "koramil")


# --- plans -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanInput:
    """One version of a plan as the caller states it (times "HH:MM" WIB)."""

    name: str
    rrule: str
    activity: ReportType
    team_id: uuid.UUID
    target: str  # "zona:<uuid>" | "kelurahan:<slug>" | "sk:<uuid>"
    window_start: str
    window_end: str
    units: list[str] | None = None
    span_days: int = 1
    late_minutes: int = 120
    valid_from: date | None = None  # default: today (WIB); never in the past
    active: bool = True
    note: str | None = None


@dataclass(frozen=True)
class VersionView:
    version: int
    valid_from: date
    active: bool
    rrule: str
    activity: str
    team_id: uuid.UUID
    team_name: str
    units: list[str]
    target: str
    target_kind: str
    target_label: str
    window_start: str
    window_end: str
    span_days: int
    late_minutes: int
    note: str | None


@dataclass(frozen=True)
class PlanView:
    id: uuid.UUID
    kecamatan: str
    name: str
    current_version: int
    materialised_through: date | None
    latest: VersionView
    versions: list[VersionView] = field(default_factory=list)


def _must_plan(caller: Principal) -> int:
    if caller.role not in PLANNERS or caller.kecamatan_id is None:
        raise Forbidden("Hanya Seksi Trantib atau admin kecamatan yang menyusun jadwal.")
    return caller.kecamatan_id


def _resolve_target(s: Session, kecamatan_id: int, target: str) -> dict[str, Any]:
    kind, _, ref = target.partition(":")
    try:
        tk = PlanTarget(kind)
    except ValueError as exc:
        raise InvalidInput(
            "Sasaran jadwal belum benar.",
            [FieldError(("target",), "Gunakan zona:<id>, kelurahan:<slug>, atau sk:<id>.")],
        ) from exc
    out: dict[str, Any] = {"target_kind": tk, "zone_id": None, "kelurahan_id": None}
    out["decree_id"] = None
    try:
        if tk == PlanTarget.ZONA:
            z = s.get(Zone, uuid.UUID(ref))
            if z is None or z.kecamatan_id != kecamatan_id or not z.active:
                raise NotFound("Zona tidak ditemukan di kecamatan Anda.")
            out["zone_id"] = z.id
        elif tk == PlanTarget.SK:
            d = s.get(Decree, uuid.UUID(ref))
            if d is None or d.kecamatan_id != kecamatan_id:
                raise NotFound("SK tidak ditemukan di kecamatan Anda.")
            out["decree_id"] = d.id
        else:
            kid = s.scalar(
                select(Kelurahan.id).where(
                    Kelurahan.kecamatan_id == kecamatan_id, Kelurahan.slug == ref.lower()
                )
            )
            if kid is None:
                raise NotFound("Kelurahan tidak ditemukan di kecamatan Anda.")
            out["kelurahan_id"] = kid
    except ValueError as exc:
        raise InvalidInput(
            "Sasaran jadwal belum benar.", [FieldError(("target",), "Id sasaran bukan UUID.")]
        ) from exc
    return out


def _team(s: Session, kecamatan_id: int, team_id: uuid.UUID) -> Team:
    t = s.get(Team, team_id)
    if t is None or t.kecamatan_id != kecamatan_id:
        raise NotFound("Tim tidak ditemukan di kecamatan Anda.")
    if not t.active:
        raise Conflict("Tim ini sudah tidak aktif.")
    return t


def _units(team: Team, given: list[str] | None) -> list[str]:
    """Units expected: as given (checked), else the whole 3-pilar team, else none."""
    if given is None:
        return sorted(team.units) if team.kind == TeamKind.TIGA_PILAR else []
    units = sorted(set(given))
    if team.kind == TeamKind.TIGA_PILAR:
        missing = [u for u in THREE_PILLARS if u not in units]
        if missing:
            raise InvalidInput(
                "Unit yang diharapkan belum lengkap.",
                [FieldError(("units",), "Kegiatan 3 pilar butuh kecamatan, polsek, dan koramil.")],
            )
    return units


def _version_row(
    s: Session, kecamatan_id: int, inp: PlanInput, caller: Principal, plan_id: uuid.UUID, n: int
) -> PatrolPlanVersion:
    today = today_wib()
    valid_from = inp.valid_from or today
    if valid_from < today:
        raise InvalidInput(
            "Tanggal berlaku belum benar.",
            [FieldError(("valid_from",), "Perubahan jadwal berlaku mulai hari ini atau nanti.")],
        )
    rec = rules.parse_rule(inp.rrule)
    rules.check_occurs(rec, valid_from)
    start, end = rules.minutes(inp.window_start), rules.minutes(inp.window_end) or 1440
    span = inp.span_days
    if span == 1 and end <= start:
        # 22:00-02:00: the window runs past midnight into the next day
        span = 2
    rules.check_window(start, end, span, inp.late_minutes)
    team = _team(s, kecamatan_id, inp.team_id)
    return PatrolPlanVersion(
        plan_id=plan_id,
        kecamatan_id=kecamatan_id,
        version=n,
        valid_from=valid_from,
        active=inp.active,
        rrule=rec.text,
        activity=inp.activity,
        team_id=team.id,
        units=_units(team, inp.units),
        **_resolve_target(s, kecamatan_id, inp.target),
        window_start_min=start,
        window_end_min=end,
        span_days=span,
        late_minutes=inp.late_minutes,
        note=(inp.note or "").strip() or None,
        created_by=caller.user_id,
    )


def _target_text(v: PatrolPlanVersion, s: Session) -> tuple[str, str]:
    if v.target_kind == PlanTarget.ZONA and v.zone_id:
        name = s.scalar(select(Zone.name).where(Zone.id == v.zone_id)) or ""
        return f"zona:{v.zone_id}", f"Zona {name}"
    if v.target_kind == PlanTarget.KELURAHAN and v.kelurahan_id:
        slug, name = s.execute(
            select(Kelurahan.slug, Kelurahan.name).where(Kelurahan.id == v.kelurahan_id)
        ).one()
        return f"kelurahan:{slug}", f"Semua zona Kelurahan {name}"
    nomor = s.scalar(select(Decree.nomor).where(Decree.id == v.decree_id)) or ""
    return f"sk:{v.decree_id}", f"Semua zona SK {nomor}"


def _version_view(s: Session, v: PatrolPlanVersion) -> VersionView:
    target, label = _target_text(v, s)
    team_name = s.scalar(select(Team.name).where(Team.id == v.team_id)) or ""
    return VersionView(
        version=v.version,
        valid_from=v.valid_from,
        active=v.active,
        rrule=v.rrule,
        activity=v.activity.value,
        team_id=v.team_id,
        team_name=team_name,
        units=list(v.units),
        target=target,
        target_kind=v.target_kind.value,
        target_label=label,
        window_start=rules.hhmm(v.window_start_min),
        window_end=rules.hhmm(v.window_end_min % 1440 if v.window_end_min < 1440 else 1440),
        span_days=v.span_days,
        late_minutes=v.late_minutes,
        note=v.note,
    )


def _plan_view(s: Session, p: PatrolPlan) -> PlanView:
    versions = list(
        s.scalars(
            select(PatrolPlanVersion)
            .where(PatrolPlanVersion.plan_id == p.id)
            .order_by(PatrolPlanVersion.version)
        )
    )
    slug = s.scalar(select(Kecamatan.slug).where(Kecamatan.id == p.kecamatan_id)) or ""
    views = [_version_view(s, v) for v in versions]
    return PlanView(p.id, slug, p.name, p.current_version, p.materialised_through, views[-1], views)


def _load_plan(s: Session, scope: Scope, plan_id: uuid.UUID, *, lock: bool = False) -> PatrolPlan:
    q = select(PatrolPlan).where(PatrolPlan.id == plan_id)
    if lock:
        q = q.with_for_update()
    p = s.scalar(q)
    if p is None or not scope.allows(p.kecamatan_id):
        raise NotFound("Jadwal tidak ditemukan.")
    return p


def create_plan(uow: sessionmaker[Session], caller: Principal, inp: PlanInput) -> PlanView:
    kecamatan_id = _must_plan(caller)
    with uow() as s, s.begin():
        p = PatrolPlan(
            id=uuid.uuid4(),
            kecamatan_id=kecamatan_id,
            name=inp.name.strip(),
            current_version=1,
            created_by=caller.user_id,
        )
        v = _version_row(s, kecamatan_id, inp, caller, p.id, 1)
        p.materialised_through = v.valid_from - timedelta(days=1)
        s.add(p)
        s.flush()
        s.add(v)
        s.flush()
        _catch_up_today(s, p)
        return _plan_view(s, p)


def change_plan(
    uow: sessionmaker[Session], caller: Principal, plan_id: uuid.UUID, inp: PlanInput
) -> PlanView:
    """A new version, in force from its valid_from: earlier days keep their tasks; open
    tasks from that day on are made again from the new version."""
    kecamatan_id = _must_plan(caller)
    with uow() as s, s.begin():
        p = _load_plan(s, caller.scope, plan_id, lock=True)
        n = p.current_version + 1
        v = _version_row(s, kecamatan_id, inp, caller, p.id, n)
        s.add(v)
        p.current_version = n
        p.name = inp.name.strip()
        s.flush()
        s.execute(
            delete(PatrolTask).where(
                PatrolTask.plan_id == p.id,
                PatrolTask.day >= v.valid_from,
                PatrolTask.state == TaskState.TERJADWAL,
            )
        )
        if p.materialised_through is None or p.materialised_through >= v.valid_from:
            p.materialised_through = v.valid_from - timedelta(days=1)
        s.flush()
        _catch_up_today(s, p)
        s.refresh(p)
        return _plan_view(s, p)


def _catch_up_today(s: Session, p: PatrolPlan) -> None:
    """Today's tasks of a new or changed plan at once, with the reports already in."""
    today, now = today_wib(), now_utc()
    _materialise_plans(s, [p.id], today, today, ended_before=now)
    reconcile(s, [p.kecamatan_id], today, today)
    mark_missed(s, now)


def list_plans(uow: sessionmaker[Session], scope: Scope, kecamatan: str | None) -> list[PlanView]:
    with uow() as s:
        q = select(PatrolPlan).where(scope.clause(PatrolPlan.kecamatan_id))
        if kecamatan:
            q = q.where(PatrolPlan.kecamatan_id == get_kecamatan_by_slug(s, scope, kecamatan).id)
        return [_plan_view(s, p) for p in s.scalars(q.order_by(PatrolPlan.name, PatrolPlan.id))]


def get_plan(uow: sessionmaker[Session], scope: Scope, plan_id: uuid.UUID) -> PlanView:
    with uow() as s:
        return _plan_view(s, _load_plan(s, scope, plan_id))


# --- materialising -------------------------------------------------------------------------


def _zones_by_target(
    s: Session, kecamatan_ids: set[int], on: date
) -> dict[tuple[str, Any], list[uuid.UUID]]:
    """Zones in force on `on` (WIB), under each target they fall in."""
    end = day_after(on)
    rows = s.execute(
        select(Zone.id, Zone.kelurahan_id, Zone.decree_id)
        .join(Decree, Decree.id == Zone.decree_id)
        .where(
            Zone.kecamatan_id.in_(sorted(kecamatan_ids)),
            Decree.tanggal < end.date(),
            or_(Decree.status == DecreeStatus.BERLAKU, Decree.revoked_on >= end.date()),
            or_(Zone.retired_at.is_(None), Zone.retired_at >= end),
        )
        .order_by(Zone.id)
    )
    out: dict[tuple[str, Any], list[uuid.UUID]] = {}
    for zid, kel, dec in rows:
        out.setdefault(("zona", zid), []).append(zid)
        out.setdefault(("sk", dec), []).append(zid)
        if kel is not None:
            out.setdefault(("kelurahan", kel), []).append(zid)
    return out


def _target_key(v: PatrolPlanVersion) -> tuple[str, Any]:
    if v.target_kind == PlanTarget.ZONA:
        return ("zona", v.zone_id)
    if v.target_kind == PlanTarget.KELURAHAN:
        return ("kelurahan", v.kelurahan_id)
    return ("sk", v.decree_id)


def _materialise_plans(
    s: Session,
    plan_ids: list[uuid.UUID] | None,
    first_floor: date,
    last: date,
    ended_before: datetime | None = None,
) -> int:
    """Create the tasks of the given plans (None: all) for the days after each plan's
    materialised_through (not before `first_floor`) up to `last`. Idempotent: the unique
    (plan, zone, day) makes a repeat create nothing. Returns the tasks created."""
    q = select(PatrolPlan).where(
        or_(PatrolPlan.materialised_through.is_(None), PatrolPlan.materialised_through < last)
    )
    if plan_ids is not None:
        q = q.where(PatrolPlan.id.in_(plan_ids))
    plans = list(s.scalars(q.with_for_update(skip_locked=True)))
    if not plans:
        return 0
    versions: dict[uuid.UUID, list[PatrolPlanVersion]] = {}
    for v in s.scalars(
        select(PatrolPlanVersion).where(PatrolPlanVersion.plan_id.in_([p.id for p in plans]))
    ):
        versions.setdefault(v.plan_id, []).append(v)
    zone_cache: dict[date, dict[tuple[str, Any], list[uuid.UUID]]] = {}
    kecamatan_ids = {p.kecamatan_id for p in plans}
    rows: list[dict[str, Any]] = []
    created = 0
    for p in plans:
        first = max(first_floor, (p.materialised_through or first_floor) + timedelta(days=1))
        rows_of = {v.version: v for v in versions.get(p.id, [])}
        spec = [
            rules.Version(
                v.version,
                v.valid_from,
                v.active,
                v.rrule,
                v.window_start_min,
                v.window_end_min,
                v.span_days,
                v.late_minutes,
            )
            for v in rows_of.values()
        ]
        for day, ver in rules.due(spec, first, last):
            row = rows_of[ver.version]
            if day not in zone_cache:
                zone_cache[day] = _zones_by_target(s, kecamatan_ids, day)
            w = rules.window_of(ver, day)
            if ended_before is not None and w.end <= ended_before:
                continue  # a window over before the plan existed is no missed task
            for zid in zone_cache[day].get(_target_key(row), []):
                rows.append(
                    {
                        "id": uuid.uuid4(),
                        "kecamatan_id": p.kecamatan_id,
                        "source": TaskSource.RENCANA.value,
                        "plan_id": p.id,
                        "plan_version": ver.version,
                        "day": day,
                        "zone_id": zid,
                        "team_id": row.team_id,
                        "activity": row.activity.value,
                        "units": list(row.units),
                        "window_start": w.start,
                        "window_end": w.end,
                        "late_until": w.late_until,
                        "state": TaskState.TERJADWAL.value,
                    }
                )
        p.materialised_through = last
    if rows:
        # Core executemany (batched by SQLAlchemy's insertmanyvalues): one statement
        # compiled once; the unique (plan, zone, day) skips what already exists.
        table = PatrolTask.__table__
        stmt = (
            pg_insert(table)  # type: ignore[arg-type]
            .on_conflict_do_nothing(constraint="uq_patrol_task_plan_zone_day")
            .returning(table.c.id)
        )
        created = len(s.connection().execute(stmt, rows).all())
    s.flush()
    return created


# Reports a task may take (stored, not refused), matched on zone, activity and device time,
# and the team: the report's own, or, when it names none, any team its officer belonged to
# that day. One report fulfils one task.
_RECONCILE = text(
    """
WITH m AS (
  SELECT DISTINCT ON (r.id) t.id AS task_id, r.id AS report_id, r.started_at, r.units,
         r.started_at < t.window_end AS on_time
  FROM patrol_task t
  JOIN report r
    ON r.kecamatan_id = t.kecamatan_id AND r.zone_id = t.zone_id AND r.type = t.activity
   AND r.started_at >= t.window_start AND r.started_at < t.late_until
   AND r.review_state <> 'ditolak'
   AND (r.team_id = t.team_id OR (r.team_id IS NULL AND EXISTS (
        SELECT 1 FROM team_membership tm
        WHERE tm.team_id = t.team_id AND tm.user_id = r.officer_id
          AND tm.joined_on <= t.day AND (tm.left_on IS NULL OR tm.left_on >= t.day))))
  WHERE t.kecamatan_id = ANY(:kecamatan_ids) AND t.day BETWEEN :first AND :last
    AND t.report_id IS NULL
    AND NOT EXISTS (SELECT 1 FROM patrol_task u WHERE u.report_id = r.id)
  ORDER BY r.id, (r.started_at < t.window_end) DESC, t.window_start
), one AS (
  SELECT DISTINCT ON (task_id) * FROM m ORDER BY task_id, on_time DESC, started_at
)
UPDATE patrol_task t
   SET state = CASE WHEN one.on_time THEN 'selesai' ELSE 'terlambat' END,
       report_id = one.report_id, done_at = one.started_at,
       units_present = one.units, updated_at = now()
  FROM one WHERE t.id = one.task_id
"""
)


def reconcile(s: Session, kecamatan_ids: list[int], first: date, last: date) -> int:
    """Reports stored before their task existed (beat down, a plan made later) fulfil it."""
    if not kecamatan_ids:
        return 0
    res = s.execute(_RECONCILE, {"kecamatan_ids": kecamatan_ids, "first": first, "last": last})
    return int(getattr(res, "rowcount", 0) or 0)


def mark_missed(s: Session, now: datetime) -> int:
    """Open tasks whose window has ended are terlewat."""
    res = s.execute(
        update(PatrolTask)
        .where(PatrolTask.state == TaskState.TERJADWAL, PatrolTask.window_end <= now)
        .values(state=TaskState.TERLEWAT, updated_at=func.now())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(res, "rowcount", 0) or 0)


@dataclass(frozen=True)
class BeatResult:
    created: int
    fulfilled: int
    missed: int


def run_beat(uow: sessionmaker[Session], now: datetime | None = None) -> BeatResult:
    """Beat: today's tasks (and any day missed while beat was down, up to CATCH_UP_DAYS
    back), reports that were waiting for them, then the ended windows. Idempotent."""
    now = now or now_utc()
    today = now.astimezone(WIB).date()
    first = today - timedelta(days=rules.CATCH_UP_DAYS)
    with uow() as s, s.begin():
        created = _materialise_plans(s, None, first, today)
        kecamatan_ids = list(s.scalars(select(Kecamatan.id)))
        fulfilled = reconcile(s, kecamatan_ids, first, today) if created else 0
        missed = mark_missed(s, now)
    return BeatResult(created, fulfilled, missed)


# --- a report fulfils a task ------------------------------------------------------------


def _teams_of(s: Session, r: Report, day: date) -> list[Any]:
    """The report's team, or when it names none, every team its officer was in that day."""
    if r.team_id is not None:
        return [r.team_id]
    return list(
        s.scalars(
            select(TeamMembership.team_id).where(
                TeamMembership.user_id == r.officer_id,
                TeamMembership.joined_on <= day,
                or_(TeamMembership.left_on.is_(None), TeamMembership.left_on >= day),
            )
        )
    )


def _named_task(
    s: Session, r: Report, team_ids: list[Any], task_id: uuid.UUID
) -> tuple[Any, TaskState] | None:
    """The task the report names, when it is of the report's team, zone and activity and
    its time fits; else None (ignored without an error: the phone cannot fix it)."""
    t = s.execute(
        select(
            PatrolTask.id,
            PatrolTask.team_id,
            PatrolTask.day,
            PatrolTask.window_start,
            PatrolTask.window_end,
            PatrolTask.late_until,
            PatrolTask.state,
        )
        .where(
            PatrolTask.id == task_id,
            PatrolTask.kecamatan_id == r.kecamatan_id,
            PatrolTask.zone_id == r.zone_id,
            PatrolTask.activity == r.type,
            PatrolTask.team_id.in_(team_ids),
        )
        .with_for_update(skip_locked=True)
    ).first()
    if t is None:
        return None
    tid, team, day, ws, we, lu, state = t
    got = rules.named(
        rules.OpenTask(tid, team, rules.Window(ws, we, lu), state), day_start(day), r.started_at
    )
    return None if got is None else (tid, got)


def fulfil_report(s: Session, r: Report, task_id: uuid.UUID | None = None) -> TaskState | None:
    """Called in the transaction that stores a report: the task it names (`task_id`, when
    it fits: its team, zone and activity, and its day), else the task of its team, zone
    and activity whose window (or late allowance) holds the report's device time, is done."""
    if r.zone_id is None:
        return None
    at = r.started_at
    day = at.astimezone(WIB).date()
    team_ids = _teams_of(s, r, day)
    if not team_ids:
        return None
    chosen = _named_task(s, r, team_ids, task_id) if task_id is not None else None
    if chosen is None:
        candidates = s.execute(
            select(
                PatrolTask.id,
                PatrolTask.team_id,
                PatrolTask.window_start,
                PatrolTask.window_end,
                PatrolTask.late_until,
                PatrolTask.state,
            )
            .where(
                PatrolTask.zone_id == r.zone_id,
                PatrolTask.activity == r.type,
                PatrolTask.team_id.in_(team_ids),
                PatrolTask.day.between(day - timedelta(days=rules.MAX_SPAN_DAYS + 1), day),
                PatrolTask.window_start <= at,
                PatrolTask.late_until > at,
                PatrolTask.state != TaskState.SELESAI,
            )
            .with_for_update(skip_locked=True)
        ).all()
        found = rules.pick(
            [
                rules.OpenTask(tid, team, rules.Window(ws, we, lu), state)
                for tid, team, ws, we, lu, state in candidates
            ],
            team_ids,
            at,
        )
        if found is None:
            return None
        chosen = (found[0].id, found[1])
    tid, state = chosen
    s.execute(
        update(PatrolTask)
        .where(PatrolTask.id == tid)
        .values(
            state=state,
            report_id=r.id,
            done_at=at,
            units_present=list(r.units or []),
            updated_at=func.now(),
        )
        .execution_options(synchronize_session=False)
    )
    return state


def release_report(s: Session, r: Report) -> list[uuid.UUID]:
    """The report no longer fulfils its task (it was amended, or rejected in review): the
    task is open again, or terlewat when its window has ended, through the ORM so the
    change is audited; another waiting report of the team may then take it. Returns the
    tasks released."""
    tasks = list(
        s.scalars(
            select(PatrolTask)
            .where(PatrolTask.report_id == r.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    if not tasks:
        return []
    now = now_utc()
    for t in tasks:
        t.state = rules.reopened(rules.Window(t.window_start, t.window_end, t.late_until), now)
        t.report_id = None
        t.done_at = None
        t.units_present = []
    s.flush()
    return [t.id for t in tasks]


def retake(s: Session, r: Report, released: list[uuid.UUID]) -> None:
    """After release_report: tasks still open are offered to the team's other reports that
    were waiting (the report itself is not one of them while it is rejected)."""
    if not released:
        return
    days = list(s.scalars(select(PatrolTask.day).where(PatrolTask.id.in_(released))))
    if days:
        reconcile(s, [r.kecamatan_id], min(days), max(days))


# --- tasks: ad hoc, reasons, the officer's day ---------------------------------------------


@dataclass(frozen=True)
class AdhocInput:
    zone_id: uuid.UUID
    team_id: uuid.UUID
    activity: ReportType
    day: date
    window_start: str
    window_end: str
    units: list[str] | None = None
    late_minutes: int = 120
    note: str | None = None


@dataclass(frozen=True)
class TaskView:
    id: uuid.UUID
    day: date
    source: str
    plan_id: uuid.UUID | None
    plan_name: str | None
    zone_id: uuid.UUID
    zone_name: str
    kategori: str
    geometry: dict[str, Any] | None
    team_id: uuid.UUID
    team_name: str
    activity: str
    units: list[str]
    units_present: list[str]
    window_start: datetime
    window_end: datetime
    late_until: datetime
    state: str
    report_id: uuid.UUID | None
    done_at: datetime | None
    reason: str | None
    note: str | None


def _task_views(s: Session, q: Any, geometry: bool) -> list[TaskView]:
    rows = s.execute(
        q.add_columns(Zone.name, Zone.kategori, Zone.geom, Team.name, PatrolPlan.name)
        .join(Zone, Zone.id == PatrolTask.zone_id)
        .join(Team, Team.id == PatrolTask.team_id)
        .outerjoin(PatrolPlan, PatrolPlan.id == PatrolTask.plan_id)
        .order_by(PatrolTask.window_start, Zone.name, PatrolTask.id)
        # set-based updates (fulfil, missed) may have changed rows already in the session
        .execution_options(populate_existing=True)
    ).all()
    return [
        TaskView(
            id=t.id,
            day=t.day,
            source=t.source.value,
            plan_id=t.plan_id,
            plan_name=plan,
            zone_id=t.zone_id,
            zone_name=zname,
            kategori=kat.value,
            geometry=to_geojson(to_shape(geom)) if geometry else None,
            team_id=t.team_id,
            team_name=team,
            activity=t.activity.value,
            units=list(t.units),
            units_present=list(t.units_present),
            window_start=t.window_start,
            window_end=t.window_end,
            late_until=t.late_until,
            state=t.state.value,
            report_id=t.report_id,
            done_at=t.done_at,
            reason=t.reason,
            note=t.note,
        )
        for t, zname, kat, geom, team, plan in rows
    ]


def create_adhoc(uow: sessionmaker[Session], caller: Principal, inp: AdhocInput) -> TaskView:
    """A task outside the plans (a pimpinan's order, a complaint dispatch)."""
    kecamatan_id = _must_plan(caller)
    with uow() as s, s.begin():
        z = s.get(Zone, inp.zone_id)
        if z is None or z.kecamatan_id != kecamatan_id or not z.active:
            raise NotFound("Zona tidak ditemukan di kecamatan Anda.")
        team = _team(s, kecamatan_id, inp.team_id)
        start, end = rules.minutes(inp.window_start), rules.minutes(inp.window_end) or 1440
        span = 2 if end <= start else 1
        rules.check_window(start, end, span, inp.late_minutes)
        w = rules.window_of(
            rules.Version(0, inp.day, True, "FREQ=DAILY", start, end, span, inp.late_minutes),
            inp.day,
        )
        t = PatrolTask(
            id=uuid.uuid4(),
            kecamatan_id=kecamatan_id,
            source=TaskSource.ADHOC,
            day=inp.day,
            zone_id=z.id,
            team_id=team.id,
            activity=inp.activity,
            units=_units(team, inp.units),
            units_present=[],
            window_start=w.start,
            window_end=w.end,
            late_until=w.late_until,
            state=TaskState.TERJADWAL,
            note=(inp.note or "").strip() or None,
            created_by=caller.user_id,
        )
        s.add(t)
        s.flush()
        reconcile(s, [kecamatan_id], inp.day, inp.day)
        mark_missed(s, now_utc())
        return _task_views(s, select(PatrolTask).where(PatrolTask.id == t.id), True)[0]


def set_reason(
    uow: sessionmaker[Session], caller: Principal, task_id: uuid.UUID, reason: str
) -> TaskView:
    """Why a task was missed or late: by a member of its team (the team lead files it)
    or Seksi Trantib / admin."""
    with uow() as s, s.begin():
        t = s.scalar(select(PatrolTask).where(PatrolTask.id == task_id).with_for_update())
        if t is None or not caller.scope.allows(t.kecamatan_id):
            raise NotFound("Tugas tidak ditemukan.")
        if caller.role not in PLANNERS:
            member = s.scalar(
                select(TeamMembership.id).where(
                    TeamMembership.team_id == t.team_id,
                    TeamMembership.user_id == caller.user_id,
                    TeamMembership.joined_on <= t.day,
                    or_(TeamMembership.left_on.is_(None), TeamMembership.left_on >= t.day),
                )
            )
            if member is None:
                raise Forbidden("Hanya anggota tim ini atau Seksi Trantib yang mengisi alasan.")
        if t.state not in (TaskState.TERLEWAT, TaskState.TERLAMBAT):
            raise Conflict(
                f"Tugas ini {t.state.value}; alasan hanya untuk yang terlewat/terlambat."
            )
        t.reason = reason.strip()
        t.reason_by = caller.user_id
        t.reason_at = now_utc()
        s.flush()
        return _task_views(s, select(PatrolTask).where(PatrolTask.id == t.id), False)[0]


@dataclass(frozen=True)
class MyTasks:
    date: date
    tasks: list[TaskView]
    etag: str


def my_tasks(uow: sessionmaker[Session], caller: Principal, on: date | None) -> MyTasks:
    """The tasks of the caller's teams (as they were on that day) whose window touches the
    day, with the zone's geometry; the ETag changes when any of them does."""
    day = on or today_wib()
    with uow() as s:
        teams = select(TeamMembership.team_id).where(
            TeamMembership.user_id == caller.user_id,
            TeamMembership.joined_on <= day,
            or_(TeamMembership.left_on.is_(None), TeamMembership.left_on >= day),
        )
        q = select(PatrolTask).where(
            PatrolTask.team_id.in_(teams),
            PatrolTask.day.between(day - timedelta(days=rules.MAX_SPAN_DAYS), day),
            PatrolTask.window_start < day_after(day),
            PatrolTask.window_end > day_start(day),
        )
        tasks = _task_views(s, q, True)
    digest = hashlib.sha256(
        json.dumps(
            [day.isoformat()]
            + [
                [str(t.id), t.state, str(t.report_id), t.reason, t.window_end.isoformat()]
                for t in tasks
            ],
        ).encode()
    ).hexdigest()[:32]
    return MyTasks(day, tasks, digest)


def _window_label(t: TaskView) -> str:
    """'07:00-16:00' WIB; '00:00-24:00' for a whole day; '(+N hari)' when it ends later."""
    total = int((t.window_end - day_start(t.day)).total_seconds() // 60)
    days, mins = divmod(total, 1440)
    if mins == 0 and days >= 1:
        days, mins = days - 1, 1440
    more = f" (+{days} hari)" if days else ""
    return f"{t.window_start.astimezone(WIB):%H:%M}-{rules.hhmm(mins)}{more}"


def tasks_csv(uow: sessionmaker[Session], caller: Principal, on: date | None = None) -> bytes:
    """The `tugas.csv` media of the ODK forms: the caller's tasks of the day (WIB), so
    Collect lists them offline and a submission can name its task."""
    mine = my_tasks(uow, caller, on)
    return rules.tasks_csv(
        (
            str(t.id),
            str(t.zone_id),
            t.zone_name,
            t.activity,
            _window_label(t),
            t.state,
            " ".join(t.units),
        )
        for t in mine.tasks
    )


def realisasi(s: Session, kecamatan_id: int, period: Period) -> list[dict[str, Any]]:
    """LKIP "realisasi kegiatan": tasks per triwulan of the period's year (up to its end)
    and activity: planned, on time, late, missed, still open, 3-pilar units expected and
    present."""
    T = PatrolTask
    quarter = func.extract("quarter", T.day)
    present = select(func.count()).select_from(func.unnest(T.units).alias("u"))
    present = present.where(text("u = ANY(patrol_task.units_present)"))
    q = (
        select(
            quarter,
            T.activity,
            func.count(),
            func.count().filter(T.state == TaskState.SELESAI),
            func.count().filter(T.state == TaskState.TERLAMBAT),
            func.count().filter(T.state == TaskState.TERLEWAT),
            func.count().filter(T.state == TaskState.TERJADWAL),
            func.coalesce(func.sum(func.cardinality(T.units)), 0),
            func.coalesce(func.sum(present.scalar_subquery()), 0),
        )
        .where(
            T.kecamatan_id == kecamatan_id,
            T.day.between(date(period.year, 1, 1), period.end),
        )
        .group_by(quarter, T.activity)
        .order_by(quarter, T.activity)
    )
    return [
        {
            "triwulan": Period("quarter", period.year, int(qn)).label,
            "activity": act.value,
            "planned": n,
            "on_time": ok,
            "late": late,
            "missed": miss,
            "open": open_,
            "units_expected": int(ue),
            "units_present": int(up),
        }
        for qn, act, n, ok, late, miss, open_, ue, up in s.execute(q)
    ]


# --- coverage ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    key: str
    label: str
    bucket: date
    planned: int
    selesai: int
    terlambat: int
    terlewat: int
    terjadwal: int
    realisasi_pct: float | None
    units_expected: int
    units_present: int


@dataclass(frozen=True)
class StaleZone:
    zone_id: uuid.UUID
    name: str
    last_patrol: date | None
    days_without: int | None


@dataclass(frozen=True)
class Coverage:
    kecamatan: str
    period: str
    start: date
    end: date
    group_by: str
    bucket: str
    stale_days: int
    rows: list[CoverageRow]
    zones_without_patrol: list[StaleZone]


_GROUPS = {"zona": "zone", "tim": "team", "kelurahan": "kelurahan", "kecamatan": "kecamatan"}


def coverage(
    uow: sessionmaker[Session],
    scope: Scope,
    kecamatan: str,
    period: Period,
    group_by: str = "zona",
    bucket: str = "periode",
    stale_days: int | None = None,
) -> Coverage:
    """Planned vs done (on time), late, missed and still open, per zone / team / kelurahan
    and day / week / month of the period; and the zones without an accepted patrol for N
    days (by default the stale_days of the assessment rules in force)."""
    with uow() as s:
        k = get_kecamatan_by_slug(s, scope, kecamatan)
        if stale_days is None:
            stale_days = current_rules(s, k.id).stale_days
        T = PatrolTask
        key: Any
        label: Any
        b: Any
        if group_by == "tim":
            key, label = cast(T.team_id, String), Team.name
        elif group_by == "kelurahan":
            key = func.coalesce(Kelurahan.slug, "-")
            label = func.coalesce(Kelurahan.name, "Tanpa kelurahan")
        elif group_by == "kecamatan":
            key, label = literal(k.slug, String), literal(k.name, String)
        else:
            key, label = cast(T.zone_id, String), Zone.name
        if bucket in ("minggu", "bulan", "hari"):
            unit = {"minggu": "week", "bulan": "month", "hari": "day"}[bucket]
            b = cast(func.date_trunc(unit, T.day), Date)
        else:
            b = literal(period.start, Date)
        units_in = func.coalesce(
            func.sum(
                select(func.count())
                .select_from(func.unnest(T.units).alias("u"))
                .where(text("u = ANY(patrol_task.units_present)"))
                .scalar_subquery()
            ),
            0,
        )
        q = (
            select(
                key.label("key"),
                label.label("label"),
                b.label("bucket"),
                func.count(),
                func.count().filter(T.state == TaskState.SELESAI),
                func.count().filter(T.state == TaskState.TERLAMBAT),
                func.count().filter(T.state == TaskState.TERLEWAT),
                func.count().filter(T.state == TaskState.TERJADWAL),
                func.coalesce(func.sum(func.cardinality(T.units)), 0),
                units_in,
            )
            .select_from(T)
            .join(Zone, Zone.id == T.zone_id)
            .join(Team, Team.id == T.team_id)
            .outerjoin(Kelurahan, Kelurahan.id == Zone.kelurahan_id)
            .where(T.kecamatan_id == k.id, T.day.between(period.start, period.end))
            .group_by(text("1"), text("2"), text("3"))
            .order_by(text("3"), text("2"), text("1"))
        )
        rows = [
            CoverageRow(
                str(kk),
                str(lab),
                bk,
                n,
                ok,
                late,
                miss,
                open_,
                rules.pct(ok + late, n - open_),
                int(ue),
                int(up),
            )
            for kk, lab, bk, n, ok, late, miss, open_, ue, up in s.execute(q)
        ]
        today = today_wib()
        seen = last_patrols(s, k.id)  # accepted patrols, as the zone panel counts them
        stale: list[StaleZone] = []
        for zid, name in s.execute(
            select(Zone.id, Zone.name)
            .where(Zone.kecamatan_id == k.id, Zone.active.is_(True))
            .order_by(Zone.name)
        ):
            last = seen.get(zid)
            days, flagged = staleness(last, today, stale_days)
            if flagged:
                seen_day = last.astimezone(WIB).date() if last is not None else None
                stale.append(StaleZone(zid, name, seen_day, days))
        return Coverage(
            k.slug,
            period.label,
            period.start,
            period.end,
            group_by,
            bucket,
            stale_days,
            rows,
            stale,
        )
