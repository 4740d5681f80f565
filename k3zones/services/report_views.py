"""Reports as people read them: the JSON read model (a report with its photos, names and
versions) and the lists, with the visibility rules of each role."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from geoalchemy2.shape import to_shape
from sqlalchemy import String, Text, and_, cast, func, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, sessionmaker

from k3zones.db import snapshot
from k3zones.errors import FieldError, Forbidden, InvalidInput, NotFound
from k3zones.exports import report_table_csv, report_table_row
from k3zones.geo import point_geojson, to_geojson
from k3zones.models import (
    Kelurahan,
    Photo,
    Report,
    ReportType,
    ReportVersion,
    ReviewState,
    Role,
    Team,
    TeamMembership,
    User,
    Zone,
)
from k3zones.periods import WIB, day_after, day_start
from k3zones.principal import Principal
from k3zones.services.reference import get_kecamatan_by_slug
from k3zones.spatial import distance_m

MAX_PAGE = 200


def visible(q: Any, caller: Principal) -> Any:
    """Officers see their own reports and their teams'; the kecamatan office sees the
    kecamatan; city-level readers see everything."""
    if caller.is_kota:
        return q.where(caller.scope.clause(Report.kecamatan_id))
    q = q.where(Report.kecamatan_id == caller.kecamatan_id)
    if caller.role == Role.PETUGAS:
        my_teams = select(TeamMembership.team_id).where(
            TeamMembership.user_id == caller.user_id, TeamMembership.left_on.is_(None)
        )
        q = q.where(or_(Report.officer_id == caller.user_id, Report.team_id.in_(my_teams)))
    return q


# Who sees a photo's original file, its EXIF and its GPS point: the officer who took it
# (the report's author: only they send its photos) and the reviewers of its kecamatan.
# Everyone else reads the web and thumb images, which carry no EXIF.
PHOTO_DETAIL_ROLES = frozenset({Role.TRANTIB, Role.ADMIN})
# Who may list reports by officer (a trail of one person's work): the same reviewers.
OFFICER_TRAIL_ROLES = frozenset({Role.TRANTIB, Role.ADMIN})
# Who reads an officer's full name (officer_name) on any report they may see: the
# kecamatan office (Seksi Trantib, pimpinan, admin) and the city-level readers, as the
# office's report table and the LKIP exports name officers. A petugas reads it on their own
# reports only (a team-mate's report keeps showing the username, as before).
OFFICER_NAME_ROLES = frozenset({Role.TRANTIB, Role.PIMPINAN, Role.ADMIN})
# Evidence flags that point at another report (k3zones.evidence.photo_flags).
RECYCLED_FLAGS = ("duplicate", "near_duplicate")
ELSEWHERE = "laporan di kecamatan lain"


def sees_photo_details(caller: Principal, officer_id: uuid.UUID, kecamatan_id: int) -> bool:
    """May the caller download the original of a photo of this report and read its EXIF
    and GPS? The report's officer and the trantib/admin of its kecamatan; not pimpinan,
    kota, nor team-mates."""
    return caller.user_id == officer_id or (
        caller.role in PHOTO_DETAIL_ROLES and caller.kecamatan_id == kecamatan_id
    )


def sees_officer_name(caller: Principal | None, officer_id: uuid.UUID) -> bool:
    """May the caller read the full name of the officer of a report they may see? caller
    None: the report's own officer amending it, or a reviewer of its kecamatan."""
    return caller is None or sees_every_officer_name(caller) or caller.user_id == officer_id


def sees_every_officer_name(caller: Principal) -> bool:
    """May the caller read the full name of every officer whose reports they may see (a
    reviewer, pimpinan, admin, or a kota-level reader)? Others see only their own."""
    return caller.is_kota or caller.role in OFFICER_NAME_ROLES


def recycled_refs(flags: Mapping[str, Any] | None) -> set[str]:
    """Ids of the other reports a photo's recycled-photo flags name."""
    out: set[str] = set()
    if not isinstance(flags, Mapping):
        return out
    for name in RECYCLED_FLAGS:
        f = flags.get(name)
        if isinstance(f, dict) and f.get("report_id"):
            out.add(str(f["report_id"]))
    return out


def report_kecamatan(s: Session, report_ids: Iterable[str]) -> dict[str, int]:
    """The kecamatan of each report id (ids that name no report are left out)."""
    ids = set()
    for rid in report_ids:
        try:
            ids.add(uuid.UUID(rid))
        except ValueError:
            continue
    if not ids:
        return {}
    rows = s.execute(select(Report.id, Report.kecamatan_id).where(Report.id.in_(ids)))
    return {str(rid): kid for rid, kid in rows}


def redact_recycled(
    flags: dict[str, Any], home: int | None, kecamatan_of: Mapping[str, int] | None
) -> dict[str, Any]:
    """Recycled-photo detection is city-wide, but only kota users (kecamatan_of None) read
    which report of another kecamatan a photo was recycled from. For everyone else such a
    flag keeps its finding and numbers and loses the ids: "laporan di kecamatan lain"."""
    if kecamatan_of is None or not flags:
        return flags
    out = dict(flags)
    for name in RECYCLED_FLAGS:
        f = out.get(name)
        if not isinstance(f, dict) or not f.get("report_id"):
            continue
        if home is not None and kecamatan_of.get(str(f["report_id"])) == home:
            continue
        out[name] = {
            **f,
            "report_id": None,
            "photo_id": None,
            "kecamatan_lain": True,
            "message": str(f.get("message", "")).replace("laporan lain", ELSEWHERE),
        }
    return out


def photo_dict(
    p: Photo,
    *,
    details: bool,
    kecamatan_of: Mapping[str, int] | None,
    zone_distance_m: int | None = None,
) -> dict[str, Any]:
    """A photo as its reader may see it. details: the original, EXIF and GPS (see
    sees_photo_details); without them exif and gps are null. kecamatan_of: the kecamatan
    of the reports its recycled flags name (report_kecamatan), None for a kota reader.
    zone_distance_m: its GPS point's distance from its report's zone's monitoring area
    (photo_zone_distances), a number like its flags' (every reader of the report)."""
    gps = to_shape(p.gps) if p.gps is not None and details else None
    return {
        "id": str(p.id),
        "report_id": str(p.report_id),
        "status": p.status.value,
        "sha256": p.sha256,
        "size_bytes": p.size_bytes,
        "content_type": p.content_type,
        "declared_type": p.declared_type,
        "width": p.width,
        "height": p.height,
        "taken_at": p.taken_at.isoformat() if p.taken_at else None,
        "zone_distance_m": zone_distance_m,
        "gps": to_geojson(gps) if gps is not None else None,
        "exif": p.exif if details else None,
        "flags": redact_recycled(p.flags, p.kecamatan_id, kecamatan_of),
        "error": p.error,
        "received_at": p.received_at.isoformat() if p.received_at else None,
        "processed_at": p.processed_at.isoformat() if p.processed_at else None,
        # Read by the API to give (or withhold) the original's address; not shown as such.
        "original_allowed": details,
    }


def photo_dicts(
    s: Session, photos: list[Photo], caller: Principal | None, officer_id: uuid.UUID
) -> list[dict[str, Any]]:
    """The photos of one report for a caller. None: the report's own officer amending it
    or a reviewer of its kecamatan (k3zones.services.reports), who see the details."""
    city = caller is not None and caller.is_kota
    refs = set().union(*(recycled_refs(p.flags) for p in photos)) if photos else set()
    kecamatan_of = None if city else report_kecamatan(s, refs)
    distances = photo_zone_distances(s, [p.id for p in photos if p.gps is not None])
    return [
        photo_dict(
            p,
            details=caller is None or sees_photo_details(caller, officer_id, p.kecamatan_id),
            kecamatan_of=kecamatan_of,
            zone_distance_m=distances.get(p.id),
        )
        for p in photos
    ]


def photo_zone_distances(s: Session, photo_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Metres (rounded; 0 inside) from each photo's GPS point to the monitoring area of
    its report's zone: one query. Photos without GPS or of a report without zone: absent."""
    if not photo_ids:
        return {}
    rows = s.execute(
        select(Photo.id, distance_m(Zone.monitoring_area, Photo.gps))
        .join(Report, Report.id == Photo.report_id)
        .join(Zone, Zone.id == Report.zone_id)
        .where(Photo.id.in_(photo_ids), Photo.gps.is_not(None))
    )
    return {pid: round(d) for pid, d in rows if d is not None}


def _iso(dt: datetime | None, offset_min: int | None = None) -> str | None:
    if dt is None:
        return None
    if offset_min is None:
        return dt.isoformat()
    return dt.astimezone(timezone(timedelta(minutes=offset_min))).isoformat()


def report_dict(
    r: Report,
    *,
    zone_name: str | None = None,
    officer: str | None = None,
    team_name: str | None = None,
    officer_name: str | None = None,
) -> dict[str, Any]:
    """The report as the API and the idempotency record show it. officer_name: the
    officer's full name where the reader may see it (sees_officer_name), else None. The
    list builds the same from plain rows (_list_item): a key added here goes there too
    (tests/integration/test_report_list_fast.py compares them)."""
    out: dict[str, Any] = {
        "id": str(r.id),
        "type": r.type.value,
        # Mirrors the generated column, so the answer is right before the row is read back.
        "status": "lengkap" if r.photos_received >= r.photos_expected else "menunggu_foto",
        "review_state": r.review_state.value,
        "review_note": r.review_note,
        "reviewed_at": _iso(r.reviewed_at),
        "version": r.version,
        "officer_id": str(r.officer_id),
        "officer": officer,
        "officer_name": officer_name,
        "team_id": str(r.team_id) if r.team_id else None,
        "team": team_name,
        "units": list(r.units or []),
        "zone_id": str(r.zone_id) if r.zone_id else None,
        "zone": zone_name,
        "zone_match": r.zone_match,
        "started_at": _iso(r.started_at, r.started_offset_min),
        "ended_at": _iso(r.ended_at, r.ended_offset_min),
        "received_at": _iso(r.received_at),
        "period": r.started_at.astimezone(WIB).date().isoformat(),
        "location": to_geojson(to_shape(r.gps)),
        "accuracy_m": float(r.gps_accuracy_m) if r.gps_accuracy_m is not None else None,
        "findings": r.findings,
        "actions": r.actions,
        "violation_total": r.violation_total,
        "notes": r.notes,
        "photos_expected": r.photos_expected,
        "photos_received": r.photos_received,
        "flags": r.flags,
        "source": r.source,
    }
    return out


def names(s: Session, r: Report) -> dict[str, Any]:
    return {
        "zone_name": s.scalar(select(Zone.name).where(Zone.id == r.zone_id)) if r.zone_id else None,
        "officer": s.scalar(select(User.username).where(User.id == r.officer_id)),
        "team_name": s.scalar(select(Team.name).where(Team.id == r.team_id)) if r.team_id else None,
    }


def photos_of(s: Session, report_id: uuid.UUID) -> list[Photo]:
    return list(
        s.scalars(
            select(Photo).where(Photo.report_id == report_id).order_by(Photo.received_at, Photo.id)
        )
    )


def load_visible(
    s: Session, caller: Principal, report_id: uuid.UUID, *, lock: bool = False
) -> Report:
    q = visible(select(Report).where(Report.id == report_id), caller)
    if lock:
        q = q.with_for_update(of=Report)
    r: Report | None = s.scalar(q)
    if r is None:
        raise NotFound("Laporan tidak ditemukan.")
    return r


def full_dict(s: Session, r: Report, caller: Principal | None = None) -> dict[str, Any]:
    """The report with its photos. caller None: its officer amending it, or a reviewer of
    its kecamatan (k3zones.services.reports), who see the photos' details; either way
    another kecamatan's report is never named."""
    out = report_dict(r, **names(s, r))
    if sees_officer_name(caller, r.officer_id):
        out["officer_name"] = s.scalar(select(User.full_name).where(User.id == r.officer_id))
    out["photos"] = photo_dicts(s, photos_of(s, r.id), caller, r.officer_id)
    return out


def get_report(
    uow: sessionmaker[Session], caller: Principal, report_id: uuid.UUID
) -> dict[str, Any]:
    with snapshot(uow) as s:
        r = load_visible(s, caller, report_id)
        out = full_dict(s, r, caller)
        out["versions"] = [
            {
                "version": v.version,
                "review_state": v.review_state,
                "review_note": v.review_note,
                "replaced_at": v.replaced_at.isoformat(),
                "report": v.snapshot,
            }
            for v in s.scalars(
                select(ReportVersion)
                .where(ReportVersion.report_id == r.id)
                .order_by(ReportVersion.version)
            )
        ]
        return out


@dataclass(frozen=True)
class ReportFilter:
    kecamatan: str | None = None
    zone_id: uuid.UUID | None = None
    type: ReportType | None = None
    team_id: uuid.UUID | None = None
    officer_id: uuid.UUID | None = None
    date_from: date | None = None  # WIB, inclusive
    date_to: date | None = None
    flag: str | None = None  # "any" for any flag at all
    review_state: ReviewState | None = None
    status: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    cursor: str | None = None
    limit: int = 50
    kelurahan: str | None = None
    oldest_first: bool = False  # the review queue works from the oldest


def _encode_cursor(started_at: datetime, report_id: uuid.UUID | str) -> str:
    raw = f"{started_at.isoformat()}|{report_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _read_cursor(c: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(c + "=" * (-len(c) % 4)).decode()
        at, rid = raw.split("|")
        return datetime.fromisoformat(at), uuid.UUID(rid)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "Kursor halaman tidak valid.",
            [FieldError(("cursor",), "Gunakan next_cursor dari halaman sebelumnya.")],
        ) from exc


def _lookup(s: Session, key: Any, value: Any, ids: set[Any]) -> dict[Any, Any]:
    if not ids:
        return {}
    return {k: v for k, v in s.execute(select(key, value).where(key.in_(ids)))}


# The columns of a report the list shows (report_dict's, read as plain values: no ORM
# object, the point as two numbers, not the idempotency record first_response).
_LIST_COLUMNS = (
    Report.id,
    Report.type,
    Report.photos_received,
    Report.photos_expected,
    Report.review_state,
    Report.review_note,
    Report.reviewed_at,
    Report.version,
    Report.officer_id,
    Report.team_id,
    Report.units,
    Report.zone_id,
    Report.zone_match,
    Report.started_at,
    Report.started_offset_min,
    Report.ended_at,
    Report.ended_offset_min,
    Report.received_at,
    func.ST_X(Report.gps).label("x"),
    func.ST_Y(Report.gps).label("y"),
    Report.gps_accuracy_m,
    Report.findings,
    Report.actions,
    Report.violation_total,
    Report.notes,
    Report.flags,
    Report.source,
)


def list_reports(
    uow: sessionmaker[Session], caller: Principal, f: ReportFilter
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first (by device start time), keyset-paginated. Listing one officer's
    reports (a trail of a person's work) is for the reviewers of the kecamatan; anyone may
    list their own. Each item is report_dict's (with officer_name as sees_officer_name
    allows), built from one query: the page, then its names by outer join."""
    _check_officer_filter(caller, f)
    limit = max(1, min(f.limit, MAX_PAGE))
    with snapshot(uow) as s:
        q = _filtered(s, caller, visible(select(*_LIST_COLUMNS), caller), f)
        if f.cursor:
            at, rid = _read_cursor(f.cursor)
            # The bound on started_at alone repeats what the OR says, so an index on
            # (..., started_at) serves the page in order (bench/scale.py).
            if f.oldest_first:
                q = q.where(
                    Report.started_at >= at,
                    or_(Report.started_at > at, and_(Report.started_at == at, Report.id > rid)),
                )
            else:
                q = q.where(
                    Report.started_at <= at,
                    or_(Report.started_at < at, and_(Report.started_at == at, Report.id < rid)),
                )
        if f.oldest_first:
            q = q.order_by(Report.started_at.asc(), Report.id.asc())
        else:
            q = q.order_by(Report.started_at.desc(), Report.id.desc())
        # The page is chosen first (its plan as without names), then named. Ids come as
        # text and the vocabularies as their stored values (what the item shows), the
        # three JSON columns as one array (one decode per row).
        page = q.limit(limit + 1).subquery("page")
        p = page.c
        named = (
            select(
                cast(p.id, Text),
                type_coerce(p.type, String),
                p.photos_received,
                p.photos_expected,
                type_coerce(p.review_state, String),
                p.review_note,
                p.reviewed_at,
                p.version,
                cast(p.officer_id, Text),
                cast(p.team_id, Text),
                p.units,
                cast(p.zone_id, Text),
                p.zone_match,
                p.started_at,
                p.started_offset_min,
                p.ended_at,
                p.ended_offset_min,
                p.received_at,
                p.x,
                p.y,
                p.gps_accuracy_m,
                func.jsonb_build_array(p.findings, p.actions, p.flags, type_=JSONB),
                p.violation_total,
                p.notes,
                p.source,
                Zone.name,
                User.username,
                User.full_name,
                Team.name,
            )
            .select_from(
                page.outerjoin(Zone, Zone.id == p.zone_id)
                .outerjoin(User, User.id == p.officer_id)
                .outerjoin(Team, Team.id == p.team_id)
            )
            .order_by(
                *(
                    (p.started_at.asc(), p.id.asc())
                    if f.oldest_first
                    else (p.started_at.desc(), p.id.desc())
                )
            )
        )
        rows = s.execute(named).all()
    more = len(rows) > limit
    rows = rows[:limit]
    every_name = sees_every_officer_name(caller)
    me = str(caller.user_id)
    offsets: dict[int, timezone] = {}
    items = [_list_item(row, every_name, me, offsets) for row in rows]
    cursor = None
    if more:
        cursor = _encode_cursor(rows[-1][13], rows[-1][0])
    return items, cursor


def _list_item(row: Any, every_name: bool, me: str, offsets: dict[int, timezone]) -> dict[str, Any]:
    """One row of list_reports as report_dict gives it (same keys, order and values).
    offsets: the time zones of the phones' offsets met so far."""
    (
        rid,
        rtype,
        photos_received,
        photos_expected,
        review_state,
        review_note,
        reviewed_at,
        version,
        officer_id,
        team_id,
        units,
        zone_id,
        zone_match,
        started_at,
        started_offset_min,
        ended_at,
        ended_offset_min,
        received_at,
        x,
        y,
        accuracy_m,
        (findings, actions, flags),
        violation_total,
        notes,
        source,
        zone_name,
        username,
        full_name,
        team_name,
    ) = row
    started_tz = offsets.get(started_offset_min)
    if started_tz is None:
        started_tz = offsets[started_offset_min] = timezone(timedelta(minutes=started_offset_min))
    if ended_at is None:
        ended = None
    elif ended_offset_min is None:
        ended = ended_at.isoformat()
    else:
        ended_tz = offsets.get(ended_offset_min)
        if ended_tz is None:
            ended_tz = offsets[ended_offset_min] = timezone(timedelta(minutes=ended_offset_min))
        ended = ended_at.astimezone(ended_tz).isoformat()
    return {
        "id": rid,
        "type": rtype,
        "status": "lengkap" if photos_received >= photos_expected else "menunggu_foto",
        "review_state": review_state,
        "review_note": review_note,
        "reviewed_at": reviewed_at.isoformat() if reviewed_at is not None else None,
        "version": version,
        "officer_id": officer_id,
        "officer": username,
        "officer_name": full_name if every_name or officer_id == me else None,
        "team_id": team_id,
        "team": team_name if team_id else None,
        "units": list(units or []),
        "zone_id": zone_id,
        "zone": zone_name if zone_id else None,
        "zone_match": zone_match,
        "started_at": started_at.astimezone(started_tz).isoformat(),
        "ended_at": ended,
        "received_at": received_at.isoformat() if received_at is not None else None,
        "period": started_at.astimezone(WIB).date().isoformat(),
        "location": point_geojson(x, y),
        "accuracy_m": float(accuracy_m) if accuracy_m is not None else None,
        "findings": findings,
        "actions": actions,
        "violation_total": violation_total,
        "notes": notes,
        "photos_expected": photos_expected,
        "photos_received": photos_received,
        "flags": flags,
        "source": source,
    }


def _check_officer_filter(caller: Principal, f: ReportFilter) -> None:
    if (
        f.officer_id is not None
        and f.officer_id != caller.user_id
        and caller.role not in OFFICER_TRAIL_ROLES
    ):
        raise Forbidden(
            "Menyaring laporan per petugas hanya untuk Seksi Trantib dan admin kecamatan.",
            [FieldError(("officer",), "Hapus filter ini, atau isi dengan id Anda sendiri.")],
        )


def _filtered(s: Session, caller: Principal, q: Any, f: ReportFilter) -> Any:
    """The filters of the report list (not its cursor or order) applied to `q`."""
    if f.kecamatan:
        kid = get_kecamatan_by_slug(s, caller.scope, f.kecamatan).id
        q = q.where(Report.kecamatan_id == kid)
    for col, val in (
        (Report.zone_id, f.zone_id),
        (Report.type, f.type),
        (Report.team_id, f.team_id),
        (Report.officer_id, f.officer_id),
        (Report.review_state, f.review_state),
        (Report.status, f.status),
    ):
        if val is not None:
            q = q.where(col == val)
    if f.date_from:
        q = q.where(Report.started_at >= day_start(f.date_from))
    if f.date_to:
        q = q.where(Report.started_at < day_after(f.date_to))
    if f.flag == "any":
        q = q.where(Report.flags != {})
    elif f.flag:
        q = q.where(Report.flags.has_key(f.flag))
    if f.bbox:
        q = q.where(func.ST_Intersects(Report.gps, func.ST_MakeEnvelope(*f.bbox, 4326)))
    if f.kelurahan:
        q = (
            q.join(Zone, Zone.id == Report.zone_id)
            .join(Kelurahan, Kelurahan.id == Zone.kelurahan_id)
            .where(Kelurahan.slug == f.kelurahan)
        )
    return q


# The report table's CSV: at most this many rows (a year of a busy kecamatan fits).
MAX_CSV_ROWS = 50_000


def report_summary(
    uow: sessionmaker[Session], caller: Principal, f: ReportFilter
) -> dict[str, Any]:
    """Totals of the reports the list shows for the same filters."""
    _check_officer_filter(caller, f)
    with snapshot(uow) as s:
        sub = _filtered(s, caller, visible(select(Report), caller), f).subquery()
        rows = s.execute(
            select(
                sub.c.type,
                sub.c.review_state,
                func.count(),
                func.count().filter(sub.c.flags != {}),
            ).group_by(sub.c.type, sub.c.review_state)
        ).all()
    by_type = {t.value: 0 for t in ReportType}
    by_state = {st.value: 0 for st in ReviewState}
    total = flagged = 0
    for typ, state, n, nf in rows:
        by_type[typ.value] += n
        by_state[state.value] += n
        total += n
        flagged += nf
    return {"total": total, "by_type": by_type, "by_review_state": by_state, "flagged": flagged}


def report_csv(uow: sessionmaker[Session], caller: Principal, f: ReportFilter) -> bytes:
    """The reports the list shows for the same filters, newest first, as the office's CSV
    table (Indonesian headers and labels). Officers by full name for the reviewers (who may
    follow an officer's trail), by username otherwise, as the list shows them."""
    _check_officer_filter(caller, f)
    with snapshot(uow) as s:
        q = _filtered(s, caller, visible(select(Report), caller), f)
        n = s.scalar(select(func.count()).select_from(q.subquery())) or 0
        if n > MAX_CSV_ROWS:
            raise InvalidInput(
                f"Terlalu banyak laporan ({n}); paling banyak {MAX_CSV_ROWS} baris. "
                "Persempit periode atau saringan.",
                [FieldError(("date_from",), "Persempit periode.")],
            )
        reports = list(s.scalars(q.order_by(Report.started_at.desc(), Report.id.desc())))
        zone_names = _lookup(s, Zone.id, Zone.name, {r.zone_id for r in reports if r.zone_id})
        who = User.full_name if caller.role in OFFICER_TRAIL_ROLES else User.username
        officers = _lookup(s, User.id, who, {r.officer_id for r in reports})
        teams = _lookup(s, Team.id, Team.name, {r.team_id for r in reports if r.team_id})
        rows = [
            report_table_row(
                {
                    "id": r.id,
                    "started_at": r.started_at,
                    "type": r.type.value,
                    "zone": zone_names.get(r.zone_id) if r.zone_id else None,
                    "team": teams.get(r.team_id) if r.team_id else None,
                    "officer": officers.get(r.officer_id),
                    "review_state": r.review_state.value,
                    "violation_total": r.violation_total,
                    "findings": r.findings,
                    "actions": r.actions,
                    "flags": r.flags,
                    "notes": r.notes,
                }
            )
            for r in reports
        ]
    return report_table_csv(rows)
