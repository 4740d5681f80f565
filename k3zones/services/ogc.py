"""The OGC API - Features collections over the database: one page of features, the number
matched, one feature, a collection's extent.

Public collections (zones, kelurahan) read every kecamatan (open data); staff collections
(reports, zone-status-history) take the caller's Principal and its scope, and the report
visibility of k3zones.services.report_views. A kecamatan named in the path narrows either
to that kecamatan (one outside the caller's scope is NotFound, as everywhere).

Bounded: one count and one page (LIMIT <= k3zones.ogc.LIMIT_MAX) per request; geometries
come out of PostGIS as GeoJSON text (7 decimals, ~1 cm), no ORM objects are built.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, cast, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from k3zones.enums import ComplaintState
from k3zones.errors import NotFound, Unauthenticated
from k3zones.models import (
    Complaint,
    Decree,
    DecreeStatus,
    Kategori,
    Kecamatan,
    Kelurahan,
    Report,
    ReportType,
    ReviewState,
    Team,
    TertibKategori,
    User,
    Zone,
    ZoneStatus,
    ZoneStatusChange,
    ZoneStatusValue,
)
from k3zones.ogc import (
    COMPLAINT_GRID_DEG,
    COMPLAINTS_PUBLIC,
    HISTORY,
    KELURAHAN,
    REPORTS,
    ZONES,
    CollectionDef,
    Interval,
    ItemsQuery,
)
from k3zones.principal import Principal
from k3zones.scope import Scope
from k3zones.services.report_views import OFFICER_TRAIL_ROLES, visible

PRECISION = 7


@dataclass(frozen=True)
class KecamatanInfo:
    slug: str
    name: str
    kota: str


@dataclass(frozen=True)
class Page:
    features: list[dict[str, Any]]
    number_matched: int


@dataclass(frozen=True)
class Extent:
    bbox: tuple[float, float, float, float] | None
    interval: tuple[str | None, str | None] | None


def _iso(dt: datetime | None, offset_min: int | None = None) -> str | None:
    if dt is None:
        return None
    if offset_min is not None:
        dt = dt.astimezone(timezone(timedelta(minutes=offset_min)))
    return dt.isoformat()


def _geometry(text: str | None) -> Any:
    return json.loads(text) if text else None


def _sees_officers(caller: Principal | None, kecamatan_id: int) -> bool:
    """Officer usernames (who filed, who verified) only for the reviewers of the row's own
    kecamatan: the roles that may list reports by officer in the API."""
    return (
        caller is not None
        and caller.role in OFFICER_TRAIL_ROLES
        and caller.kecamatan_id == kecamatan_id
    )


@dataclass(frozen=True)
class _Source:
    """How one collection reads: its base query (already scoped), the id, geometry and
    time columns, its filters and order, and a row -> properties function."""

    query: Any  # a Select of the collection's columns, already scoped
    id_col: Any
    geom: Any
    time_col: Any
    filters: dict[str, Callable[[Any], ColumnElement[bool]]]
    order: tuple[Any, ...]
    props: Callable[[Any, Principal | None], dict[str, Any]]
    parse_id: Callable[[str], Any]


def _uuid_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise NotFound("Fitur tidak ditemukan.") from exc


def _int_id(raw: str) -> int:
    if not re.fullmatch(r"[0-9]{1,18}", raw):
        raise NotFound("Fitur tidak ditemukan.")
    return int(raw)


def _zones(scope: Scope) -> _Source:
    status = func.coalesce(cast(ZoneStatus.status, String), ZoneStatusValue.BELUM_TERTIB.value)
    q = (
        select(
            Zone.id,
            Zone.name,
            Zone.kategori,
            Kecamatan.slug.label("kecamatan"),
            Kecamatan.name.label("kecamatan_name"),
            Kelurahan.slug.label("kelurahan"),
            Kelurahan.name.label("kelurahan_name"),
            Decree.id.label("decree_id"),
            Decree.nomor.label("decree_nomor"),
            Decree.tanggal.label("decree_tanggal"),
            status.label("status"),
            ZoneStatus.kategori.label("status_kategori"),
            ZoneStatus.verified_at,
            Zone.target_year,
            Zone.radius_m,
            Zone.is_sample,
            func.ST_AsGeoJSON(Zone.geom, PRECISION).label("geojson"),
        )
        .join(Kecamatan, Kecamatan.id == Zone.kecamatan_id)
        .join(Decree, Decree.id == Zone.decree_id)
        .outerjoin(Kelurahan, Kelurahan.id == Zone.kelurahan_id)
        .outerjoin(ZoneStatus, ZoneStatus.zone_id == Zone.id)
        # What the kecamatan committed to: zones of a decree in force, not retired.
        .where(
            scope.clause(Zone.kecamatan_id),
            Zone.active.is_(True),
            Decree.status == DecreeStatus.BERLAKU,
        )
    )

    def props(r: Any, _caller: Principal | None) -> dict[str, Any]:
        return {
            "name": r.name,
            "kategori": r.kategori.value,
            "kecamatan": r.kecamatan,
            "kecamatan_name": r.kecamatan_name,
            "kelurahan": r.kelurahan,
            "kelurahan_name": r.kelurahan_name,
            "decree_id": str(r.decree_id),
            "decree_nomor": r.decree_nomor,
            "decree_tanggal": r.decree_tanggal.isoformat(),
            "status": r.status,
            "status_kategori": r.status_kategori.value if r.status_kategori else None,
            "verified_at": _iso(r.verified_at),
            "target_year": r.target_year,
            "radius_m": r.radius_m,
            "is_sample": r.is_sample,
        }

    return _Source(
        q,
        Zone.id,
        Zone.geom,
        None,
        {
            "kecamatan": lambda v: Kecamatan.slug == v,
            "kategori": lambda v: Zone.kategori == Kategori(v),
            "status": lambda v: status == v,
            "status_kategori": lambda v: ZoneStatus.kategori == TertibKategori(v),
            "kelurahan": lambda v: Kelurahan.slug == v,
        },
        (Kecamatan.slug, Zone.kategori, Zone.name, Zone.id),
        props,
        _uuid_id,
    )


def _kelurahan(scope: Scope) -> _Source:
    q = (
        select(
            Kelurahan.id,
            Kelurahan.slug,
            Kelurahan.name,
            Kecamatan.slug.label("kecamatan"),
            Kecamatan.name.label("kecamatan_name"),
            Kelurahan.boundary_approximate,
            Kelurahan.boundary_source,
            func.ST_AsGeoJSON(Kelurahan.boundary, PRECISION).label("geojson"),
        )
        .join(Kecamatan, Kecamatan.id == Kelurahan.kecamatan_id)
        .where(scope.clause(Kelurahan.kecamatan_id))
    )

    def props(r: Any, _caller: Principal | None) -> dict[str, Any]:
        return {
            "slug": r.slug,
            "name": r.name,
            "kecamatan": r.kecamatan,
            "kecamatan_name": r.kecamatan_name,
            "boundary_approximate": r.boundary_approximate,
            "boundary_source": r.boundary_source,
        }

    return _Source(
        q,
        Kelurahan.id,
        Kelurahan.boundary,
        None,
        {
            "kecamatan": lambda v: Kecamatan.slug == v,
            "slug": lambda v: Kelurahan.slug == v,
            "boundary_approximate": lambda v: Kelurahan.boundary_approximate.is_(bool(v)),
        },
        (Kecamatan.slug, Kelurahan.name, Kelurahan.id),
        props,
        _int_id,
    )


def _complaints_public(scope: Scope) -> _Source:
    # Snapped to the grid for the answer AND for the bbox filter: otherwise shrinking a
    # bbox around one complaint would find its exact place.
    grid = func.ST_SnapToGrid(Complaint.location, COMPLAINT_GRID_DEG)
    q = (
        select(
            Complaint.id,
            Complaint.category,
            Complaint.state,
            Complaint.received_at,
            Complaint.closed_at,
            Kecamatan.slug.label("kecamatan"),
            Kelurahan.slug.label("kelurahan"),
            Kelurahan.name.label("kelurahan_name"),
            func.ST_AsGeoJSON(grid, 3).label("geojson"),
        )
        .join(Kecamatan, Kecamatan.id == Complaint.kecamatan_id)
        .outerjoin(Kelurahan, Kelurahan.id == Complaint.kelurahan_id)
        # One row per matter: a merged duplicate is counted on the complaint it joined.
        .where(scope.clause(Complaint.kecamatan_id), Complaint.duplicate_of.is_(None))
    )

    def props(r: Any, _caller: Principal | None) -> dict[str, Any]:
        return {
            "category": r.category,
            "state": r.state.value,
            "received_at": _iso(r.received_at),
            "closed_at": _iso(r.closed_at),
            "kecamatan": r.kecamatan,
            "kelurahan": r.kelurahan,
            "kelurahan_name": r.kelurahan_name,
        }

    return _Source(
        q,
        Complaint.id,
        grid,
        Complaint.received_at,
        {
            "kecamatan": lambda v: Kecamatan.slug == v,
            "category": lambda v: Complaint.category == v,
            "state": lambda v: Complaint.state == ComplaintState(v),
            "kelurahan": lambda v: Kelurahan.slug == v,
        },
        (Kecamatan.slug, Complaint.received_at.desc(), Complaint.id),
        props,
        _uuid_id,
    )


def _reports(caller: Principal) -> _Source:
    q = visible(
        select(
            Report.id,
            Report.kecamatan_id,
            Report.type,
            Report.started_at,
            Report.started_offset_min,
            Report.ended_at,
            Report.ended_offset_min,
            Report.received_at,
            Report.zone_id,
            Report.zone_match,
            Report.violation_total,
            Report.review_state,
            Report.status,
            Report.photos_expected,
            Report.photos_received,
            Kecamatan.slug.label("kecamatan"),
            Zone.name.label("zone_name"),
            Team.name.label("team"),
            User.username.label("officer"),
            func.ST_AsGeoJSON(Report.gps, PRECISION).label("geojson"),
        )
        .join(Kecamatan, Kecamatan.id == Report.kecamatan_id)
        .join(User, User.id == Report.officer_id)
        .outerjoin(Zone, Zone.id == Report.zone_id)
        .outerjoin(Team, Team.id == Report.team_id),
        caller,
    )

    def props(r: Any, who: Principal | None) -> dict[str, Any]:
        out = {
            "type": r.type.value,
            "kecamatan": r.kecamatan,
            "started_at": _iso(r.started_at, r.started_offset_min),
            "ended_at": _iso(r.ended_at, r.ended_offset_min),
            "received_at": _iso(r.received_at),
            "zone_id": str(r.zone_id) if r.zone_id else None,
            "zone_name": r.zone_name,
            "zone_match": r.zone_match,
            "team": r.team,
            "violation_total": r.violation_total,
            "review_state": r.review_state.value,
            "status": r.status,
            "photos_expected": r.photos_expected,
            "photos_received": r.photos_received,
        }
        if _sees_officers(who, r.kecamatan_id):
            out["officer"] = r.officer
        return out

    return _Source(
        q,
        Report.id,
        Report.gps,
        Report.started_at,
        {
            "kecamatan": lambda v: Kecamatan.slug == v,
            "type": lambda v: Report.type == ReportType(v),
            "review_state": lambda v: Report.review_state == ReviewState(v),
            "zone_id": lambda v: Report.zone_id == uuid.UUID(str(v)),
        },
        (Report.started_at.desc(), Report.id),
        props,
        _uuid_id,
    )


def _history(caller: Principal) -> _Source:
    q = (
        select(
            ZoneStatusChange.id,
            ZoneStatusChange.kecamatan_id,
            ZoneStatusChange.zone_id,
            ZoneStatusChange.at,
            ZoneStatusChange.kind,
            ZoneStatusChange.from_status,
            ZoneStatusChange.to_status,
            ZoneStatusChange.kategori,
            ZoneStatusChange.reason,
            ZoneStatusChange.actor,
            ZoneStatusChange.rule_version,
            Kecamatan.slug.label("kecamatan"),
            Zone.name.label("zone_name"),
            func.ST_AsGeoJSON(Zone.geom, PRECISION).label("geojson"),
        )
        .join(Kecamatan, Kecamatan.id == ZoneStatusChange.kecamatan_id)
        .join(Zone, Zone.id == ZoneStatusChange.zone_id)
        .where(caller.scope.clause(ZoneStatusChange.kecamatan_id))
    )

    def props(r: Any, who: Principal | None) -> dict[str, Any]:
        out = {
            "zone_id": str(r.zone_id),
            "zone_name": r.zone_name,
            "kecamatan": r.kecamatan,
            "at": _iso(r.at),
            "kind": r.kind,
            "from_status": r.from_status,
            "to_status": r.to_status,
            "kategori": r.kategori,
            "reason": r.reason,
            "rule_version": r.rule_version,
        }
        if _sees_officers(who, r.kecamatan_id):
            out["actor"] = r.actor
        return out

    return _Source(
        q,
        ZoneStatusChange.id,
        Zone.geom,
        ZoneStatusChange.at,
        {
            "kecamatan": lambda v: Kecamatan.slug == v,
            "zone_id": lambda v: ZoneStatusChange.zone_id == uuid.UUID(str(v)),
            "to_status": lambda v: ZoneStatusChange.to_status == v,
            "kind": lambda v: ZoneStatusChange.kind == v,
        },
        (ZoneStatusChange.at.desc(), ZoneStatusChange.id.desc()),
        props,
        _int_id,
    )


def _source(c: CollectionDef, caller: Principal | None) -> _Source:
    if c.staff and caller is None:
        raise Unauthenticated("Koleksi ini hanya untuk staf: masuk dengan akun k3zones.")
    if c is ZONES:
        return _zones(Scope.everything())
    if c is KELURAHAN:
        return _kelurahan(Scope.everything())
    if c is COMPLAINTS_PUBLIC:
        return _complaints_public(Scope.everything())
    assert caller is not None
    if c is REPORTS:
        return _reports(caller)
    if c is HISTORY:
        return _history(caller)
    raise NotFound("Koleksi tidak ditemukan.")


def _kecamatan_row(s: Session, slug: str, caller: Principal | None, staff: bool) -> Kecamatan:
    k = s.scalar(select(Kecamatan).where(Kecamatan.slug == slug))
    if k is None or (staff and (caller is None or not caller.scope.allows(k.id))):
        raise NotFound(f"Kecamatan '{slug[:64]}' tidak ditemukan.")
    return k


def get_kecamatan(uow: sessionmaker[Session], slug: str) -> KecamatanInfo:
    """A kecamatan for the per-kecamatan OGC API (its name is public)."""
    with uow() as s:
        k = _kecamatan_row(s, slug, None, staff=False)
        return KecamatanInfo(k.slug, k.name, k.kota.name)


def _narrow(
    src: _Source, s: Session, c: CollectionDef, caller: Principal | None, kecamatan: str | None
) -> Select[Any]:
    q: Select[Any] = src.query
    if kecamatan is not None:
        k = _kecamatan_row(s, kecamatan, caller, c.staff)
        q = q.where(Kecamatan.id == k.id)
    return q


def _interval(col: Any, iv: Interval) -> ColumnElement[bool]:
    parts = []
    if iv.start is not None:
        parts.append(col >= iv.start)
    if iv.end is not None:
        parts.append(col <= iv.end)
    return and_(*parts)


def _feature(src: _Source, r: Any, caller: Principal | None) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": str(r.id),
        "geometry": _geometry(r.geojson),
        "properties": src.props(r, caller),
    }


def items(
    uow: sessionmaker[Session],
    caller: Principal | None,
    kecamatan: str | None,
    c: CollectionDef,
    query: ItemsQuery,
) -> Page:
    src = _source(c, caller)
    with uow() as s:
        q = _narrow(src, s, c, caller, kecamatan)
        if query.boxes:
            q = q.where(
                or_(
                    *(
                        func.ST_Intersects(src.geom, func.ST_MakeEnvelope(*b, 4326))
                        for b in query.boxes
                    )
                )
            )
        if query.interval is not None and src.time_col is not None:
            q = q.where(_interval(src.time_col, query.interval))
        for name, value in query.filters.items():
            q = q.where(src.filters[name](value))
        matched = int(s.scalar(select(func.count()).select_from(q.order_by(None).subquery())) or 0)
        rows = s.execute(q.order_by(*src.order).limit(query.limit).offset(query.offset)).all()
        return Page([_feature(src, r, caller) for r in rows], matched)


def item(
    uow: sessionmaker[Session],
    caller: Principal | None,
    kecamatan: str | None,
    c: CollectionDef,
    feature_id: str,
) -> dict[str, Any]:
    src = _source(c, caller)
    fid = src.parse_id(feature_id)
    with uow() as s:
        q = _narrow(src, s, c, caller, kecamatan).where(src.id_col == fid)
        row = s.execute(q).first()
        if row is None:
            raise NotFound(f"Fitur '{feature_id[:64]}' tidak ada di koleksi {c.id}.")
        return _feature(src, row, caller)


def extent(
    uow: sessionmaker[Session],
    caller: Principal | None,
    kecamatan: str | None,
    c: CollectionDef,
) -> Extent:
    """The spatial extent (the service areas of the kecamatan in view) and, for a
    collection with time, the first and last instant."""
    src = _source(c, caller)
    with uow() as s:
        kq = select(func.ST_Extent(Kecamatan.extent))
        if kecamatan is not None:
            k = _kecamatan_row(s, kecamatan, caller, c.staff)
            kq = kq.where(Kecamatan.id == k.id)
        elif c.staff:
            assert caller is not None
            kq = kq.where(caller.scope.clause(Kecamatan.id))
        e = kq.scalar_subquery()
        row = s.execute(
            select(func.ST_XMin(e), func.ST_YMin(e), func.ST_XMax(e), func.ST_YMax(e))
        ).one()
        bbox = (
            None if row[0] is None else (float(row[0]), float(row[1]), float(row[2]), float(row[3]))
        )
        interval = None
        if src.time_col is not None:
            q = _narrow(src, s, c, caller, kecamatan).subquery()
            col = q.c[src.time_col.key]
            lo, hi = s.execute(select(func.min(col), func.max(col))).one()
            interval = (_iso(lo), _iso(hi))
        return Extent(bbox, interval)
