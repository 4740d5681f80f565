"""Persentase Peningkatan Wilayah Tertib, for a month, a triwulan or a year; immutable
snapshots of it; and the goal-level fall in violations against a baseline."""

from __future__ import annotations

import uuid
import zlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session, sessionmaker

from k3zones.assessment import verification_holds
from k3zones.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from k3zones.indicator import percent, zones_needed
from k3zones.models import (
    AssessmentRule,
    Decree,
    DecreeStatus,
    IndicatorManual,
    IndicatorSnapshot,
    Kecamatan,
    Kelurahan,
    RenstraTarget,
    Report,
    ReviewState,
    Role,
    User,
    Zone,
    ZoneStatusChange,
)
from k3zones.periods import Period, day_after, day_start, now_utc, today_wib
from k3zones.principal import Principal
from k3zones.scope import Scope
from k3zones.services.designation import designated
from k3zones.services.reference import get_kecamatan_by_slug
from k3zones.services.zone_status import (
    DEFAULT,
    _rules_of,
    current_rules,
    status_counts,
    tertib_at,
)


def parse_period(year: int | None, month: int | None, quarter: int | None) -> Period:
    errors: list[FieldError] = []
    if year is None:
        errors.append(FieldError(("year",), "Tahun wajib diisi."))
    if month is not None and quarter is not None:
        errors.append(FieldError(("quarter",), "Pilih bulan atau triwulan, bukan keduanya."))
    if month is not None and not 1 <= month <= 12:
        errors.append(FieldError(("month",), "Bulan harus 1 sampai 12."))
    if quarter is not None and not 1 <= quarter <= 4:
        errors.append(FieldError(("quarter",), "Triwulan harus 1 sampai 4."))
    if year is not None and not 2000 <= year <= 2100:
        errors.append(FieldError(("year",), "Tahun harus 2000 sampai 2100."))
    if errors:
        raise InvalidInput("Periode tidak valid.", errors)
    assert year is not None
    if month is not None:
        return Period("month", year, month)
    if quarter is not None:
        return Period("quarter", year, quarter)
    return Period("year", year)


def check_period(s: Session, kecamatan_id: int, p: Period) -> None:
    if p.start > today_wib():
        raise InvalidInput(
            f"{p.label} belum dimulai.", [FieldError(("year",), "Periode di masa depan.")]
        )
    first = s.scalar(select(func.min(Decree.tanggal)).where(Decree.kecamatan_id == kecamatan_id))
    if first is None or p.end < first:
        raise InvalidInput(
            f"{p.label} sebelum SK penetapan zona pertama"
            + (f" ({first:%d-%m-%Y})." if first else "."),
            [FieldError(("year",), "Tidak ada zona yang ditetapkan pada periode ini.")],
        )


@dataclass
class IndicatorResult:
    kecamatan: str
    kecamatan_name: str
    period_kind: str
    period_label: str
    period_start: str
    period_end: str
    source: str  # langsung (computed now) | snapshot | manual
    rule_version: int | None
    zones_designated: int
    zones_tertib: int
    realisasi_pct: Decimal | None
    target_pct: Decimal | None
    zones_needed: int | None
    capaian_pct: Decimal | None
    zones: list[dict[str, Any]]
    snapshot_id: str | None = None
    computed_at: str | None = None
    approved: bool = False


def compute(s: Session, k: Kecamatan, p: Period) -> IndicatorResult:
    at = min(p.end_instant, now_utc())
    end_excl = day_after(p.end)
    rules = current_rules(s, k.id)
    zones = designated(s, k.id, end_excl)
    tertib = tertib_at(s, k.id, at, rules)
    statuses = status_counts(s, k.id, at, rules)
    kel = {
        i: n
        for i, n in s.execute(
            select(Kelurahan.id, Kelurahan.name).where(Kelurahan.kecamatan_id == k.id)
        )
    }
    rows = []
    for z in zones:
        if z.id in tertib:
            status, kategori = "tertib", tertib[z.id]
        else:
            computed = statuses.get(z.id)
            status = computed[0].value if computed else "belum_tertib"
            kategori = None
        rows.append(
            {
                "zone_id": str(z.id),
                "name": z.name,
                "kategori_zona": z.kategori.value,
                "kelurahan": kel.get(z.kelurahan_id) if z.kelurahan_id else None,
                "status": status,
                "kategori": kategori,
            }
        )
    n_tertib = sum(1 for r in rows if r["status"] == "tertib")
    target = s.get(RenstraTarget, (k.id, p.year))
    realisasi = percent(n_tertib, len(zones))
    tpct = target.target_pct if target else None
    return _result(
        k,
        p,
        "langsung",
        rule_version=rules.version,
        zones_designated=len(zones),
        zones_tertib=n_tertib,
        realisasi_pct=realisasi,
        target_pct=tpct,
        zones_needed=zones_needed(tpct, len(zones)) if tpct is not None else None,
        capaian_pct=percent(realisasi, tpct) if realisasi is not None and tpct else None,
        zones=rows,
        computed_at=now_utc().isoformat(),
    )


def from_snapshot(k: Kecamatan, p: Period, snap: IndicatorSnapshot) -> IndicatorResult:
    return _result(
        k,
        p,
        "snapshot",
        rule_version=snap.rule_version,
        zones_designated=snap.zones_designated,
        zones_tertib=snap.zones_tertib,
        realisasi_pct=snap.realisasi_pct,
        target_pct=snap.target_pct,
        zones_needed=snap.zones_needed,
        capaian_pct=snap.capaian_pct,
        zones=snap.zones,
        snapshot_id=str(snap.id),
        computed_at=snap.computed_at.isoformat(),
        approved=snap.approved_at is not None,
    )


def _result(k: Kecamatan, p: Period, source: str, **figures: Any) -> IndicatorResult:
    return IndicatorResult(
        kecamatan=k.slug,
        kecamatan_name=k.name,
        period_kind=p.kind,
        period_label=p.label,
        period_start=p.start.isoformat(),
        period_end=p.end.isoformat(),
        source=source,
        **figures,
    )


def best_snapshot(s: Session, kecamatan_id: int, p: Period) -> IndicatorSnapshot | None:
    """The approved snapshot of a period if there is one, else the latest."""
    return s.scalar(
        select(IndicatorSnapshot)
        .where(
            IndicatorSnapshot.kecamatan_id == kecamatan_id,
            IndicatorSnapshot.period_kind == p.kind,
            IndicatorSnapshot.period_start == p.start,
        )
        .order_by(
            IndicatorSnapshot.approved_at.desc().nulls_last(), IndicatorSnapshot.computed_at.desc()
        )
        .limit(1)
    )


def indicator(
    uow: sessionmaker[Session],
    scope: Scope,
    slugs: list[str] | None,
    p: Period,
    source: str = "langsung",
) -> list[IndicatorResult]:
    """The indicator for each kecamatan asked; None asks for every kecamatan in scope (a
    city-level reader's overview)."""
    out = []
    with uow() as s:
        for slug in _slugs_in(s, scope) if slugs is None else slugs:
            k = get_kecamatan_by_slug(s, scope, slug)
            manual = s.get(IndicatorManual, (k.id, p.year)) if p.kind == "year" else None
            if manual is not None:
                out.append(_manual(k, p, manual))
                continue
            check_period(s, k.id, p)
            snap = best_snapshot(s, k.id, p) if source == "snapshot" else None
            out.append(from_snapshot(k, p, snap) if snap else compute(s, k, p))
    return out


def _manual(k: Kecamatan, p: Period, m: IndicatorManual) -> IndicatorResult:
    """The figures of a year before the system, as entered (no zones behind them)."""
    return _result(
        k,
        p,
        "manual",
        rule_version=None,
        zones_designated=0,
        zones_tertib=0,
        realisasi_pct=m.realisasi_pct,
        target_pct=m.target_pct,
        zones_needed=None,
        capaian_pct=m.capaian_pct,
        zones=[],
    )


def figures(
    uow: sessionmaker[Session],
    scope: Scope,
    kecamatan_ids: list[int],
    p: Period,
    source: str = "langsung",
) -> dict[int, IndicatorResult | str]:
    """`indicator` for many kecamatan at once, figures only (`zones` left empty): for each
    kecamatan id in the caller's scope, the result its own `indicator` call gives, or the
    message it refuses with (no decree in force yet in the period). A fixed number of
    queries whatever the number of kecamatan (the city view), not one computation each."""
    if p.start > today_wib():
        raise InvalidInput(
            f"{p.label} belum dimulai.", [FieldError(("year",), "Periode di masa depan.")]
        )
    with uow() as s:
        return _figures(s, scope, kecamatan_ids, p, source)


def _figures(
    s: Session, scope: Scope, kecamatan_ids: list[int], p: Period, source: str
) -> dict[int, IndicatorResult | str]:
    kecs = {
        k.id: k
        for k in s.scalars(
            select(Kecamatan).where(Kecamatan.id.in_(kecamatan_ids), scope.clause(Kecamatan.id))
        )
    }
    ids = sorted(kecs)
    out: dict[int, IndicatorResult | str] = {}
    if not ids:
        return out
    if p.kind == "year":  # the figures of years before the system, as `indicator` reads them
        for m in s.scalars(
            select(IndicatorManual).where(
                IndicatorManual.kecamatan_id.in_(ids), IndicatorManual.year == p.year
            )
        ):
            out[m.kecamatan_id] = _manual(kecs[m.kecamatan_id], p, m)
    # check_period, for every kecamatan at once
    first = dict(
        s.execute(
            select(Decree.kecamatan_id, func.min(Decree.tanggal))
            .where(Decree.kecamatan_id.in_(ids))
            .group_by(Decree.kecamatan_id)
        ).all()
    )
    todo = []
    for kid in ids:
        if kid in out:
            continue
        f = first.get(kid)
        if f is None or p.end < f:
            out[kid] = f"{p.label} sebelum SK penetapan zona pertama" + (
                f" ({f:%d-%m-%Y})." if f else "."
            )
        else:
            todo.append(kid)
    if source == "snapshot" and todo:
        S = IndicatorSnapshot
        for snap in s.scalars(  # best_snapshot of each: the approved one, else the latest
            select(S)
            .where(S.kecamatan_id.in_(todo), S.period_kind == p.kind, S.period_start == p.start)
            .order_by(S.kecamatan_id, S.approved_at.desc().nulls_last(), S.computed_at.desc())
            .ext(distinct_on(S.kecamatan_id))
        ):
            out[snap.kecamatan_id] = from_snapshot(kecs[snap.kecamatan_id], p, snap)
        todo = [kid for kid in todo if kid not in out]
    if todo:
        for kid, r in _compute_figures(s, [kecs[k] for k in todo], p).items():
            out[kid] = r
    return out


def _compute_figures(s: Session, kecs: list[Kecamatan], p: Period) -> dict[int, IndicatorResult]:
    """`compute`'s figures for many kecamatan: the rules in force, the zones designated at
    the period's end (`designation.designated_query`'s conditions), those verified tertib
    then (`zone_status.tertib_at`'s conditions) and the year's target, one query each."""
    ids = [k.id for k in kecs]
    at = min(p.end_instant, now_utc())
    end = day_after(p.end)
    rules = {
        r.kecamatan_id: _rules_of(r)
        for r in s.scalars(
            select(AssessmentRule)
            .where(AssessmentRule.kecamatan_id.in_(ids))
            .order_by(AssessmentRule.kecamatan_id, AssessmentRule.version.desc())
            .ext(distinct_on(AssessmentRule.kecamatan_id))
        )
    }
    zones: dict[int, set[uuid.UUID]] = {kid: set() for kid in ids}
    for zid, kid in s.execute(
        select(Zone.id, Zone.kecamatan_id)
        .join(Decree, Decree.id == Zone.decree_id)
        .where(
            Zone.kecamatan_id.in_(ids),
            Decree.tanggal < end.date(),
            or_(Decree.status == DecreeStatus.BERLAKU, Decree.revoked_on >= end.date()),
            or_(Zone.retired_at.is_(None), Zone.retired_at >= end),
        )
    ):
        zones[kid].add(zid)
    C = ZoneStatusChange
    last = (  # each zone's last verify/withdraw/fallback event up to `at`
        select(C.zone_id, C.kecamatan_id, C.kind, C.at)
        .where(
            C.kecamatan_id.in_(ids),
            C.kind.in_(("verify", "withdraw", "fallback")),
            C.at <= at,
        )
        .order_by(C.zone_id, C.at.desc(), C.id.desc())
        .ext(distinct_on(C.zone_id))
        .subquery()
    )
    violated = (  # an accepted report after the verification found a violation
        select(Report.id)
        .where(
            Report.zone_id == last.c.zone_id,
            Report.review_state == ReviewState.DITERIMA,
            Report.violation_total > 0,
            Report.started_at > last.c.at,
            Report.started_at <= at,
        )
        .exists()
    )
    tertib: dict[int, set[uuid.UUID]] = {kid: set() for kid in ids}
    for zid, kid, when in s.execute(
        select(last.c.zone_id, last.c.kecamatan_id, last.c.at).where(
            last.c.kind == "verify", ~violated
        )
    ):
        if verification_holds(when, rules.get(kid, DEFAULT), at):
            tertib[kid].add(zid)
    targets = dict(
        s.execute(
            select(RenstraTarget.kecamatan_id, RenstraTarget.target_pct).where(
                RenstraTarget.kecamatan_id.in_(ids), RenstraTarget.year == p.year
            )
        ).all()
    )
    out = {}
    for k in kecs:
        n_zones, n_tertib = len(zones[k.id]), len(zones[k.id] & tertib[k.id])
        realisasi = percent(n_tertib, n_zones)
        tpct = targets.get(k.id)
        out[k.id] = _result(
            k,
            p,
            "langsung",
            rule_version=rules.get(k.id, DEFAULT).version,
            zones_designated=n_zones,
            zones_tertib=n_tertib,
            realisasi_pct=realisasi,
            target_pct=tpct,
            zones_needed=zones_needed(tpct, n_zones) if tpct is not None else None,
            capaian_pct=percent(realisasi, tpct) if realisasi is not None and tpct else None,
            zones=[],
            computed_at=now_utc().isoformat(),
        )
    return out


def _slugs_in(s: Session, scope: Scope) -> list[str]:
    q = select(Kecamatan.slug).where(scope.clause(Kecamatan.id)).order_by(Kecamatan.slug)
    return list(s.scalars(q))


def all_slugs(uow: sessionmaker[Session], scope: Scope) -> list[str]:
    with uow() as s:
        return _slugs_in(s, scope)


def create_snapshot(uow: sessionmaker[Session], scope: Scope, slug: str, p: Period) -> str:
    """Compute and store the period's snapshot. One computation per kecamatan and period
    at a time: a second request while one runs is refused (409), not queued twice."""
    with uow() as s, s.begin():
        k = get_kecamatan_by_slug(s, scope, slug)
        check_period(s, k.id, p)
        key = zlib.crc32(f"snapshot:{k.id}:{p.kind}:{p.start}".encode())
        if not s.scalar(select(func.pg_try_advisory_xact_lock(key))):
            raise Conflict(
                f"Perhitungan {p.label} untuk Kecamatan {k.name} sedang berjalan; "
                "tunggu hingga selesai."
            )
        r = compute(s, k, p)
        snap = IndicatorSnapshot(
            id=uuid.uuid4(),
            kecamatan_id=k.id,
            period_kind=p.kind,
            period_start=p.start,
            period_end=p.end,
            computed_at=now_utc(),
            rule_version=r.rule_version or 1,
            zones_designated=r.zones_designated,
            zones_tertib=r.zones_tertib,
            realisasi_pct=r.realisasi_pct,
            target_pct=r.target_pct,
            zones_needed=r.zones_needed,
            capaian_pct=r.capaian_pct,
            zones=r.zones,
        )
        s.add(snap)
        s.flush()
        return str(snap.id)


def take_snapshot(
    uow: sessionmaker[Session], scope: Scope, slug: str, p: Period
) -> IndicatorResult:
    """Compute and store the period's snapshot, and answer with the indicator the period
    now shows: the new snapshot, or the approved one when pimpinan already approved one."""
    sid = create_snapshot(uow, scope, slug, p)
    [r] = indicator(uow, scope, [slug], p, "snapshot")
    assert r.snapshot_id == sid or r.approved
    return r


def approve_snapshot(
    uow: sessionmaker[Session], caller: Principal, snapshot_id: uuid.UUID
) -> IndicatorResult:
    if caller.role != Role.PIMPINAN:
        raise Forbidden("Hanya pimpinan (camat/sekcam) yang menyetujui snapshot.")
    with uow() as s, s.begin():
        snap = s.scalar(
            select(IndicatorSnapshot).where(IndicatorSnapshot.id == snapshot_id).with_for_update()
        )
        if snap is None or not caller.scope.allows(snap.kecamatan_id):
            raise NotFound("Snapshot tidak ditemukan.")
        if snap.approved_at is None:
            snap.approved_at, snap.approved_by = now_utc(), caller.user_id
        k = s.get(Kecamatan, snap.kecamatan_id)
        assert k is not None
        p = Period(
            snap.period_kind,
            snap.period_start.year,
            snap.period_start.month
            if snap.period_kind == "month"
            else (snap.period_start.month - 1) // 3 + 1,
        )
        return from_snapshot(k, p, snap)


def snapshot_changes(
    uow: sessionmaker[Session], scope: Scope, snapshot_id: uuid.UUID
) -> dict[str, Any]:
    """What changed from the kecamatan's previous approved snapshot (approved before this
    one, or the latest approved when this one is not yet): the figures, before and after,
    and the zones whose status differs."""
    with uow() as s:
        snap = s.get(IndicatorSnapshot, snapshot_id)
        if snap is None or not scope.allows(snap.kecamatan_id):
            raise NotFound("Snapshot tidak ditemukan.")
        q = select(IndicatorSnapshot).where(
            IndicatorSnapshot.kecamatan_id == snap.kecamatan_id,
            IndicatorSnapshot.id != snap.id,
            IndicatorSnapshot.approved_at.is_not(None),
        )
        if snap.approved_at is not None:
            q = q.where(IndicatorSnapshot.approved_at < snap.approved_at)
        prev = s.scalar(
            q.order_by(IndicatorSnapshot.approved_at.desc(), IndicatorSnapshot.id).limit(1)
        )
        before = {str(z["zone_id"]): z for z in (prev.zones if prev else [])}
        zones = [
            {
                "zone_id": str(z["zone_id"]),
                "name": z["name"],
                "before": before[str(z["zone_id"])]["status"]
                if str(z["zone_id"]) in before
                else None,
                "after": z["status"],
            }
            for z in snap.zones
            if str(z["zone_id"]) not in before or before[str(z["zone_id"])]["status"] != z["status"]
        ]
        return {
            "previous_id": str(prev.id) if prev else None,
            "previous_approved_at": prev.approved_at if prev else None,
            "figures": {
                "zones_designated": [
                    prev.zones_designated if prev else None,
                    snap.zones_designated,
                ],
                "zones_tertib": [prev.zones_tertib if prev else None, snap.zones_tertib],
                "realisasi_pct": [prev.realisasi_pct if prev else None, snap.realisasi_pct],
            },
            "zones": sorted(zones, key=lambda z: (z["name"], z["zone_id"])),
        }


def list_snapshots(uow: sessionmaker[Session], scope: Scope, slug: str) -> list[dict[str, Any]]:
    with uow() as s:
        k = get_kecamatan_by_slug(s, scope, slug)
        rows = s.execute(
            select(IndicatorSnapshot, User.full_name)
            .outerjoin(User, User.id == IndicatorSnapshot.approved_by)
            .where(IndicatorSnapshot.kecamatan_id == k.id)
            .order_by(IndicatorSnapshot.period_start.desc(), IndicatorSnapshot.computed_at.desc())
            .limit(200)
        ).all()
        return [
            {
                "id": str(r.id),
                "period_kind": r.period_kind,
                "period_start": r.period_start.isoformat(),
                "period_end": r.period_end.isoformat(),
                "computed_at": r.computed_at.isoformat(),
                "rule_version": r.rule_version,
                "zones_designated": r.zones_designated,
                "zones_tertib": r.zones_tertib,
                "realisasi_pct": r.realisasi_pct,
                "approved": r.approved_at is not None,
                # Who approved it and when (pimpinan, named as on the LKIP's signature).
                "approved_at": r.approved_at.isoformat() if r.approved_at else None,
                "approved_by_name": approver if r.approved_at else None,
            }
            for r, approver in rows
        ]


def monthly_snapshots(uow: sessionmaker[Session]) -> int:
    """Beat, on the 1st at 01:00 WIB: every kecamatan's snapshot of the month before."""
    p = Period("month", today_wib().year, today_wib().month).previous_month()
    done = 0
    for slug in all_slugs(uow, Scope.everything()):
        with uow() as s:
            k = s.scalar(select(Kecamatan).where(Kecamatan.slug == slug))
            # Run twice (a worker restarted after committing, before acking): once only.
            if k is None or best_snapshot(s, k.id, p) is not None:
                continue
        try:
            create_snapshot(uow, Scope.everything(), slug, p)
            done += 1
        except (InvalidInput, Conflict):
            continue  # nothing designated yet, or another worker is on it
    return done


@dataclass
class ViolationsResult:
    kecamatan: str
    period_label: str
    baseline_label: str
    violations: int
    baseline_violations: int
    penurunan_pct: Decimal | None


def violations_decrease(
    uow: sessionmaker[Session], scope: Scope, slug: str, p: Period, baseline: Period
) -> ViolationsResult:
    """Persentase Penurunan Jumlah Pelanggaran: (baseline - period) / baseline x 100, from
    the violation counts of accepted reports, attributed by device time (WIB)."""
    with uow() as s:
        k = get_kecamatan_by_slug(s, scope, slug)

        def total(q: Period) -> int:
            return int(
                s.scalar(
                    select(func.coalesce(func.sum(Report.violation_total), 0)).where(
                        Report.kecamatan_id == k.id,
                        Report.review_state == ReviewState.DITERIMA,
                        Report.started_at >= day_start(q.start),
                        Report.started_at < day_after(q.end),
                    )
                )
                or 0
            )

        now_v, base_v = total(p), total(baseline)
        dec = percent(base_v - now_v, base_v) if base_v else None
        return ViolationsResult(k.slug, p.label, baseline.label, now_v, base_v, dec)


def set_manual_year(
    uow: sessionmaker[Session],
    caller: Principal,
    slug: str,
    year: int,
    target: Decimal,
    realisasi: Decimal,
    capaian: Decimal,
    notes: str | None,
) -> IndicatorResult:
    """Figures of a year before the system (or under another definition), kept as entered."""
    if caller.role not in (Role.ADMIN, Role.PIMPINAN):
        raise Forbidden("Hanya admin atau pimpinan yang mengisi angka tahun lalu.")
    if not 2000 <= year <= 2100:  # the column is a small year; outside it was a 500
        raise InvalidInput(
            "Tahun tidak valid.", [FieldError(("year",), "Tahun harus 2000 sampai 2100.")]
        )
    if year >= today_wib().year:
        raise InvalidInput(
            "Hanya tahun yang sudah lewat.",
            [
                FieldError(
                    ("year",), "Angka tahun berjalan dihitung dari laporan, bukan diisi tangan."
                )
            ],
        )
    with uow() as s, s.begin():
        k = get_kecamatan_by_slug(s, caller.scope, slug)
        row = s.get(IndicatorManual, (k.id, year), with_for_update=True)
        if row is None:
            row = IndicatorManual(kecamatan_id=k.id, year=year)
            s.add(row)
        row.target_pct, row.realisasi_pct, row.capaian_pct, row.notes = (
            target,
            realisasi,
            capaian,
            notes,
        )
    [r] = indicator(uow, caller.scope, [slug], Period("year", year))
    return r
