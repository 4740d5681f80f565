"""Zones (titik pantau): create, change, retire, and import a QGIS FeatureCollection."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload, sessionmaker

from k3zones.errors import Conflict, FieldError, InvalidInput, NotFound
from k3zones.geo import check_crs
from k3zones.models import Decree, DecreeStatus, Kategori, Kecamatan, Kelurahan, Zone, ZoneStatus
from k3zones.periods import now_utc
from k3zones.scope import Scope
from k3zones.services.decrees import load_decree
from k3zones.services.reference import get_kecamatan_by_slug, kecamatan_extent, resolve_kelurahan
from k3zones.services.zone_status import stale_zones
from k3zones.zones import ZoneFields, default_radius, parse_zone_fields

MAX_IMPORT_FEATURES = 2000


@dataclass(frozen=True)
class ZoneView:
    id: uuid.UUID
    kecamatan: str
    decree_id: uuid.UUID
    decree_nomor: str
    kelurahan: str | None
    kelurahan_name: str | None
    name: str
    kategori: str
    geometry: BaseGeometry
    radius_m: int
    target_year: int | None
    active: bool
    retired_at: datetime | None
    retired_reason: str | None
    notes: str | None
    is_sample: bool
    created_at: datetime
    updated_at: datetime
    status: str = "belum_tertib"
    status_kategori: str | None = None
    # No accepted patrol for the rules' stale_days (the list and one zone; null elsewhere).
    stale: bool | None = None


@dataclass(frozen=True)
class ZoneFilter:
    kecamatan: str | None = None
    decree_id: uuid.UUID | None = None
    kategori: Kategori | None = None
    kelurahan: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    include_retired: bool = False


def _view(z: Zone) -> ZoneView:
    return ZoneView(
        id=z.id,
        kecamatan=z.kecamatan.slug,
        decree_id=z.decree_id,
        decree_nomor=z.decree.nomor,
        kelurahan=z.kelurahan.slug if z.kelurahan else None,
        kelurahan_name=z.kelurahan.name if z.kelurahan else None,
        name=z.name,
        kategori=z.kategori.value,
        geometry=to_shape(z.geom),
        radius_m=z.radius_m,
        target_year=z.target_year,
        active=z.active,
        retired_at=z.retired_at,
        retired_reason=z.retired_reason,
        notes=z.notes,
        is_sample=z.is_sample,
        created_at=z.created_at,
        updated_at=z.updated_at,
    )


_LOAD = (selectinload(Zone.kecamatan), selectinload(Zone.decree), selectinload(Zone.kelurahan))
# The map's zone list: what _view reads of the three, joined into the zones' own query (one
# round trip, not three; without the kecamatan's and kelurahan's boundaries).
_LIST_LOAD = (
    joinedload(Zone.kecamatan).load_only(Kecamatan.slug),
    joinedload(Zone.decree).load_only(Decree.nomor),
    joinedload(Zone.kelurahan).load_only(Kelurahan.slug, Kelurahan.name),
)


def _load(s: Session, scope: Scope, zone_id: uuid.UUID, *, lock: bool = False) -> Zone:
    q = select(Zone).where(Zone.id == zone_id).options(*_LOAD)
    if lock:
        q = q.with_for_update(of=Zone)
    z = s.scalar(q)
    if z is None or not scope.allows(z.kecamatan_id):
        raise NotFound("Zona tidak ditemukan.")
    return z


def list_zones(uow: sessionmaker[Session], scope: Scope, f: ZoneFilter) -> list[ZoneView]:
    with uow() as s:
        q = select(Zone).where(scope.clause(Zone.kecamatan_id)).options(*_LIST_LOAD)
        if f.kecamatan:
            q = q.where(Zone.kecamatan_id == get_kecamatan_by_slug(s, scope, f.kecamatan).id)
        if f.decree_id:
            q = q.where(Zone.decree_id == f.decree_id)
        if f.kategori:
            q = q.where(Zone.kategori == f.kategori)
        if f.kelurahan:
            q = q.join(Kelurahan, Kelurahan.id == Zone.kelurahan_id).where(
                Kelurahan.slug == f.kelurahan.strip().lower()
            )
        if f.bbox:
            env = func.ST_MakeEnvelope(*f.bbox, 4326)
            q = q.where(func.ST_Intersects(Zone.geom, env))
        if not f.include_retired:
            q = q.where(Zone.active.is_(True))
        q = q.order_by(Zone.kategori, Zone.name)
        zones = list(s.scalars(q))
        # The map styles zones by status: one query for all of them.
        status = {
            zid: (st.value, k.value if k else None)
            for zid, st, k in s.execute(
                select(ZoneStatus.zone_id, ZoneStatus.status, ZoneStatus.kategori).where(
                    ZoneStatus.zone_id.in_([z.id for z in zones])
                )
            )
        }
        stale = stale_zones(s, [(z.id, z.kecamatan_id) for z in zones])
        out = []
        for z in zones:
            v = _view(z)
            st, kat = status.get(z.id, ("belum_tertib", None))
            out.append(replace(v, status=st, status_kategori=kat, stale=stale.get(z.id, False)))
        return out


def get_zone(uow: sessionmaker[Session], scope: Scope, zone_id: uuid.UUID) -> ZoneView:
    with uow() as s:
        z = _load(s, scope, zone_id)
        return replace(_view(z), stale=stale_zones(s, [(z.id, z.kecamatan_id)])[z.id])


def monitoring_area(
    uow: sessionmaker[Session], scope: Scope, zone_id: uuid.UUID
) -> tuple[ZoneView, BaseGeometry]:
    with uow() as s:
        z = _load(s, scope, zone_id)
        return _view(z), to_shape(z.monitoring_area)


def _writable_decree(s: Session, scope: Scope, decree_id: uuid.UUID) -> Decree:
    d = load_decree(s, scope, decree_id)
    if d.status != DecreeStatus.BERLAKU:
        raise Conflict(
            f"SK {d.nomor} sudah dicabut; zona baru harus ditetapkan lewat SK yang berlaku."
        )
    return d


def _apply(
    s: Session,
    z: Zone,
    fields: ZoneFields,
    defaults: Mapping[str, int],
    errors: list[FieldError],
    path: tuple[str | int, ...],
) -> None:
    g = fields.given
    if "name" in g and fields.name is not None:
        z.name = fields.name
    if "kategori" in g and fields.kategori is not None:
        z.kategori = fields.kategori
    if "kelurahan" in g:
        if fields.kelurahan is None:
            z.kelurahan_id = None
        else:
            try:
                z.kelurahan_id = resolve_kelurahan(
                    s, z.kecamatan_id, fields.kelurahan, (*path, "properties", "kelurahan")
                ).id
            except InvalidInput as exc:
                errors.extend(exc.errors)
    if "target_year" in g:
        z.target_year = fields.target_year
    if "notes" in g:
        z.notes = fields.notes
    if "geometry" in g and fields.geometry is not None:
        z.geom = from_shape(fields.geometry, srid=4326)
    if fields.radius_m is not None:
        z.radius_m = fields.radius_m
    elif z.radius_m is None and fields.geometry is not None:
        z.radius_m = default_radius(fields.geometry, defaults)


def _save(s: Session, what: str) -> None:
    try:
        s.flush()
    except IntegrityError as exc:
        if "uq_zone_decree_id" in str(exc.orig):
            raise Conflict(f"Nama zona '{what}' sudah ada di SK ini.") from exc
        raise


def _name_taken(s: Session, decree_id: uuid.UUID, name: str, except_id: uuid.UUID | None) -> bool:
    q = select(Zone.id).where(Zone.decree_id == decree_id, func.lower(Zone.name) == name.lower())
    if except_id is not None:
        q = q.where(Zone.id != except_id)
    return s.scalar(q) is not None


def create_zone(
    uow: sessionmaker[Session],
    scope: Scope,
    decree_id: uuid.UUID,
    feature: Mapping[str, Any],
    defaults: Mapping[str, int],
) -> ZoneView:
    with uow() as s, s.begin():
        d = _writable_decree(s, scope, decree_id)
        fields, errors = parse_zone_fields(
            feature.get("properties"),
            feature.get("geometry"),
            extent=kecamatan_extent(s, d.kecamatan),
        )
        z = Zone(id=uuid.uuid4(), kecamatan_id=d.kecamatan_id, decree_id=d.id)
        _apply(s, z, fields, defaults, errors, ())
        if errors:
            raise InvalidInput("Data zona belum benar.", errors)
        if _name_taken(s, d.id, z.name, None):
            raise Conflict(
                f"Nama zona '{z.name}' sudah ada di SK ini.",
                [FieldError(("properties", "name"), "Nama zona sudah dipakai di SK ini.")],
            )
        s.add(z)
        _save(s, z.name)
        s.refresh(z)
        return _view(_load(s, scope, z.id))


def update_zone(
    uow: sessionmaker[Session],
    scope: Scope,
    zone_id: uuid.UUID,
    feature: Mapping[str, Any],
    defaults: Mapping[str, int],
) -> ZoneView:
    with uow() as s, s.begin():
        z = _load(s, scope, zone_id, lock=True)
        if not z.active:
            raise Conflict("Zona sudah dipensiunkan dan tidak dapat diubah.")
        fields, errors = parse_zone_fields(
            feature.get("properties"),
            feature.get("geometry"),
            partial=True,
            extent=kecamatan_extent(s, z.kecamatan),
            geometry_given="geometry" in feature,
        )
        _apply(s, z, fields, defaults, errors, ())
        if errors:
            raise InvalidInput("Data zona belum benar.", errors)
        if "name" in fields.given and _name_taken(s, z.decree_id, z.name, z.id):
            raise Conflict(f"Nama zona '{z.name}' sudah ada di SK ini.")
        _save(s, z.name)
        s.refresh(z)
        return _view(z)


def retire_zone(
    uow: sessionmaker[Session], scope: Scope, zone_id: uuid.UUID, reason: str
) -> ZoneView:
    """Take a zone out of monitoring; it stays readable with everything recorded on it."""
    with uow() as s, s.begin():
        z = _load(s, scope, zone_id, lock=True)
        if not z.active:
            raise Conflict("Zona sudah dipensiunkan sebelumnya.")
        z.active = False
        z.retired_at = now_utc()
        z.retired_reason = reason.strip()
        s.flush()
        s.refresh(z)
        return _view(z)


def delete_zone(uow: sessionmaker[Session], scope: Scope, zone_id: uuid.UUID) -> None:
    """Hard delete, only for a zone nothing refers to yet (a mistake just entered)."""
    with uow() as s, s.begin():
        z = _load(s, scope, zone_id, lock=True)
        s.delete(z)
        try:
            s.flush()
        except IntegrityError as exc:
            raise Conflict(
                "Zona sudah memiliki data (laporan atau riwayat) sehingga tidak dapat dihapus; "
                "pensiunkan zona ini."
            ) from exc


def import_zones(
    uow: sessionmaker[Session],
    scope: Scope,
    decree_id: uuid.UUID,
    collection: Any,
    defaults: Mapping[str, int],
) -> list[ZoneView]:
    """All or nothing: every feature is checked first; one bad feature imports none."""
    errors: list[FieldError] = []
    if not isinstance(collection, Mapping) or collection.get("type") != "FeatureCollection":
        raise InvalidInput(
            "Berkas harus GeoJSON FeatureCollection.",
            [FieldError(("type",), "type harus 'FeatureCollection'.")],
        )
    features = collection.get("features")
    if not isinstance(features, Sequence) or isinstance(features, str | bytes):
        raise InvalidInput(
            "FeatureCollection tidak berisi daftar features.",
            [FieldError(("features",), "features harus berupa larik (array).")],
        )
    if not features:
        raise InvalidInput(
            "FeatureCollection kosong.",
            [FieldError(("features",), "Tidak ada fitur untuk diimpor.")],
        )
    if len(features) > MAX_IMPORT_FEATURES:
        raise InvalidInput(
            f"Terlalu banyak fitur ({len(features)}); "
            f"paling banyak {MAX_IMPORT_FEATURES} per impor."
        )
    errors.extend(check_crs(collection.get("crs"), ("crs",)))
    if errors:
        raise InvalidInput("Sistem koordinat berkas tidak didukung.", errors)

    with uow() as s, s.begin():
        d = _writable_decree(s, scope, decree_id)
        extent = kecamatan_extent(s, d.kecamatan)
        existing = {n.lower() for n in s.scalars(select(Zone.name).where(Zone.decree_id == d.id))}
        seen: dict[str, int] = {}
        zones: list[Zone] = []
        for i, feat in enumerate(features):
            path: tuple[str | int, ...] = ("features", i)
            if not isinstance(feat, Mapping) or feat.get("type") != "Feature":
                errors.append(FieldError(path, f"Fitur ke-{i} bukan GeoJSON Feature."))
                continue
            fields, ferrs = parse_zone_fields(
                feat.get("properties"), feat.get("geometry"), path=path, aliases=True, extent=extent
            )
            z = Zone(id=uuid.uuid4(), kecamatan_id=d.kecamatan_id, decree_id=d.id, is_sample=False)
            _apply(s, z, fields, defaults, ferrs, path)
            if fields.name:
                key = fields.name.lower()
                npath = (*path, "properties", "name")
                if key in existing:
                    ferrs.append(FieldError(npath, f"Zona '{fields.name}' sudah ada di SK ini."))
                elif key in seen:
                    ferrs.append(
                        FieldError(npath, f"Nama '{fields.name}' sama dengan fitur ke-{seen[key]}.")
                    )
                else:
                    seen[key] = i
            errors.extend(ferrs)
            zones.append(z)
        if errors:
            bad = sorted(
                {e.path[1] for e in errors if len(e.path) > 1 and isinstance(e.path[1], int)}
            )
            shown = ", ".join(str(b) for b in bad[:20])
            raise InvalidInput(
                f"Impor dibatalkan: {len(bad)} dari {len(features)} fitur bermasalah "
                f"(indeks {shown}). Tidak ada zona yang disimpan.",
                errors,
            )
        s.add_all(zones)
        _save(s, "")
        ids = [z.id for z in zones]
        s.expire_all()
        rows = s.scalars(select(Zone).where(Zone.id.in_(ids)).options(*_LOAD))
        by_id = {z.id: z for z in rows}
        return [_view(by_id[i]) for i in ids]
