"""Kelurahan boundaries: the map's reference layer and the open-data `kelurahan` collection.

An admin imports one GeoJSON layer per kecamatan (exported from QGIS: a FeatureCollection
of Polygon/MultiPolygon features, WGS 84), each feature naming its kelurahan by slug or
name. All or nothing: one bad feature imports none. Kelurahan the file does not name keep
the boundary they had.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from k3zones.errors import FieldError, InvalidInput
from k3zones.geo import GeometryInputError, check_crs, parse_geometry
from k3zones.models import Kelurahan
from k3zones.scope import Scope
from k3zones.services.reference import get_kecamatan_by_slug, kecamatan_extent
from k3zones.zones import normalise_name

MAX_FEATURES = 200  # a kecamatan has a handful of kelurahan; a bigger file is the wrong layer
MAX_SOURCE = 500
# Property names that carry the kelurahan, as QGIS layers from BIG (RBI: NAMOBJ, WADMKD)
# and hand-made layers name it; the first one present is used.
NAME_KEYS = ("kelurahan", "slug", "name", "nama", "NAMOBJ", "WADMKD", "desa")
POLYGON_TYPES = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class BoundaryView:
    slug: str
    name: str
    has_boundary: bool
    boundary_approximate: bool
    boundary_source: str | None


def _name_of(props: Any, path: tuple[str | int, ...]) -> tuple[str | None, FieldError | None]:
    if not isinstance(props, Mapping):
        return None, FieldError((*path, "properties"), "properties harus berupa objek.")
    for key in NAME_KEYS:
        value = props.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip(), None
    keys = ", ".join(NAME_KEYS)
    return None, FieldError(
        (*path, "properties"), f"Nama kelurahan tidak ada; isi salah satu kolom: {keys}."
    )


def _check_source(source: str | None) -> str | None:
    if source is None:
        return None
    cleaned = source.strip()
    if len(cleaned) > MAX_SOURCE:
        raise InvalidInput(
            "Sumber batas terlalu panjang.",
            [FieldError(("source",), f"Paling banyak {MAX_SOURCE} huruf.")],
        )
    return cleaned or None


def import_boundaries(
    uow: sessionmaker[Session],
    scope: Scope,
    kecamatan: str,
    collection: Any,
    *,
    source: str | None,
    approximate: bool,
    create_missing: bool = False,
) -> list[BoundaryView]:
    """Set the boundaries of the kelurahan the FeatureCollection names; returns every
    kelurahan of the kecamatan afterwards. `create_missing` (onboarding a kecamatan):
    a name the kecamatan does not have yet becomes a new kelurahan."""
    source = _check_source(source)
    if not isinstance(collection, Mapping) or collection.get("type") != "FeatureCollection":
        raise InvalidInput(
            "Berkas harus GeoJSON FeatureCollection.",
            [FieldError(("type",), "type harus 'FeatureCollection'.")],
        )
    features = collection.get("features")
    if not isinstance(features, Sequence) or isinstance(features, str | bytes) or not features:
        raise InvalidInput(
            "FeatureCollection tidak berisi fitur.",
            [FieldError(("features",), "features harus larik (array) yang berisi fitur.")],
        )
    if len(features) > MAX_FEATURES:
        raise InvalidInput(
            f"Terlalu banyak fitur ({len(features)}); paling banyak {MAX_FEATURES} kelurahan.",
            [FieldError(("features",), f"Paling banyak {MAX_FEATURES} fitur.")],
        )
    crs_errors = check_crs(collection.get("crs"), ("crs",))
    if crs_errors:
        raise InvalidInput("Sistem koordinat berkas tidak didukung.", crs_errors)

    with uow() as s, s.begin():
        k = get_kecamatan_by_slug(s, scope, kecamatan)
        extent = kecamatan_extent(s, k)
        rows = list(
            s.scalars(
                select(Kelurahan)
                .where(Kelurahan.kecamatan_id == k.id)
                .order_by(Kelurahan.name)
                .with_for_update()
            )
        )
        by_key: dict[str, Kelurahan] = {}
        for row in rows:
            by_key[normalise_name(row.slug)] = row
            by_key[normalise_name(row.name)] = row
        errors: list[FieldError] = []
        chosen: dict[int, tuple[Kelurahan, BaseGeometry, int]] = {}
        for i, feat in enumerate(features):
            path: tuple[str | int, ...] = ("features", i)
            if not isinstance(feat, Mapping) or feat.get("type") != "Feature":
                errors.append(FieldError(path, f"Fitur ke-{i} bukan GeoJSON Feature."))
                continue
            name, err = _name_of(feat.get("properties"), path)
            if err is not None:
                errors.append(err)
            match = by_key.get(normalise_name(name)) if name else None
            if name and match is None and create_missing:
                got = _new_kelurahan(s, k.id, name, path)
                if isinstance(got, FieldError):
                    errors.append(got)
                    err = got
                else:
                    match = by_key[normalise_name(name)] = got
                    rows.append(got)
            if name and match is None and err is None:
                known = ", ".join(r.name for r in rows) or "(belum ada kelurahan)"
                errors.append(
                    FieldError(
                        (*path, "properties"),
                        f"Kelurahan '{name[:80]}' tidak ada di Kecamatan {k.name}. "
                        f"Pilihan: {known}.",
                    )
                )
            try:
                geom = parse_geometry(
                    feat.get("geometry"), (*path, "geometry"), POLYGON_TYPES, extent
                )
            except GeometryInputError as exc:
                errors.extend(exc.errors)
                continue
            if match is None:
                continue
            if match.id in chosen:
                errors.append(
                    FieldError(
                        (*path, "properties"),
                        f"Kelurahan {match.name} sudah ada di fitur ke-{chosen[match.id][2]}.",
                    )
                )
                continue
            chosen[match.id] = (match, geom, i)
        rows.sort(key=lambda r: r.name)
        if errors:
            bad = sorted(
                {e.path[1] for e in errors if len(e.path) > 1 and isinstance(e.path[1], int)}
            )
            raise InvalidInput(
                f"Impor dibatalkan: {len(bad)} dari {len(features)} fitur bermasalah. "
                "Tidak ada batas kelurahan yang disimpan.",
                errors,
            )
        for row, geom, _ in chosen.values():
            multi = MultiPolygon([geom]) if isinstance(geom, Polygon) else geom
            row.boundary = from_shape(multi, srid=4326)
            row.boundary_approximate = approximate
            row.boundary_source = source
        s.flush()
        return [_view(r) for r in rows]


def _new_kelurahan(
    s: Session, kecamatan_id: int, name: str, path: tuple[str | int, ...]
) -> Kelurahan | FieldError:
    """A kelurahan a new kecamatan's layer names (rolled back with a failed import)."""
    slug = normalise_name(name)[:64]
    if not slug or len(name) > 200:
        return FieldError(
            (*path, "properties"), "Nama kelurahan harus 1-200 huruf dan memuat huruf atau angka."
        )
    row = Kelurahan(kecamatan_id=kecamatan_id, slug=slug, name=name)
    s.add(row)
    s.flush()
    return row


def _view(r: Kelurahan) -> BoundaryView:
    return BoundaryView(
        slug=r.slug,
        name=r.name,
        has_boundary=r.boundary is not None,
        boundary_approximate=r.boundary_approximate,
        boundary_source=r.boundary_source,
    )
