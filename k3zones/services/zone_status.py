"""Zone status from accepted reports, Seksi Trantib's verification, and its history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Date, and_, cast, distinct, func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session, sessionmaker

from k3zones import plans as plan_rules
from k3zones.assessment import (
    VALID_DAYS_MAX,
    VALID_DAYS_MIN,
    VIOLATING_COMPLAINT_STATES,
    Rules,
    ZoneCounts,
    classify,
    complaints_count,
    reverify_due,
    verification_expires,
    verification_holds,
    window,
)
from k3zones.enums import ComplaintState
from k3zones.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from k3zones.models import (
    AssessmentRule,
    Complaint,
    ComplaintTransition,
    Kelurahan,
    Report,
    ReportType,
    ReviewState,
    Role,
    TertibKategori,
    Zone,
    ZoneStatus,
    ZoneStatusChange,
    ZoneStatusValue,
)
from k3zones.outbox import enqueue
from k3zones.periods import WIB, day_start, now_utc
from k3zones.principal import Principal
from k3zones.scope import Scope
from k3zones.services.reference import get_kecamatan_by_slug

RECOMPUTE_TASK = "workers.tasks.recompute_zone"
VERIFIERS = {Role.TRANTIB, Role.ADMIN}
DEFAULT = Rules(version=1)


class Keep(Enum):
    """An option of new_rules left out: it keeps its value of the version in force."""

    KEEP = "keep"


def current_rules(s: Session, kecamatan_id: int) -> Rules:
    row = s.scalar(
        select(AssessmentRule)
        .where(AssessmentRule.kecamatan_id == kecamatan_id)
        .order_by(AssessmentRule.version.desc())
        .limit(1)
    )
    if row is None:
        return DEFAULT
    return _rules_of(row)


def _rules_of(row: AssessmentRule) -> Rules:
    return Rules(
        row.version,
        row.min_penertiban,
        row.window_days,
        row.min_patrols,
        row.complaints_violate,
        row.stale_days,
        row.verification_valid_days,
    )


def _wib_day(col: Any) -> Any:
    return cast(func.timezone("Asia/Jakarta", col), Date)


def counts_at(
    s: Session,
    kecamatan_id: int,
    at: datetime,
    rules: Rules,
    zone_ids: list[uuid.UUID] | None = None,
) -> dict[uuid.UUID, ZoneCounts]:
    """What the accepted reports up to `at` say, per zone: one aggregate query."""
    first_day, _ = window(at, rules.window_days)
    start = day_start(first_day)
    in_window = and_(Report.type == ReportType.PATROLI, Report.started_at >= start)
    violating = and_(in_window, Report.violation_total > 0)
    q = (
        select(
            Report.zone_id,
            func.count().filter(Report.type == ReportType.PENERTIBAN),
            func.count(distinct(_wib_day(Report.started_at))).filter(
                and_(in_window, Report.violation_total == 0)
            ),
            func.count().filter(violating),
            func.max(_wib_day(Report.started_at)).filter(violating),
        )
        .where(
            Report.kecamatan_id == kecamatan_id,
            Report.zone_id.is_not(None),
            Report.review_state == ReviewState.DITERIMA,
            Report.started_at <= at,
        )
        .group_by(Report.zone_id)
    )
    if zone_ids is not None:
        q = q.where(Report.zone_id.in_(zone_ids))
    else:
        # The kecamatan's zones by name: each zone's reports then come from the index on
        # (zone_id, started_at) alone (migration 0018), not from the kecamatan's rows spread
        # over the whole table. The same rows: a report's zone is in its kecamatan.
        q = q.where(Report.zone_id.in_(select(Zone.id).where(Zone.kecamatan_id == kecamatan_id)))
    return {
        zid: ZoneCounts(
            penertiban=pen, patrol_days=days, violating_patrols=bad, last_violation_day=last
        )
        for zid, pen, days, bad, last in s.execute(q)
    }


def _evidence(s: Session, zone_id: uuid.UUID, at: datetime, rules: Rules) -> dict[str, list[str]]:
    """The reports a status rests on, by id (what a reviewer opens to check it)."""
    first_day, _ = window(at, rules.window_days)
    start = day_start(first_day)
    base = select(Report.id).where(
        Report.zone_id == zone_id,
        Report.review_state == ReviewState.DITERIMA,
        Report.started_at <= at,
    )
    pen = s.scalars(
        base.where(Report.type == ReportType.PENERTIBAN)
        .order_by(Report.started_at.desc())
        .limit(10)
    )
    patrols = s.scalars(
        base.where(Report.type == ReportType.PATROLI, Report.started_at >= start)
        .order_by(Report.started_at.desc())
        .limit(50)
    )
    return {"penertiban": [str(i) for i in pen], "patroli_dalam_jendela": [str(i) for i in patrols]}


def _violation_after(s: Session, zone_id: uuid.UUID, since: datetime, until: datetime) -> Any:
    return s.scalar(
        select(Report.id)
        .where(
            Report.zone_id == zone_id,
            Report.review_state == ReviewState.DITERIMA,
            Report.violation_total > 0,
            Report.started_at > since,
            Report.started_at <= until,
        )
        .order_by(Report.started_at)
        .limit(1)
    )


_VIOLATING = [st.value for st in VIOLATING_COMPLAINT_STATES]


def _open_complaints(s: Session, zone_id: uuid.UUID) -> list[tuple[uuid.UUID, str, str]]:
    """The zone's complaints staff accepted as real and have not closed (merged ones are
    ditolak): (id, code, state), oldest first."""
    rows = s.execute(
        select(Complaint.id, Complaint.code, Complaint.state)
        .where(
            Complaint.zone_id == zone_id,
            Complaint.state.in_(VIOLATING_COMPLAINT_STATES),
            Complaint.duplicate_of.is_(None),
        )
        .order_by(Complaint.received_at, Complaint.code)
        .limit(100)
    )
    return [(cid, code, state.value) for cid, code, state in rows]


def _complaint_after(s: Session, zone_id: uuid.UUID, since: datetime) -> str | None:
    """An open complaint of the zone that staff accepted after `since` (its code): like a
    violating report after a verification, it makes the verification fall."""
    return s.scalar(
        select(Complaint.code)
        .join(ComplaintTransition, ComplaintTransition.complaint_id == Complaint.id)
        .where(
            Complaint.zone_id == zone_id,
            Complaint.state.in_(VIOLATING_COMPLAINT_STATES),
            Complaint.duplicate_of.is_(None),
            ComplaintTransition.to_state == ComplaintState.DITERIMA.value,
            or_(
                ComplaintTransition.from_state.is_(None),
                ComplaintTransition.from_state.not_in(_VIOLATING),
            ),
            ComplaintTransition.at > since,
        )
        .order_by(ComplaintTransition.at)
        .limit(1)
    )


def _change(
    s: Session, zs: ZoneStatus, kind: str, old: str | None, reason: str, actor: str, at: datetime
) -> None:
    s.add(
        ZoneStatusChange(
            zone_id=zs.zone_id,
            kecamatan_id=zs.kecamatan_id,
            at=at,
            kind=kind,
            from_status=old,
            to_status=zs.status.value,
            kategori=zs.kategori.value if zs.kategori else None,
            reason=reason,
            actor=actor,
            rule_version=zs.rule_version,
            evidence=zs.evidence,
        )
    )


def _lock_status(s: Session, zone: Zone, rules: Rules, at: datetime) -> ZoneStatus:
    zs = s.scalar(select(ZoneStatus).where(ZoneStatus.zone_id == zone.id).with_for_update())
    if zs is None:
        zs = ZoneStatus(
            zone_id=zone.id,
            kecamatan_id=zone.kecamatan_id,
            status=ZoneStatusValue.BELUM_TERTIB,
            rule_version=rules.version,
            evidence={},
            computed_at=at,
        )
        s.add(zs)
    return zs


def recompute_zone(uow: sessionmaker[Session], zone_id: uuid.UUID, actor: str = "sistem") -> str:
    """Bring one zone's status up to date with its accepted reports. Idempotent."""
    with uow() as s, s.begin():
        zone = s.get(Zone, zone_id)
        if zone is None:
            return "hilang"
        return recompute_in(s, zone, actor)


def recompute_in(
    s: Session,
    zone: Zone,
    actor: str,
    kind: str = "compute",
    why: str | None = None,
    at: datetime | None = None,
) -> str:
    at = at or now_utc()
    rules = current_rules(s, zone.kecamatan_id)
    counts = counts_at(s, zone.kecamatan_id, at, rules, [zone.id]).get(zone.id, ZoneCounts())
    counts.open_complaints = [code for _, code, _ in _open_complaints(s, zone.id)]
    computed, reason = classify(rules, counts)
    zs = _lock_status(s, zone, rules, at)
    old = zs.status.value if zs.status else None
    if why:
        reason = f"{why} {reason}"
    if zs.verified_at is not None and not verification_holds(zs.verified_at, rules, at):
        # Expired: the zone is what its reports say until Seksi Trantib verifies it again;
        # the last verification stays on record (it shows "perlu verifikasi ulang"). Not a
        # fallback: rules that let it hold longer bring it back (tertib_at reads it so too).
        ends = verification_expires(zs.verified_at, rules).strftime("%d-%m-%Y")
        reason = f"Masa berlaku verifikasi berakhir {ends}; perlu verifikasi ulang. " + reason
        zs.kategori = None
    elif zs.verified_at is not None:
        bad = _violation_after(s, zone.id, zs.verified_at, at)
        complaint = (
            _complaint_after(s, zone.id, zs.verified_at)
            if bad is None and complaints_count(rules, counts)
            else None
        )
        if bad is None and complaint is None:
            computed, reason = ZoneStatusValue.TERTIB, "Terverifikasi Seksi Trantib."
        else:
            kind = "fallback"
            found = f"laporan {bad}" if bad is not None else f"pengaduan {complaint}"
            reason = f"Pelanggaran kembali ditemukan ({found}); verifikasi gugur. " + reason
            zs.verified_at = zs.verified_by = zs.verification_note = None
            zs.kategori = None
            zs.verified_without_evidence = False
    zs.rule_version = rules.version
    zs.evidence = {
        **_evidence(s, zone.id, at, rules),
        "alasan": [reason],
        "hari_patroli": [str(counts.patrol_days)],
    }
    if complaints_count(rules, counts):
        zs.evidence["pengaduan_terbuka"] = list(counts.open_complaints)
    zs.computed_at = at
    changed = zs.status != computed
    zs.status = computed
    s.flush()
    if changed or old is None:
        _change(s, zs, kind, old, reason, actor, at)
    return zs.status.value


def enqueue_recompute(s: Session, zone_id: uuid.UUID | None) -> None:
    """Ask a worker to recompute a zone; a burst of reports on it becomes one job."""
    if zone_id is not None:
        enqueue(s, RECOMPUTE_TASK, {"zone_id": str(zone_id)}, dedup_key=f"zone:{zone_id}")


def complaint_moved(
    s: Session,
    zone_id: uuid.UUID | None,
    src: ComplaintState | None,
    dst: ComplaintState,
    actor: str,
) -> None:
    """Called in the transaction that moves a complaint: when it enters or leaves the
    states that count against its zone, the zone's status is recomputed there and then
    (the staff member who accepted it sees the zone fall at once)."""
    if zone_id is None:
        return
    if (src in VIOLATING_COMPLAINT_STATES) == (dst in VIOLATING_COMPLAINT_STATES):
        return
    s.flush()
    zone = s.get(Zone, zone_id)
    if zone is not None:
        recompute_in(s, zone, actor)


def recompute_all(uow: sessionmaker[Session]) -> int:
    """The nightly pass: every active zone (the 14-day window moves even without reports)."""
    with uow() as s:
        ids = list(s.scalars(select(Zone.id).where(Zone.active.is_(True))))
    for zid in ids:
        recompute_zone(uow, zid)
    return len(ids)


@dataclass(frozen=True)
class StatusView:
    zone_id: uuid.UUID
    status: str
    kategori: str | None
    rule_version: int
    evidence: dict[str, Any]
    computed_at: datetime
    verified_at: datetime | None
    verification_note: str | None
    verified_without_evidence: bool
    history: list[dict[str, Any]]
    # Read fresh on every answer (not part of the stored status): the last accepted patrol,
    # the WIB days since, whether that is more than the rules' stale_days, and the zone's
    # open complaints (accepted by staff, not closed).
    last_patrol_at: datetime | None = None
    days_without_patrol: int | None = None
    stale: bool = False
    stale_days: int = plan_rules.STALE_DAYS
    open_complaints: list[dict[str, str]] = field(default_factory=list)
    # The last moment the verification holds under the rules in force, and whether it has
    # ended or ends within REVERIFY_NOTICE_DAYS days.
    verification_expires_at: datetime | None = None
    perlu_verifikasi_ulang: bool = False


def _load_zone(s: Session, scope: Scope, zone_id: uuid.UUID) -> Zone:
    z = s.get(Zone, zone_id)
    if z is None or not scope.allows(z.kecamatan_id):
        raise NotFound("Zona tidak ditemukan.")
    return z


def _last_patrol_at(zone: Any) -> Any:
    """The device time of the zone's newest accepted patrol, as a correlated subquery: the
    newest entries of ix_report_zone_counts (zone_id, started_at) are read backwards until
    one is an accepted patrol, instead of aggregating every patrol the zone ever had (a
    city after three years: ~2,000 a zone; EXPLAIN ANALYZE of the map's ten zones on
    bench/scale.py's data: 15.7 ms -> 0.8 ms)."""
    return (
        select(Report.started_at)
        .where(
            Report.zone_id == zone.id,
            Report.kecamatan_id == zone.kecamatan_id,
            Report.type == ReportType.PATROLI,
            Report.review_state == ReviewState.DITERIMA,
        )
        .order_by(Report.started_at.desc())
        .limit(1)
        .scalar_subquery()
    )


def _last_patrols(s: Session, *where: Any) -> dict[uuid.UUID, datetime]:
    q = select(Zone.id, _last_patrol_at(Zone)).where(*where)
    return {zid: at for zid, at in s.execute(q) if at is not None}


def last_patrols(
    s: Session, kecamatan_id: int, zone_ids: list[uuid.UUID] | None = None
) -> dict[uuid.UUID, datetime]:
    """The device time of each zone's last accepted patrol (zones of the kecamatan that
    have one): one query."""
    where = [Zone.kecamatan_id == kecamatan_id]
    if zone_ids is not None:
        where.append(Zone.id.in_(zone_ids))
    return _last_patrols(s, *where)


def stale_zones(s: Session, zones: list[tuple[uuid.UUID, int]]) -> dict[uuid.UUID, bool]:
    """The stale flag of many zones ((zone id, kecamatan id) pairs) under each kecamatan's
    rules in force: two queries whatever their number (the map's zone list)."""
    if not zones:
        return {}
    kecamatan_ids = sorted({k for _, k in zones})
    stale_days = {
        k: d
        for k, d in s.execute(
            select(AssessmentRule.kecamatan_id, AssessmentRule.stale_days)
            .where(AssessmentRule.kecamatan_id.in_(kecamatan_ids))
            .order_by(AssessmentRule.kecamatan_id, AssessmentRule.version.desc())
            .ext(distinct_on(AssessmentRule.kecamatan_id))
        )
    }
    last = _last_patrols(s, Zone.id.in_([z for z, _ in zones]))
    today = now_utc().astimezone(WIB).date()
    return {
        z: staleness(last.get(z), today, stale_days.get(k, DEFAULT.stale_days))[1] for z, k in zones
    }


def staleness(last: datetime | None, today: date, stale_days: int) -> tuple[int | None, bool]:
    """(WIB days since the last patrol, flagged) under `stale_days`."""
    day = last.astimezone(WIB).date() if last is not None else None
    days = (today - day).days if day is not None else None
    return days, plan_rules.stale(day, today, stale_days)


def _view(s: Session, zs: ZoneStatus, flush: bool = True) -> StatusView:
    if flush:
        s.flush()  # the change just recorded belongs in the history shown
    rules = current_rules(s, zs.kecamatan_id)
    last = last_patrols(s, zs.kecamatan_id, [zs.zone_id]).get(zs.zone_id)
    days, stale = staleness(last, now_utc().astimezone(WIB).date(), rules.stale_days)
    complaints = [
        {"id": str(cid), "code": code, "state": state}
        for cid, code, state in _open_complaints(s, zs.zone_id)
    ]
    hist = s.scalars(
        select(ZoneStatusChange)
        .where(ZoneStatusChange.zone_id == zs.zone_id)
        .order_by(ZoneStatusChange.at.desc(), ZoneStatusChange.id.desc())
        .limit(100)
    )
    return StatusView(
        zs.zone_id,
        zs.status.value,
        zs.kategori.value if zs.kategori else None,
        zs.rule_version,
        zs.evidence,
        zs.computed_at,
        zs.verified_at,
        zs.verification_note,
        zs.verified_without_evidence,
        [
            {
                "at": h.at.isoformat(),
                "kind": h.kind,
                "from": h.from_status,
                "to": h.to_status,
                "kategori": h.kategori,
                "reason": h.reason,
                "actor": h.actor,
                "rule_version": h.rule_version,
            }
            for h in hist
        ],
        last_patrol_at=last,
        days_without_patrol=days,
        stale=stale,
        stale_days=rules.stale_days,
        open_complaints=complaints,
        verification_expires_at=(
            verification_expires(zs.verified_at, rules) if zs.verified_at else None
        ),
        perlu_verifikasi_ulang=(
            reverify_due(zs.verified_at, rules, now_utc()) if zs.verified_at else False
        ),
    )


def get_status(uow: sessionmaker[Session], scope: Scope, zone_id: uuid.UUID) -> StatusView:
    """Reads only: the stored status, the one answer the zone list, the map (OGC), the
    public page and the exports read too. A verification whose validity has ended is
    expired by expire_verifications (beat, 00:00 WIB) and by any recompute; until then the
    answer says so (perlu_verifikasi_ulang, verification_expires_at) without changing."""
    with uow() as s:
        zone = _load_zone(s, scope, zone_id)
        zs = s.get(ZoneStatus, zone.id)
        if zs is None:  # never computed yet: what the list shows (belum tertib), unsaved
            zs = ZoneStatus(
                zone_id=zone.id,
                kecamatan_id=zone.kecamatan_id,
                status=ZoneStatusValue.BELUM_TERTIB,
                kategori=None,
                rule_version=current_rules(s, zone.kecamatan_id).version,
                evidence={"alasan": ["Belum dihitung; dihitung setelah laporan ditinjau."]},
                computed_at=now_utc(),
                verified_at=None,
                verification_note=None,
                verified_without_evidence=False,
            )
        return _view(s, zs, flush=False)


def expire_verifications(uow: sessionmaker[Session], now: datetime | None = None) -> int:
    """Beat, 00:00 WIB: zones still stored tertib whose verification's validity ended by
    `now` under their kecamatan's rules in force become what their reports say. The change
    is recorded with its reason ("Masa berlaku verifikasi berakhir ...") like any status
    change (the audit hook puts it in the chain). Idempotent: one transaction per zone,
    re-checked under its row lock; an expired zone is no longer tertib."""
    at = now or now_utc()
    with uow() as s:
        rows = s.execute(
            select(ZoneStatus.zone_id, ZoneStatus.kecamatan_id, ZoneStatus.verified_at)
            .join(Zone, Zone.id == ZoneStatus.zone_id)
            .where(
                ZoneStatus.status == ZoneStatusValue.TERTIB,
                ZoneStatus.verified_at.is_not(None),
                Zone.active.is_(True),
            )
        ).all()
        rules = {k: current_rules(s, k) for k in {k for _, k, _ in rows}}
    due = [
        zid
        for zid, k, verified in rows
        if verified is not None and not verification_holds(verified, rules[k], at)
    ]
    done = 0
    for zid in due:
        with uow() as s, s.begin():
            zone = s.get(Zone, zid)
            zs = s.scalar(select(ZoneStatus).where(ZoneStatus.zone_id == zid).with_for_update())
            if (
                zone is None
                or zs is None
                or zs.status != ZoneStatusValue.TERTIB
                or zs.verified_at is None
                or verification_holds(zs.verified_at, current_rules(s, zone.kecamatan_id), at)
            ):
                continue  # verified again, or recomputed meanwhile
            recompute_in(s, zone, "sistem", at=at)
            done += 1
    return done


def verify(
    uow: sessionmaker[Session],
    caller: Principal,
    zone_id: uuid.UUID,
    kategori: TertibKategori,
    note: str | None,
) -> StatusView:
    """Seksi Trantib verifies a zone as tertib. Without the rules' evidence it is allowed
    only with a note, and marked so."""
    if caller.role not in VERIFIERS:
        raise Forbidden("Hanya Seksi Trantib yang memverifikasi zona.")
    with uow() as s, s.begin():
        zone = _load_zone(s, caller.scope, zone_id)
        recompute_in(s, zone, caller.username)
        zs = s.scalar(select(ZoneStatus).where(ZoneStatus.zone_id == zone.id).with_for_update())
        assert zs is not None
        without = zs.status not in (ZoneStatusValue.LAYAK_TERTIB, ZoneStatusValue.TERTIB)
        if without and not (note or "").strip():
            raise InvalidInput(
                "Zona ini belum memenuhi aturan layak tertib; verifikasi hanya dengan catatan.",
                [FieldError(("note",), "Tuliskan dasar verifikasi tanpa bukti laporan.")],
            )
        old = zs.status.value
        at = now_utc()
        zs.status = ZoneStatusValue.TERTIB
        zs.kategori = kategori
        zs.verified_at, zs.verified_by = at, caller.user_id
        zs.verification_note = (note or "").strip() or None
        zs.verified_without_evidence = without
        s.flush()
        reason = (
            "Diverifikasi tertib ("
            + kategori.value
            + ")"
            + (" tanpa bukti laporan yang memenuhi aturan" if without else "")
            + (f": {zs.verification_note}" if zs.verification_note else ".")
        )
        _change(s, zs, "verify", old, reason, caller.username, at)
        return _view(s, zs)


def withdraw(
    uow: sessionmaker[Session], caller: Principal, zone_id: uuid.UUID, note: str
) -> StatusView:
    if caller.role not in VERIFIERS:
        raise Forbidden("Hanya Seksi Trantib yang mencabut verifikasi zona.")
    if not note.strip():
        raise InvalidInput("Alasan wajib diisi.", [FieldError(("note",), "Wajib diisi.")])
    with uow() as s, s.begin():
        zone = _load_zone(s, caller.scope, zone_id)
        zs = s.scalar(select(ZoneStatus).where(ZoneStatus.zone_id == zone.id).with_for_update())
        if zs is None or zs.verified_at is None:
            # The zone's state forbids it, not the input: a conflict (409), as for a zone
            # already retired.
            raise Conflict("Zona ini tidak sedang terverifikasi tertib.")
        zs.verified_at = zs.verified_by = zs.verification_note = None
        zs.kategori = None
        zs.verified_without_evidence = False
        s.flush()
        recompute_in(
            s, zone, caller.username, kind="withdraw", why=f"Verifikasi dicabut: {note.strip()}."
        )
        return _view(s, zs)


def tertib_at(
    s: Session, kecamatan_id: int, at: datetime, rules: Rules
) -> dict[uuid.UUID, str | None]:
    """Zones verified tertib at `at`, with their kategori: the last verify/withdraw/fallback
    event up to `at` was a verification that still holds at `at` under `rules`, and no
    accepted report after it found a violation."""
    events = s.execute(
        select(
            ZoneStatusChange.zone_id,
            ZoneStatusChange.kind,
            ZoneStatusChange.at,
            ZoneStatusChange.kategori,
        )
        .where(
            ZoneStatusChange.kecamatan_id == kecamatan_id,
            # a fallback (a violation or complaint found later) ends a verification too
            ZoneStatusChange.kind.in_(("verify", "withdraw", "fallback")),
            ZoneStatusChange.at <= at,
        )
        .order_by(ZoneStatusChange.zone_id, ZoneStatusChange.at.desc(), ZoneStatusChange.id.desc())
        .ext(distinct_on(ZoneStatusChange.zone_id))
    ).all()
    out: dict[uuid.UUID, str | None] = {}
    for zid, kind, when, kategori in events:
        if (
            kind == "verify"
            and verification_holds(when, rules, at)
            and _violation_after(s, zid, when, at) is None
        ):
            out[zid] = kategori
    return out


def verifications_due(
    uow: sessionmaker[Session], scope: Scope, kecamatan: str
) -> list[dict[str, Any]]:
    """The kecamatan's verified zones whose verification has ended or ends within
    REVERIFY_NOTICE_DAYS days under the rules in force, the soonest first."""
    with uow() as s:
        k = get_kecamatan_by_slug(s, scope, kecamatan)
        rules = current_rules(s, k.id)
        now = now_utc()
        rows = s.execute(
            select(Zone, ZoneStatus.verified_at, Kelurahan.name)
            .join(ZoneStatus, ZoneStatus.zone_id == Zone.id)
            .outerjoin(Kelurahan, Kelurahan.id == Zone.kelurahan_id)
            .where(
                Zone.kecamatan_id == k.id,
                Zone.active.is_(True),
                ZoneStatus.verified_at.is_not(None),
            )
        ).all()
        items = [
            {
                "zone_id": z.id,
                "name": z.name,
                "kelurahan": kel,
                "kategori_zona": z.kategori.value,
                "verified_at": at,
                "expires_at": verification_expires(at, rules),
                "expired": not verification_holds(at, rules, now),
            }
            for z, at, kel in rows
            if at is not None and reverify_due(at, rules, now)
        ]
        items.sort(key=lambda i: (i["expires_at"], i["name"]))
        return items


def status_counts(
    s: Session, kecamatan_id: int, at: datetime, rules: Rules
) -> dict[uuid.UUID, tuple[ZoneStatusValue, str]]:
    return {zid: classify(rules, c) for zid, c in counts_at(s, kecamatan_id, at, rules).items()}


def list_rules(uow: sessionmaker[Session], scope: Scope, kecamatan: str) -> list[dict[str, Any]]:
    """Every version of a kecamatan's rules, newest first (the defaults if none was set)."""
    with uow() as s:
        kecamatan_id = get_kecamatan_by_slug(s, scope, kecamatan).id
        rows = list(
            s.scalars(
                select(AssessmentRule)
                .where(AssessmentRule.kecamatan_id == kecamatan_id)
                .order_by(AssessmentRule.version.desc())
            )
        )
        if not rows:
            d = DEFAULT
            return [
                {
                    "version": d.version,
                    "min_penertiban": d.min_penertiban,
                    "window_days": d.window_days,
                    "min_patrols": d.min_patrols,
                    "complaints_violate": d.complaints_violate,
                    "stale_days": d.stale_days,
                    "verification_valid_days": d.verification_valid_days,
                    "notes": "Aturan bawaan",
                    "created_at": None,
                    "current": True,
                }
            ]
        return [
            {
                "version": r.version,
                "min_penertiban": r.min_penertiban,
                "window_days": r.window_days,
                "min_patrols": r.min_patrols,
                "complaints_violate": r.complaints_violate,
                "stale_days": r.stale_days,
                "verification_valid_days": r.verification_valid_days,
                "notes": r.notes,
                "created_at": r.created_at.isoformat(),
                "current": i == 0,
            }
            for i, r in enumerate(rows)
        ]


def new_rules(
    uow: sessionmaker[Session],
    scope: Scope,
    kecamatan: str,
    min_penertiban: int,
    window_days: int,
    min_patrols: int,
    notes: str | None,
    complaints_violate: bool | None = None,
    stale_days: int | None = None,
    verification_valid_days: int | Keep | None = Keep.KEEP,
) -> int:
    """A new version of the rules; past snapshots keep the version they were made with.
    An option left out (None; Keep.KEEP for verification_valid_days, where None is the
    default rule) keeps its value of the version in force."""
    errors = []
    if not 1 <= window_days <= 366:
        errors.append(FieldError(("window_days",), "Jendela 1 sampai 366 hari."))
    if not 0 <= min_patrols <= window_days:
        errors.append(FieldError(("min_patrols",), "Hari patroli 0 sampai panjang jendela."))
    if not 0 <= min_penertiban <= 100:
        errors.append(FieldError(("min_penertiban",), "Jumlah penertiban 0 sampai 100."))
    if stale_days is not None and not 1 <= stale_days <= 90:
        errors.append(FieldError(("stale_days",), "1 sampai 90 hari."))
    if isinstance(verification_valid_days, int) and not (
        VALID_DAYS_MIN <= verification_valid_days <= VALID_DAYS_MAX
    ):
        errors.append(
            FieldError(
                ("verification_valid_days",), f"{VALID_DAYS_MIN} sampai {VALID_DAYS_MAX} hari."
            )
        )
    if errors:
        raise InvalidInput("Aturan belum benar.", errors)
    with uow() as s, s.begin():
        kecamatan_id = get_kecamatan_by_slug(s, scope, kecamatan).id
        s.execute(select(func.pg_advisory_xact_lock(kecamatan_id)))
        before = current_rules(s, kecamatan_id)
        last = s.scalar(
            select(func.max(AssessmentRule.version)).where(
                AssessmentRule.kecamatan_id == kecamatan_id
            )
        )
        if last is None:  # the defaults were in force so far: keep them on record as v1
            d = DEFAULT
            s.add(
                AssessmentRule(
                    kecamatan_id=kecamatan_id,
                    version=d.version,
                    min_penertiban=d.min_penertiban,
                    window_days=d.window_days,
                    min_patrols=d.min_patrols,
                    complaints_violate=d.complaints_violate,
                    stale_days=d.stale_days,
                    notes="Aturan bawaan",
                )
            )
            last = d.version
        version = last + 1
        s.add(
            AssessmentRule(
                kecamatan_id=kecamatan_id,
                version=version,
                min_penertiban=min_penertiban,
                window_days=window_days,
                min_patrols=min_patrols,
                complaints_violate=(
                    before.complaints_violate if complaints_violate is None else complaints_violate
                ),
                stale_days=before.stale_days if stale_days is None else stale_days,
                verification_valid_days=(
                    before.verification_valid_days
                    if isinstance(verification_valid_days, Keep)
                    else verification_valid_days
                ),
                notes=notes,
            )
        )
        for zid in s.scalars(
            select(Zone.id).where(Zone.kecamatan_id == kecamatan_id, Zone.active.is_(True))
        ):
            enqueue_recompute(s, zid)
        return version
