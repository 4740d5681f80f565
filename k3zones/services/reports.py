"""Patrol and penertiban reports: submission safe to repeat, amendment with every version
kept, review by Seksi Trantib. Reading is in k3zones.services.report_views."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from geoalchemy2 import Geometry
from geoalchemy2.shape import from_shape
from sqlalchemy import Date, DateTime, Uuid, and_, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from k3zones import plans as plan_rules
from k3zones.audit import insert_with_entry
from k3zones.db import autocommit_session, run
from k3zones.enums import TaskState
from k3zones.errors import Conflict, FieldError, Forbidden, InvalidInput
from k3zones.evidence import EvidenceRules, report_flags, summarise
from k3zones.models import (
    IdempotencyRecord,
    PatrolTask,
    Report,
    ReportVersion,
    ReviewState,
    Role,
    Team,
    TeamKind,
    TeamMembership,
    Zone,
)
from k3zones.periods import WIB, now_utc
from k3zones.principal import Principal
from k3zones.reports import ReportInput, body_hash, parse_report
from k3zones.services.plans import fulfil_report, release_report, retake
from k3zones.services.report_views import (
    full_dict,
    load_visible,
    names,
    photos_of,
    report_dict,
)
from k3zones.services.zone_status import enqueue_recompute
from k3zones.spatial import distance_m

REPORTERS = {Role.PETUGAS, Role.TRANTIB, Role.ADMIN}
REVIEWERS = {Role.TRANTIB, Role.ADMIN}
# Set only by a reviewer: an officer who sends them is refused, not silently ignored.
REVIEW_FIELDS = ("review_state", "review_note", "reviewed_by", "reviewed_at")


# --- submission ------------------------------------------------------------------------


def _check_refs(
    s: Session, caller: Principal, inp: ReportInput
) -> tuple[Zone | None, Team | None, list[FieldError]]:
    errors: list[FieldError] = []
    zone = team = None
    if inp.zone_id is not None:
        zone = s.get(Zone, inp.zone_id)
        if zone is None or zone.kecamatan_id != caller.kecamatan_id:
            errors.append(FieldError(("zone_id",), "Zona tidak ditemukan di kecamatan Anda."))
            zone = None
        elif not zone.active:
            errors.append(FieldError(("zone_id",), "Zona ini sudah dipensiunkan."))
    if inp.team_id is not None:
        team = s.get(Team, inp.team_id)
        on = inp.started_at.astimezone(WIB).date() if inp.started_at else None
        member = (
            team is not None
            and team.kecamatan_id == caller.kecamatan_id
            and s.scalar(
                select(TeamMembership.id).where(
                    TeamMembership.team_id == team.id,
                    TeamMembership.user_id == caller.user_id,
                    TeamMembership.joined_on <= on,
                    or_(TeamMembership.left_on.is_(None), TeamMembership.left_on >= on),
                )
            )
            is not None
        )
        if not member:
            errors.append(
                FieldError(("team_id",), "Anda bukan anggota tim ini pada tanggal laporan.")
            )
            team = None
    return zone, team, errors


# Built once: on the path of every report, SQLAlchemy then only binds the values.
_POINT = bindparam("point", type_=Geometry("POINT", srid=4326))
_TEAM = bindparam("team_id", type_=Uuid())
_DAY = bindparam("day", type_=Date())
_AT = bindparam("at", type_=DateTime(timezone=True))
# Whether the zone has a task (jadwal) the report could fulfil: open, of its activity, a
# window (or late allowance) holding its device time, and of its team, or of a team its
# officer was in that day. A superset of what plans.fulfil_report picks (that re-checks
# with row locks), answered in the zone query's round trip, so a report where no task
# waits (the common case) skips the two queries of the task match.
_OPEN_TASK = (
    select(PatrolTask.id)
    .where(
        PatrolTask.zone_id == Zone.id,
        PatrolTask.activity == bindparam("activity"),
        PatrolTask.day.between(bindparam("day_from", type_=Date()), _DAY),
        PatrolTask.window_start <= _AT,
        PatrolTask.late_until > _AT,
        PatrolTask.state != TaskState.SELESAI,
        or_(
            PatrolTask.team_id == _TEAM,
            and_(
                _TEAM.is_(None),
                PatrolTask.team_id.in_(
                    select(TeamMembership.team_id).where(
                        TeamMembership.user_id == bindparam("officer_id"),
                        TeamMembership.joined_on <= _DAY,
                        or_(TeamMembership.left_on.is_(None), TeamMembership.left_on >= _DAY),
                    )
                ),
            ),
        ),
    )
    .exists()
)
_DISTANCE_TO_AREA = select(distance_m(Zone.monitoring_area, _POINT), _OPEN_TASK).where(
    Zone.id == bindparam("zone_id")
)
_NEAREST_ZONE = (
    select(Zone.id, Zone.name, _OPEN_TASK)
    .where(
        Zone.kecamatan_id == bindparam("kecamatan_id"),
        Zone.active.is_(True),
        func.ST_Intersects(Zone.monitoring_area, _POINT),
    )
    .order_by(distance_m(Zone.geom, _POINT))
    .limit(1)
)


@dataclass(frozen=True)
class _Match:
    zone_id: uuid.UUID | None
    zone_name: str | None
    how: str  # given | gps | none
    distance_m: float | None  # outside the zone's monitoring area (0 inside)
    task_open: bool  # a task (jadwal) of the zone may take this report


def _match_zone(s: Session, r: Report, zone: Zone | None) -> _Match:
    """The zone a report belongs to, how it was decided, how far the fix lies outside
    that zone's monitoring area, and whether a task of the zone waits. One query."""
    at = r.started_at
    day = at.astimezone(WIB).date()
    params = {
        "point": r.gps,  # the fix, as _apply bound it
        "activity": r.type,
        "day_from": day - timedelta(days=plan_rules.MAX_SPAN_DAYS + 1),
        "day": day,
        "at": at,
        "team_id": r.team_id,
        "officer_id": r.officer_id,
    }
    # Compiled once, on the session's connection: columns, not entities, and none of the
    # ORM's or Core's per-execution work (most of this call's CPU).
    conn = s.connection()
    if zone is not None:
        ((d, task_open),) = run(conn, _DISTANCE_TO_AREA, params | {"zone_id": zone.id})
        return _Match(zone.id, zone.name, "given", float(d or 0), bool(task_open))
    found = run(conn, _NEAREST_ZONE, params | {"kecamatan_id": r.kecamatan_id})
    if found:
        nearest = found[0]
        return _Match(nearest[0], nearest[1], "gps", 0.0, bool(nearest[2]))
    return _Match(None, None, "none", None, False)


def _apply(r: Report, inp: ReportInput, team: Team | None) -> None:
    assert inp.type and inp.started_at and inp.location is not None
    r.type = inp.type
    r.team_id = team.id if team else None
    if inp.units is not None:
        r.units = inp.units
    elif team is not None and team.kind == TeamKind.TIGA_PILAR:
        r.units = list(team.units)  # the whole team was there unless the phone says less
    else:
        r.units = []
    r.started_at = inp.started_at
    r.started_offset_min = inp.started_offset_min
    r.ended_at = inp.ended_at
    r.ended_offset_min = inp.ended_offset_min
    r.gps = from_shape(inp.location, srid=4326, extended=True)
    r.gps_accuracy_m = inp.accuracy_m
    r.findings = [i.as_dict() for i in inp.findings]
    r.actions = [i.as_dict() for i in inp.actions]
    r.violation_total = inp.violation_total
    r.notes = inp.notes
    r.photos_expected = inp.photos_expected


def _flags(
    s: Session,
    rules: EvidenceRules,
    r: Report,
    inp: ReportInput,
    zone: Zone | None,
    received: datetime,
) -> _Match:
    """Match the zone and set the flags; returns the match (the zone's name in it)."""
    m = _match_zone(s, r, zone)
    r.zone_id, r.zone_match = m.zone_id, m.how
    own = report_flags(
        rules,
        started_at=r.started_at,
        received_at=received,
        accuracy_m=float(inp.accuracy_m) if inp.accuracy_m is not None else None,
        zone_matched=m.zone_id is not None,
        zone_distance_m=m.distance_m,
    )
    photo_flags = [p.flags for p in photos_of(s, r.id)] if r.photos_received else []
    r.flags = summarise(own, photo_flags)
    return m


@dataclass(frozen=True)
class Submitted:
    body: dict[str, Any]  # the first answer, the same on every repeat
    created: bool


def _same_request(s: Session, user_id: uuid.UUID, key: str, digest: str) -> Submitted | None:
    rec = s.get(IdempotencyRecord, (user_id, key))
    if rec is None:
        return None
    if rec.body_hash != digest:
        raise InvalidInput(
            "Kunci ini sudah dipakai untuk laporan dengan isi berbeda. Buat id (UUID) baru "
            "untuk laporan baru, atau ubah laporan lewat PATCH.",
            [FieldError(("id",), "Isi berbeda dari kiriman pertama dengan kunci yang sama.")],
        )
    return Submitted(rec.response, created=False)


def submit_report(
    uow: sessionmaker[Session],
    rules: EvidenceRules,
    caller: Principal,
    body: Any,
    idempotency_key: str | None = None,
    source: str = "api",
) -> Submitted:
    """Create a report. Repeating the same request (same id or Idempotency-Key, same
    body) returns the first answer and creates nothing; a different body is refused."""
    if caller.role not in REPORTERS or caller.kecamatan_id is None:
        raise Forbidden("Peran Anda tidak dapat mengirim laporan lapangan.")
    inp, errors = parse_report(body)
    if errors:
        raise InvalidInput("Laporan belum benar.", errors)
    assert inp.id is not None
    digest = body_hash(body)
    for attempt in range(2):
        try:
            # The first try assumes a new report (the common case: no extra query); a
            # duplicate id fails the insert, and the second try answers it as a repeat.
            return _submit_once(
                uow, rules, caller, inp, digest, idempotency_key, source, check_existing=attempt > 0
            )
        except IntegrityError:
            # A concurrent copy of this request won the insert; answer as a repeat.
            if attempt == 1:
                raise
    raise AssertionError("unreachable")


def _submit_once(
    uow: sessionmaker[Session],
    rules: EvidenceRules,
    caller: Principal,
    inp: ReportInput,
    digest: str,
    idempotency_key: str | None,
    source: str,
    *,
    check_existing: bool,
) -> Submitted:
    assert inp.id is not None
    header_key = f"header:{idempotency_key}" if idempotency_key else None
    # Reads first, then (the common case) one statement writing the report with its audit
    # row and chain entry: atomic by itself, so on an autocommit connection, without the
    # BEGIN and COMMIT round trips.
    with autocommit_session(uow) as s:
        if header_key:
            repeat = _same_request(s, caller.user_id, header_key, digest)
            if repeat:
                return repeat
        existing = s.get(Report, inp.id) if check_existing else None
        if existing is not None:
            if existing.officer_id != caller.user_id:
                raise Conflict("id laporan ini sudah dipakai; buat UUID baru di ponsel.")
            if existing.body_hash == digest:
                return Submitted(existing.first_response, created=False)
            raise InvalidInput(
                "Laporan dengan id ini sudah terkirim dengan isi berbeda. Untuk mengubahnya "
                "gunakan PATCH; untuk laporan baru buat id (UUID) baru.",
                [FieldError(("id",), "Isi berbeda dari kiriman pertama dengan id yang sama.")],
            )
        zone, team, errors = _check_refs(s, caller, inp)
        if errors:
            raise InvalidInput("Laporan belum benar.", errors)
        received = now_utc()
        assert caller.kecamatan_id is not None
        r = Report(
            id=inp.id,
            kecamatan_id=caller.kecamatan_id,
            officer_id=caller.user_id,
            body_hash=digest,
            source=source,
            photos_received=0,
            version=1,
            review_state=ReviewState.MENUNGGU,
            received_at=received,
        )
        _apply(r, inp, team)
        match = _flags(s, rules, r, inp, zone, received)
        # Everything the answer shows is known here, so the report row carries its own
        # first answer (for retries) and one INSERT writes both.
        body = report_dict(
            r,
            zone_name=match.zone_name,
            officer=caller.username,
            team_name=team.name if team else None,
            officer_name=caller.full_name,  # the officer reads their own name
        )
        r.first_response = body
        fulfils = inp.task_id is not None or match.task_open
        if not fulfils and not header_key:
            insert_with_entry(s, r)
            return Submitted(body, created=True)
    # A task (jadwal) to fulfil or an idempotency record to keep: more than one write, in
    # one transaction (fulfil_report locks the task rows and checks them again).
    with uow() as s, s.begin():
        insert_with_entry(s, r)
        if fulfils:
            fulfil_report(s, r, inp.task_id)  # the team's planned task of this zone (jadwal)
        if header_key:
            s.add(
                IdempotencyRecord(
                    user_id=caller.user_id,
                    key=header_key,
                    body_hash=digest,
                    response=body,
                )
            )
        s.flush()
        return Submitted(body, created=True)


def amend_report(
    uow: sessionmaker[Session],
    rules: EvidenceRules,
    caller: Principal,
    report_id: uuid.UUID,
    body: Any,
) -> dict[str, Any]:
    """The officer corrects a report (after perlu_perbaikan, or before review). The
    previous version is kept as it was; the report goes back to the review queue."""
    if isinstance(body, dict):
        refused = [f for f in REVIEW_FIELDS if f in body]
        if refused:
            raise Forbidden(
                "Status tinjauan hanya dapat diisi Seksi Trantib.",
                [FieldError((f,), "Tidak boleh diisi pengirim laporan.") for f in refused],
            )
        if "id" in body and str(body["id"]) != str(report_id):
            raise InvalidInput("id laporan tidak cocok.", [FieldError(("id",), "Harus sama.")])
        body = {k: v for k, v in body.items() if k != "id"}
    inp, errors = parse_report(body, require_id=False)
    if errors:
        raise InvalidInput("Laporan belum benar.", errors)
    with uow() as s, s.begin():
        r = load_visible(s, caller, report_id, lock=True)
        if r.officer_id != caller.user_id:
            raise Forbidden("Hanya pengirim laporan yang dapat mengubahnya.")
        if r.review_state not in (ReviewState.MENUNGGU, ReviewState.PERLU_PERBAIKAN):
            raise Conflict(f"Laporan sudah {r.review_state.value} dan tidak dapat diubah lagi.")
        if inp.photos_expected < r.photos_received:
            raise InvalidInput(
                "Jumlah foto kurang dari yang sudah terkirim.",
                [FieldError(("photos_expected",), f"Sudah {r.photos_received} foto terkirim.")],
            )
        zone, team, errors = _check_refs(s, caller, inp)
        if errors:
            raise InvalidInput("Laporan belum benar.", errors)
        before = (r.zone_id, r.type, r.started_at, r.team_id)
        s.add(
            ReportVersion(
                report_id=r.id,
                version=r.version,
                snapshot=report_dict(r, **names(s, r)),
                review_state=r.review_state.value,
                review_note=r.review_note,
            )
        )
        _apply(r, inp, team)
        _flags(s, rules, r, inp, zone, r.received_at)
        if inp.task_id is not None or before != (r.zone_id, r.type, r.started_at, r.team_id):
            # Its task (jadwal) may no longer be its own: reopen it, then match again.
            s.flush()
            released = release_report(s, r)
            fulfil_report(s, r, inp.task_id)
            retake(s, r, released)
        r.version += 1
        r.review_state = ReviewState.MENUNGGU
        r.review_note = None
        r.reviewed_by = None
        r.reviewed_at = None
        s.flush()
        s.refresh(r)
        return full_dict(s, r)


def review_report(
    uow: sessionmaker[Session],
    caller: Principal,
    report_id: uuid.UUID,
    state: ReviewState,
    note: str | None,
) -> dict[str, Any]:
    if caller.role not in REVIEWERS:
        raise Forbidden("Hanya Seksi Trantib yang meninjau laporan.")
    if state == ReviewState.MENUNGGU:
        raise InvalidInput(
            "Status tinjauan tidak valid.",
            [FieldError(("state",), "Pilih diterima, perlu_perbaikan, atau ditolak.")],
        )
    if state in (ReviewState.PERLU_PERBAIKAN, ReviewState.DITOLAK) and not (note or "").strip():
        raise InvalidInput(
            "Catatan wajib diisi.",
            [FieldError(("note",), "Tuliskan apa yang perlu diperbaiki atau alasan penolakan.")],
        )
    with uow() as s, s.begin():
        r = load_visible(s, caller, report_id, lock=True)
        if r.officer_id == caller.user_id:
            raise Forbidden("Laporan sendiri tidak dapat ditinjau sendiri.")
        was_counted = r.review_state == ReviewState.DITERIMA
        was_rejected = r.review_state == ReviewState.DITOLAK
        r.review_state = state
        r.review_note = (note or "").strip() or None
        r.reviewed_by = caller.user_id
        r.reviewed_at = now_utc()
        s.flush()
        if state == ReviewState.DITOLAK and not was_rejected:
            retake(s, r, release_report(s, r))  # a rejected report fulfils no task
        elif was_rejected and state != ReviewState.DITOLAK:
            fulfil_report(s, r)  # counted again: its task, if still open
        if was_counted or state == ReviewState.DITERIMA:
            # Only accepted reports count for a zone's status: recompute it (coalesced).
            enqueue_recompute(s, r.zone_id)
        return full_dict(s, r)
