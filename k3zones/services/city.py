"""The city view (tampilan kota) for kota-level readers: every kecamatan in the caller's
scope with its realisasi against the Renstra target, the zones still needed, complaints,
patrol coverage, ranking and trend; and the city recap file built from the same figures.

Every figure equals what its own endpoint answers: the indicator as
`services.indicator.indicator` gives it (GET /api/v1/indicators/wilayah-tertib),
complaints from `k3zones.complaints.figures`, coverage as `services.plans.coverage` counts
it. Each is computed for every kecamatan at once (`services.indicator.figures`,
`_complaints`, `_coverage`): a fixed number of queries, not one computation per kecamatan.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session, sessionmaker

from k3zones import city as rules
from k3zones import complaints as complaint_rules
from k3zones import exports
from k3zones import plans as plan_rules
from k3zones.enums import TaskState
from k3zones.errors import FieldError, InvalidInput
from k3zones.indicator import percent
from k3zones.models import (
    AssessmentRule,
    Complaint,
    IndicatorSnapshot,
    Kecamatan,
    PatrolTask,
    Report,
    ReportType,
    ReviewState,
    Team,
    Zone,
)
from k3zones.periods import Period, now_utc, today_wib
from k3zones.scope import Scope
from k3zones.services import chain as chain_service
from k3zones.services import complaints as complaint_service
from k3zones.services import indicator as ind
from k3zones.services import zone_status

SOURCES = ("langsung", "snapshot")
TREND_UNITS = ("triwulan", "bulan")
NO_DECREE = "belum_ada_sk"
_SOURCE_TEXT = {
    "langsung": "dihitung langsung saat berkas dibuat",
    "snapshot": "snapshot yang disetujui pimpinan, atau snapshot terakhir",
}


@dataclass
class TrendPoint:
    period_kind: str
    number: int
    period_label: str
    zones_designated: int | None
    zones_tertib: int | None
    realisasi_pct: Decimal | None
    target_pct: Decimal | None
    # snapshot (the stored month snapshot of the point's last month: past months, one
    # query for the whole city), langsung (computed now), or None (not yet begun)
    source: str | None = None


@dataclass
class ComplaintFigures:
    received: int = 0
    open: int = 0
    closed: int = 0
    closed_within_sla: int = 0
    pct_within_sla: float | None = None


@dataclass
class CoverageFigures:
    planned: int = 0
    selesai: int = 0
    terlambat: int = 0
    terlewat: int = 0
    terjadwal: int = 0
    realisasi_pct: float | None = None
    zones_without_patrol: int = 0


@dataclass
class KecamatanRow:
    kecamatan: str
    kecamatan_name: str
    is_sample: bool
    status: str  # ada (figures) | belum_ada_sk (no decree in force in the period)
    note: str | None
    rank: int | None = None
    source: str | None = None
    approved: bool = False
    snapshot_id: str | None = None
    computed_at: datetime | None = None
    zones_designated: int = 0
    zones_tertib: int = 0
    realisasi_pct: Decimal | None = None
    target_pct: Decimal | None = None
    capaian_pct: Decimal | None = None
    gap_pct: Decimal | None = None
    zones_needed: int | None = None
    zones_still_needed: int | None = None
    complaints: ComplaintFigures = field(default_factory=ComplaintFigures)
    coverage: CoverageFigures = field(default_factory=CoverageFigures)
    trend: list[TrendPoint] = field(default_factory=list)


@dataclass
class CityTotals:
    kecamatan: int
    kecamatan_with_decree: int
    zones_designated: int
    zones_tertib: int
    realisasi_pct: Decimal | None
    zones_still_needed: int
    complaints_received: int
    complaints_open: int
    target_met: int


@dataclass
class CityView:
    period_kind: str
    period_label: str
    period_start: date
    period_end: date
    source: str
    trend_unit: str
    computed_at: datetime
    items: list[KecamatanRow]
    totals: CityTotals


def check(p: Period, source: str, trend: str = "triwulan") -> None:
    """A period that has begun, a known source and trend unit (422 at their fields)."""
    errors = []
    if source not in SOURCES:
        errors.append(FieldError(("source",), "Pilih langsung atau snapshot."))
    if trend not in TREND_UNITS:
        errors.append(FieldError(("trend",), "Pilih triwulan atau bulan."))
    if p.start > today_wib():
        errors.append(FieldError(("year",), "Periode di masa depan."))
    if errors:
        raise InvalidInput(
            f"{p.label} belum dimulai." if p.start > today_wib() else "Permintaan tidak valid.",
            errors,
        )


def _kecamatan(uow: sessionmaker[Session], scope: Scope) -> list[tuple[str, str, bool, int]]:
    with uow() as s:
        q = (
            select(Kecamatan.slug, Kecamatan.name, Kecamatan.is_sample, Kecamatan.id)
            .where(scope.clause(Kecamatan.id))
            .order_by(Kecamatan.name, Kecamatan.slug)
        )
        return [(a, b, c, d) for a, b, c, d in s.execute(q)]


def _complaints(uow: sessionmaker[Session], scope: Scope, p: Period) -> dict[int, ComplaintFigures]:
    """complaint_figures' overall numbers for every kecamatan in scope, in one query."""
    by_kec: dict[int, list[complaint_rules.FigureRow]] = {}
    with uow() as s:
        rows = s.execute(
            complaint_service.figure_rows_select(
                p, scope.clause(Complaint.kecamatan_id), lead=(Complaint.kecamatan_id,)
            )
        )
        for kid, cat, kel, state, dup, received, closed, within in rows:
            by_kec.setdefault(kid, []).append(
                complaint_rules.FigureRow(cat, kel, state, dup, received, closed, within)
            )
    out = {}
    for kid, fig_rows in by_kec.items():
        f: dict[str, Any] = complaint_rules.figures(fig_rows)
        out[kid] = ComplaintFigures(
            f["received"], f["open"], f["closed"], f["closed_within_sla"], f["pct_within_sla"]
        )
    return out


def _coverage(
    uow: sessionmaker[Session], kecamatan_ids: list[int], p: Period
) -> dict[int, CoverageFigures]:
    """`plans.coverage(..., "kecamatan", "periode")`'s figures for every kecamatan at once:
    the tasks of the period counted by state (one query, grouped by kecamatan), and the
    active zones without an accepted patrol for the rules' stale_days (two queries)."""
    T = PatrolTask
    out = {kid: CoverageFigures() for kid in kecamatan_ids}
    with uow() as s:
        q = (
            select(
                T.kecamatan_id,
                func.count(),
                func.count().filter(T.state == TaskState.SELESAI),
                func.count().filter(T.state == TaskState.TERLAMBAT),
                func.count().filter(T.state == TaskState.TERLEWAT),
                func.count().filter(T.state == TaskState.TERJADWAL),
            )
            .select_from(T)
            .join(Zone, Zone.id == T.zone_id)
            .join(Team, Team.id == T.team_id)
            .where(T.kecamatan_id.in_(kecamatan_ids), T.day.between(p.start, p.end))
            .group_by(T.kecamatan_id)
        )
        for kid, n, ok, late, miss, open_ in s.execute(q):
            out[kid] = CoverageFigures(
                n, ok, late, miss, open_, plan_rules.pct(ok + late, n - open_)
            )
        stale_days = {
            kid: days
            for kid, days in s.execute(  # the rules in force: each kecamatan's last version
                select(AssessmentRule.kecamatan_id, AssessmentRule.stale_days)
                .where(AssessmentRule.kecamatan_id.in_(kecamatan_ids))
                .order_by(AssessmentRule.kecamatan_id, AssessmentRule.version.desc())
                .ext(distinct_on(AssessmentRule.kecamatan_id))
            )
        }
        # Each active zone's last accepted patrol (`zone_status.last_patrols`), read per
        # zone from the end of the (zone_id, started_at) index: not an aggregate over
        # every patrol of the city.
        last = (
            select(func.max(Report.started_at))
            .where(
                Report.zone_id == Zone.id,
                Report.type == ReportType.PATROLI,
                Report.review_state == ReviewState.DITERIMA,
            )
            .scalar_subquery()
        )
        today = today_wib()
        for kid, seen in s.execute(
            select(Zone.kecamatan_id, last).where(
                Zone.kecamatan_id.in_(kecamatan_ids), Zone.active.is_(True)
            )
        ):
            days = stale_days.get(kid, zone_status.DEFAULT.stale_days)
            out[kid].zones_without_patrol += zone_status.staleness(seen, today, days)[1]
    return out


def _month_snapshots(
    uow: sessionmaker[Session], scope: Scope, year: int
) -> dict[tuple[int, date], IndicatorSnapshot]:
    """The best stored month snapshot (approved first, then the latest) of every kecamatan
    in scope and every month of the year, by (kecamatan, last day of the month)."""
    S = IndicatorSnapshot
    with uow() as s:
        q = (
            select(S)
            .where(
                scope.clause(S.kecamatan_id),
                S.period_kind == "month",
                S.period_start >= date(year, 1, 1),
                S.period_start <= date(year, 12, 1),
            )
            .order_by(
                S.kecamatan_id,
                S.period_start,
                S.approved_at.desc().nulls_last(),
                S.computed_at.desc(),
            )
        )
        out: dict[tuple[int, date], IndicatorSnapshot] = {}
        for r in s.scalars(q):  # the first of each (kecamatan, month) is the best
            out.setdefault((r.kecamatan_id, r.period_end), r)
        s.expunge_all()
        return out


def _usable(snap: IndicatorSnapshot | None, tp: Period) -> bool:
    return snap is not None and tp.end < today_wib()


def _trend_figures(
    uow: sessionmaker[Session],
    scope: Scope,
    ids: list[int],
    p: Period,
    source: str,
    trend: str,
    main: dict[int, ind.IndicatorResult | str],
    snaps: dict[tuple[int, date], IndicatorSnapshot],
) -> list[dict[int, ind.IndicatorResult | str]]:
    """The computed figures of every trend point (in `trend_periods` order) that needs
    them: one batched indicator per point (a fixed number of queries each), for the
    kecamatan whose point has no stored snapshot and is not the period's own figures
    (`main`, same end)."""
    out: list[dict[int, ind.IndicatorResult | str]] = []
    for tp in rules.trend_periods(p, trend):
        figs: dict[int, ind.IndicatorResult | str] = {}
        out.append(figs)
        if tp.start > today_wib():
            continue
        need = []
        for kid in ids:
            same = main[kid]
            if _usable(snaps.get((kid, tp.end)), tp):
                continue
            if tp.end == p.end and not isinstance(same, str) and same.source != "manual":
                figs[kid] = same
            else:
                need.append(kid)
        if need:
            figs |= ind.figures(uow, scope, need, tp, source)
    return out


def _point(
    tp: Period, snap: IndicatorSnapshot | None, t: ind.IndicatorResult | str | None
) -> TrendPoint:
    """One point of the trend. The indicator of a month or a triwulan depends only on the
    period's end (zones designated and tertib at that instant, the year's target), so a
    finished period reads the stored snapshot of its last month when there is one (beat
    takes one for every kecamatan each month); otherwise it is computed as its own
    endpoint computes it (`t`)."""
    if tp.start > today_wib():
        return TrendPoint(tp.kind, tp.number, tp.label, None, None, None, None)
    if snap is not None and _usable(snap, tp):
        return TrendPoint(
            tp.kind,
            tp.number,
            tp.label,
            snap.zones_designated,
            snap.zones_tertib,
            snap.realisasi_pct,
            snap.target_pct,
            "snapshot",
        )
    if t is None or isinstance(t, str):  # before the first decree
        return TrendPoint(tp.kind, tp.number, tp.label, None, None, None, None)
    return TrendPoint(
        tp.kind,
        tp.number,
        tp.label,
        t.zones_designated,
        t.zones_tertib,
        t.realisasi_pct,
        t.target_pct,
        "snapshot" if t.source == "snapshot" else "langsung",
    )


def city_view(
    uow: sessionmaker[Session],
    scope: Scope,
    p: Period,
    source: str = "langsung",
    trend: str = "triwulan",
) -> CityView:
    """Every kecamatan in the caller's scope, ranked by realisasi against its target."""
    check(p, source, trend)
    kecs = _kecamatan(uow, scope)
    ids = [kid for _, _, _, kid in kecs]
    complaints = _complaints(uow, scope, p)
    coverage = _coverage(uow, ids, p)
    snaps = _month_snapshots(uow, scope, p.year)
    main = ind.figures(uow, scope, ids, p, source)
    points = _trend_figures(uow, scope, ids, p, source, trend, main, snaps)
    items: list[KecamatanRow] = []
    for slug, name, sample, kid in kecs:
        r = main[kid]
        row = KecamatanRow(slug, name, sample, NO_DECREE if isinstance(r, str) else "ada", None)
        row.complaints = complaints.get(kid, ComplaintFigures())
        row.coverage = coverage[kid]
        if isinstance(r, str):
            row.note = r
        else:
            row.source, row.approved = r.source, r.approved
            row.snapshot_id = r.snapshot_id
            row.computed_at = datetime.fromisoformat(r.computed_at) if r.computed_at else None
            row.zones_designated, row.zones_tertib = r.zones_designated, r.zones_tertib
            row.realisasi_pct, row.target_pct = r.realisasi_pct, r.target_pct
            row.capaian_pct, row.zones_needed = r.capaian_pct, r.zones_needed
            row.gap_pct = rules.gap_pct(r.target_pct, r.realisasi_pct)
            row.zones_still_needed = rules.zones_still_needed(r.zones_needed, r.zones_tertib)
        for tp, figs in zip(rules.trend_periods(p, trend), points, strict=True):
            row.trend.append(_point(tp, snaps.get((kid, tp.end)), figs.get(kid)))
        items.append(row)
    ranked = [i for i in items if i.status != NO_DECREE]
    for i, n in zip(ranked, rules.ranks(ranked), strict=True):
        i.rank = n
    items.sort(key=lambda i: (i.rank is None, i.rank or 0, i.kecamatan_name))
    designated = sum(i.zones_designated for i in ranked)
    tertib = sum(i.zones_tertib for i in ranked)
    totals = CityTotals(
        kecamatan=len(items),
        kecamatan_with_decree=len(ranked),
        zones_designated=designated,
        zones_tertib=tertib,
        realisasi_pct=percent(tertib, designated),
        zones_still_needed=sum(i.zones_still_needed or 0 for i in ranked),
        complaints_received=sum(i.complaints.received for i in items),
        complaints_open=sum(i.complaints.open for i in items),
        target_met=sum(1 for i in ranked if i.zones_still_needed == 0),
    )
    return CityView(
        p.kind,
        p.label,
        p.start,
        p.end,
        source,
        trend,
        now_utc(),
        items,
        totals,
    )


# --- the city recap (rekap kota) ------------------------------------------------------------


def recap_file(
    uow: sessionmaker[Session], scope: Scope, p: Period, fmt: str, source: str = "langsung"
) -> tuple[bytes, str, str]:
    """(content, filename, content type) of the city recap: a summary table and one table
    per kecamatan, from the same figures as `city_view`."""
    if fmt not in exports.CITY_BUILDERS:
        raise InvalidInput(
            "Format tidak dikenal.", [FieldError(("format",), "Pilih xlsx, docx, atau csv.")]
        )
    view = city_view(uow, scope, p, source, "triwulan")
    items = [asdict(i) for i in view.items]
    notes = (
        ["DATA CONTOH: kecamatan bertanda contoh memuat nama zona dan geometri contoh."]
        if any(i.is_sample for i in view.items)
        else []
    )
    footer = (
        f"Sumber angka per kecamatan: {_SOURCE_TEXT[source]}; status persetujuan pimpinan "
        f"tertulis di tiap baris. Dibuat oleh k3zones {exports.wib_datetime(now_utc())}."
        # The evidence chain's root when the file was built, as the LKIP exports carry it.
        + chain_service.footer_line(uow)
    )
    data = exports.city_recap(view.period_label, items, asdict(view.totals), footer, notes)
    content = exports.CITY_BUILDERS[fmt](data)
    filename = f"rekap-kota-wilayah-tertib-{p.label.lower().replace(' ', '-')}.{fmt}"
    return content, filename, exports.MIME[fmt]
