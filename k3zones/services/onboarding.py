"""Onboarding a kecamatan into its kota: the city administrator (admin_kota, through the
API) or the operator (CLI, caller None) creates the kecamatan with its boundary, then its
kelurahan, Renstra targets, first decree with its zones, and first admin; the checklist
says what is still missing before officers can report.

Each step reuses the service that owns it (kelurahan.import_boundaries, targets.set_target,
decrees.create_decree + zones.import_zones, users.create_user) with the caller's scope,
which for a kota user is the kecamatan of their kota.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from k3zones.errors import Conflict, FieldError, Forbidden, InvalidInput
from k3zones.geo import INDONESIA_LAT, INDONESIA_LON, GeometryInputError, parse_geometry
from k3zones.models import (
    Decree,
    DecreeStatus,
    Kecamatan,
    Kelurahan,
    Kota,
    RenstraTarget,
    Role,
    Team,
    TeamMembership,
    User,
    Zone,
)
from k3zones.periods import today_wib
from k3zones.principal import Principal
from k3zones.scope import Scope
from k3zones.services import decrees, kelurahan, targets, users, zones
from k3zones.services.decrees import DecreeChanges
from k3zones.services.reference import get_kecamatan_by_slug
from k3zones.services.users import kota_id_of

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
MAX_NAME = 200
# A kecamatan is a few to a few hundred km²; a boundary wider than this is the wrong layer
# (a kota, a province) or projected coordinates read as degrees.
MAX_SPAN_DEG = 1.5
# Share of the new boundary that may lie inside a neighbour's (drawing slack at borders).
MAX_OVERLAP = 0.05
POLYGON_TYPES = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    ok: bool
    label: str
    detail: str


@dataclass(frozen=True)
class Checklist:
    kecamatan: str
    name: str
    ready: bool
    items: list[ChecklistItem]


@dataclass(frozen=True)
class KecamatanView:
    slug: str
    name: str
    kota_kode: str
    kota: str
    provinsi: str
    is_sample: bool
    has_boundary: bool
    ready: bool
    missing: list[str]


def _check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_NAME:
        raise InvalidInput(
            "Nama kecamatan tidak valid.",
            [FieldError(("name",), f"Nama kecamatan 1-{MAX_NAME} huruf.")],
        )
    return cleaned


def _check_slug(slug: str) -> str:
    if not SLUG.match(slug):
        raise InvalidInput(
            "Slug kecamatan tidak valid.",
            [
                FieldError(
                    ("slug",),
                    "Slug 2-64 karakter: huruf kecil, angka, atau strip; diawali huruf/angka.",
                )
            ],
        )
    return slug


def parse_boundary(obj: Any, path: tuple[str | int, ...] = ("boundary",)) -> MultiPolygon:
    """A kecamatan boundary: a valid GeoJSON Polygon/MultiPolygon in Indonesia, not wider
    than MAX_SPAN_DEG, as a MultiPolygon."""
    try:
        geom = parse_geometry(obj, path, POLYGON_TYPES)
    except GeometryInputError as exc:
        raise InvalidInput("Batas kecamatan tidak valid.", exc.errors) from exc
    x0, y0, x1, y1 = geom.bounds
    cpath = (*path, "coordinates")
    if not (
        INDONESIA_LON[0] <= x0 <= x1 <= INDONESIA_LON[1]
        and INDONESIA_LAT[0] <= y0 <= y1 <= INDONESIA_LAT[1]
    ):
        raise InvalidInput(
            "Batas kecamatan di luar Indonesia.",
            [
                FieldError(
                    cpath,
                    "Koordinat harus [bujur, lintang] WGS 84 di wilayah Indonesia "
                    "(periksa urutan dan proyeksi).",
                )
            ],
        )
    if x1 - x0 > MAX_SPAN_DEG or y1 - y0 > MAX_SPAN_DEG or geom.area <= 0:
        raise InvalidInput(
            "Batas kecamatan tidak wajar.",
            [
                FieldError(
                    cpath,
                    f"Batas harus berupa luasan dan tidak lebih lebar dari {MAX_SPAN_DEG} "
                    "derajat; ini bukan batas satu kecamatan.",
                )
            ],
        )
    return MultiPolygon([geom]) if isinstance(geom, Polygon) else geom  # type: ignore[return-value]


def _kota_for(s: Session, caller: Principal | None, kode: str | None) -> int:
    """The kota the new kecamatan belongs to: a kota user's own (naming another is
    refused); the operator names it by BPS code (or the deployment's only kota)."""
    if caller is None:
        return kota_id_of(s, kode)
    if caller.kota_id is None:
        raise Forbidden("Hanya admin kota yang dapat menambah kecamatan.")
    if kode is not None and s.scalar(select(Kota.kode).where(Kota.id == caller.kota_id)) != kode:
        raise Forbidden(
            "Anda hanya dapat menambah kecamatan di kota Anda sendiri.",
            [FieldError(("kota",), "Kosongkan, atau isi kode BPS kota Anda.")],
        )
    return caller.kota_id


def _overlap(s: Session, boundary: MultiPolygon) -> str | None:
    """The name of an existing kecamatan whose service area the boundary overlaps."""
    g = func.ST_GeomFromText(boundary.wkt, 4326)
    return s.scalar(
        select(Kecamatan.name)
        .where(
            Kecamatan.extent.is_not(None),
            func.ST_Intersects(Kecamatan.extent, g),
            func.ST_Area(func.ST_Intersection(Kecamatan.extent, g)) > MAX_OVERLAP * func.ST_Area(g),
        )
        .limit(1)
    )


def create_kecamatan(
    uow: sessionmaker[Session],
    caller: Principal | None,
    *,
    slug: str,
    name: str,
    boundary: Any,
    kota: str | None = None,
) -> Checklist:
    """A new kecamatan of the caller's kota with its boundary; returns its checklist."""
    slug = _check_slug(slug)
    name = _check_name(name)
    area = parse_boundary(boundary)
    with uow() as s, s.begin():
        kota_id = _kota_for(s, caller, kota)
        if s.scalar(select(Kecamatan.id).where(Kecamatan.slug == slug)) is not None:
            raise Conflict(
                f"Kecamatan '{slug}' sudah ada.",
                [FieldError(("slug",), "Sudah dipakai; pilih slug lain.")],
            )
        other = _overlap(s, area)
        if other is not None:
            raise InvalidInput(
                "Batas kecamatan menumpuk wilayah kecamatan lain.",
                [FieldError(("boundary",), f"Batas ini menumpuk wilayah Kecamatan {other}.")],
            )
        k = Kecamatan(slug=slug, name=name, kota_id=kota_id, extent=from_shape(area, srid=4326))
        s.add(k)
        try:
            s.flush()
        except IntegrityError as exc:  # the same slug at the same moment
            raise Conflict(f"Kecamatan '{slug}' sudah ada.") from exc
        return _checklist(s, k)


def import_kelurahan(
    uow: sessionmaker[Session],
    caller: Principal | None,
    kecamatan: str,
    collection: Any,
    *,
    source: str | None,
    approximate: bool,
) -> list[kelurahan.BoundaryView]:
    """The kecamatan's kelurahan with their boundaries: names it does not have yet become
    new kelurahan (all or nothing, as any boundary import)."""
    return kelurahan.import_boundaries(
        uow,
        _scope(caller),
        kecamatan,
        collection,
        source=source,
        approximate=approximate,
        create_missing=True,
    )


def set_targets(
    uow: sessionmaker[Session],
    caller: Principal | None,
    kecamatan: str,
    items: list[tuple[int, Decimal, str | None]],
) -> list[targets.TargetView]:
    """The Renstra targets, one year each (a year given twice is refused)."""
    years = [y for y, _, _ in items]
    dup = sorted({y for y in years if years.count(y) > 1})
    if dup:
        raise InvalidInput(
            "Tahun target ganda.",
            [
                FieldError(
                    ("targets",), f"Tahun {', '.join(map(str, dup))} diisi lebih dari sekali."
                )
            ],
        )
    scope = _scope(caller)
    for year, pct, notes in items:
        targets.set_target(uow, scope, kecamatan, year, pct, notes)
    return targets.list_targets(uow, scope, kecamatan)


def import_first_decree(
    uow: sessionmaker[Session],
    caller: Principal | None,
    kecamatan: str,
    data: DecreeChanges,
    collection: Any,
    defaults: Mapping[str, int],
) -> tuple[decrees.DecreeView, list[zones.ZoneView]]:
    """The decree and its zones (QGIS FeatureCollection). A decree of that number left
    without zones by a failed import is reused, so the step can be sent again."""
    scope = _scope(caller)
    with uow() as s:
        k = get_kecamatan_by_slug(s, scope, kecamatan)
        row = s.execute(
            select(Decree.id, func.count(Zone.id))
            .outerjoin(Zone, Zone.decree_id == Decree.id)
            .where(Decree.kecamatan_id == k.id, Decree.nomor == (data.nomor or "").strip())
            .group_by(Decree.id)
        ).first()
    if row is not None and row[1] > 0:
        raise Conflict(
            "SK ini sudah diimpor beserta zonanya.",
            [FieldError(("nomor",), "Ubah zonanya lewat menu Zona, bukan impor ulang.")],
        )
    decree_id = row[0] if row is not None else decrees.create_decree(uow, scope, kecamatan, data).id
    imported = zones.import_zones(uow, scope, decree_id, collection, defaults)
    return decrees.get_decree(uow, scope, decree_id), imported


def create_first_admin(
    uow: sessionmaker[Session],
    caller: Principal | None,
    kecamatan: str,
    *,
    username: str,
    password: str,
    full_name: str,
    nip: str | None = None,
    phone: str | None = None,
) -> users.UserView:
    """The kecamatan's first admin; more people are the admin's own work (refused once
    the kecamatan has an active admin)."""
    scope = _scope(caller)
    with uow() as s:
        k = get_kecamatan_by_slug(s, scope, kecamatan)
        has_admin = s.scalar(
            select(User.id).where(
                User.kecamatan_id == k.id, User.role == Role.ADMIN, User.active.is_(True)
            )
        )
    if has_admin is not None:
        raise Conflict(
            f"Kecamatan {k.name} sudah punya admin; pengguna lain dibuat oleh admin itu.",
            [FieldError(("username",), "Admin pertama sudah ada.")],
        )
    return users.create_user(
        uow,
        caller,
        username=username,
        password=password,
        full_name=full_name,
        role=Role.ADMIN,
        kecamatan=k.slug,
        nip=nip,
        phone=phone,
    )


def _scope(caller: Principal | None) -> Scope:
    return Scope.everything() if caller is None else caller.scope


def _count(s: Session, q: Any) -> int:
    return int(s.scalar(q) or 0)


def _checklist(s: Session, k: Kecamatan) -> Checklist:
    year = today_wib().year
    kel = _count(s, select(func.count()).where(Kelurahan.kecamatan_id == k.id))
    kel_bounded = _count(
        s,
        select(func.count()).where(Kelurahan.kecamatan_id == k.id, Kelurahan.boundary.is_not(None)),
    )
    zone_count = _count(
        s,
        select(func.count(Zone.id))
        .join(Decree, Decree.id == Zone.decree_id)
        .where(
            Zone.kecamatan_id == k.id,
            Zone.active.is_(True),
            Decree.status == DecreeStatus.BERLAKU,
        ),
    )
    has_target = s.get(RenstraTarget, (k.id, year)) is not None

    def people(role: Role) -> int:
        return _count(
            s,
            select(func.count()).where(
                User.kecamatan_id == k.id, User.role == role, User.active.is_(True)
            ),
        )

    teams = _count(s, select(func.count()).where(Team.kecamatan_id == k.id, Team.active.is_(True)))
    officers_in_teams = _count(
        s,
        select(func.count(func.distinct(User.id)))
        .join(TeamMembership, TeamMembership.user_id == User.id)
        .where(
            User.kecamatan_id == k.id,
            User.role == Role.PETUGAS,
            User.active.is_(True),
            TeamMembership.left_on.is_(None),
        ),
    )
    admins, reviewers = people(Role.ADMIN), people(Role.TRANTIB)
    items = [
        ChecklistItem(
            "batas",
            k.extent is not None,
            "Batas wilayah kecamatan",
            "Sudah ada." if k.extent is not None else "Unggah batas (GeoJSON Polygon).",
        ),
        ChecklistItem(
            "kelurahan",
            kel > 0 and kel_bounded == kel,
            "Kelurahan dan batasnya",
            f"{kel} kelurahan, {kel_bounded} dengan batas."
            if kel
            else "Impor kelurahan (GeoJSON FeatureCollection).",
        ),
        ChecklistItem(
            "sk_zona",
            zone_count > 0,
            "SK titik pantau yang berlaku, dengan zona",
            f"{zone_count} zona aktif." if zone_count else "Impor SK dan zonanya.",
        ),
        ChecklistItem(
            "target",
            has_target,
            f"Target Renstra tahun {year}",
            "Sudah ditetapkan." if has_target else f"Tetapkan target tahun {year}.",
        ),
        ChecklistItem(
            "admin",
            admins > 0,
            "Admin kecamatan",
            f"{admins} admin aktif." if admins else "Buat admin pertama kecamatan.",
        ),
        ChecklistItem(
            "trantib",
            reviewers > 0,
            "Peninjau Seksi Trantib",
            f"{reviewers} akun aktif."
            if reviewers
            else "Admin kecamatan membuat akun Seksi Trantib (peninjau laporan).",
        ),
        ChecklistItem(
            "tim",
            teams > 0,
            "Tim lapangan",
            f"{teams} tim aktif."
            if teams
            else "Admin kecamatan membentuk tim (Satpol PP, 3 Pilar).",
        ),
        ChecklistItem(
            "petugas",
            officers_in_teams > 0,
            "Petugas lapangan dalam tim",
            f"{officers_in_teams} petugas dalam tim."
            if officers_in_teams
            else "Admin kecamatan membuat akun petugas dan memasukkannya ke tim.",
        ),
    ]
    return Checklist(k.slug, k.name, all(i.ok for i in items), items)


def checklist(uow: sessionmaker[Session], scope: Scope, kecamatan: str) -> Checklist:
    """What is missing before officers can report in the kecamatan."""
    with uow() as s:
        return _checklist(s, get_kecamatan_by_slug(s, scope, kecamatan))


def list_kecamatan(uow: sessionmaker[Session], scope: Scope) -> list[KecamatanView]:
    """The kecamatan in scope (a kota user's: their kota's) with what each still misses."""
    with uow() as s:
        rows = s.scalars(
            select(Kecamatan).where(scope.clause(Kecamatan.id)).order_by(Kecamatan.name)
        ).all()
        out = []
        for k in rows:
            c = _checklist(s, k)
            out.append(
                KecamatanView(
                    k.slug,
                    k.name,
                    k.kota.kode,
                    k.kota.name,
                    k.kota.provinsi,
                    k.is_sample,
                    k.extent is not None,
                    c.ready,
                    [i.code for i in c.items if not i.ok],
                )
            )
        return out


def ensure_kota(uow: sessionmaker[Session], kode: str, name: str, provinsi: str) -> int:
    """The operator registers a kota (BPS code) before its first kecamatan; idempotent."""
    if not re.fullmatch(r"[0-9]{4}", kode):
        raise InvalidInput(
            "Kode kota tidak valid.", [FieldError(("kota",), "Kode BPS kota 4 angka, mis. 3275.")]
        )
    with uow() as s, s.begin():
        found = s.scalar(select(Kota.id).where(Kota.kode == kode))
        if found is not None:
            return found
        kota = Kota(kode=kode, name=_check_name(name), provinsi=provinsi.strip() or "-")
        s.add(kota)
        s.flush()
        return kota.id
