"""GeoJSON geometry input, checked before anything reaches the database.

Pure functions over Shapely. Every problem is reported in Bahasa Indonesia with a
path into the input, so a QGIS user can find the feature and the vertex to fix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from shapely import get_num_geometries, union_all
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from k3zones.errors import FieldError
from k3zones.numbers import finite

Path = tuple[str | int, ...]

# Types a zone may have. Multi-part types come out of QGIS layers by default; a
# single-part one is unwrapped so the zone stays a plain Point/LineString/Polygon.
# A titik pantau is a point, a street or a block: a few hundred vertices at most. Beyond
# this the monitoring area's buffer is work no request should make the database do.
MAX_VERTICES = 5000
NODING_VERTICES = 300
ZONE_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon")

# Indonesia's extent with a margin, used to recognise coordinates given lat-first.
INDONESIA_LON = (94.0, 142.0)
INDONESIA_LAT = (-12.0, 7.0)

# CRS names that mean plain WGS 84 longitude/latitude (what QGIS writes into GeoJSON).
WGS84_NAMES = {
    "urn:ogc:def:crs:ogc:1.3:crs84",
    "urn:ogc:def:crs:epsg::4326",
    "epsg:4326",
    "crs84",
}


class GeometryInputError(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Extent:
    """A lon/lat box (a kecamatan's service area) that zones must fall inside."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    label: str

    def contains(self, geom: BaseGeometry) -> bool:
        x0, y0, x1, y1 = geom.bounds
        return (
            self.min_lon <= x0 and x1 <= self.max_lon and self.min_lat <= y0 and y1 <= self.max_lat
        )


def _fmt(x: float) -> str:
    return f"{x:.6f}".rstrip("0").rstrip(".")


def _check_position(pos: Any, path: Path, errors: list[FieldError]) -> None:
    if not isinstance(pos, list | tuple) or not 2 <= len(pos) <= 3:
        errors.append(FieldError(path, "Posisi harus [bujur, lintang] (dua angka)."))
        return
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pos):
        errors.append(FieldError(path, "Koordinat harus berupa angka."))
        return
    flon, flat = finite(pos[0]), finite(pos[1])
    if flon is None or flat is None or (len(pos) == 3 and finite(pos[2]) is None):
        errors.append(FieldError(path, "Koordinat harus angka terhingga."))
        return
    lon, lat = flon, flat
    lon_ok = -180.0 <= lon <= 180.0
    lat_ok = -90.0 <= lat <= 90.0
    if lon_ok and lat_ok:
        return
    if INDONESIA_LAT[0] <= lon <= INDONESIA_LAT[1] and INDONESIA_LON[0] <= lat <= INDONESIA_LON[1]:
        errors.append(
            FieldError(
                path,
                f"Koordinat [{_fmt(lon)}, {_fmt(lat)}] tampaknya tertukar: GeoJSON memakai "
                f"urutan [bujur, lintang], jadi seharusnya [{_fmt(lat)}, {_fmt(lon)}].",
            )
        )
        return
    if not lon_ok:
        errors.append(FieldError(path, f"Bujur {_fmt(lon)} di luar jangkauan -180 sampai 180."))
    if not lat_ok:
        errors.append(FieldError(path, f"Lintang {_fmt(lat)} di luar jangkauan -90 sampai 90."))


def _check_positions(
    coords: Any, depth: int, path: Path, errors: list[FieldError], limit: int = 20
) -> int:
    """Walk nested coordinate arrays of a given depth; return how many positions."""
    if depth == 0:
        before = len(errors)
        _check_position(coords, path, errors)
        return 1 if len(errors) == before else 0
    if not isinstance(coords, list):
        errors.append(FieldError(path, "Koordinat harus berupa larik (array)."))
        return 0
    total = 0
    for i, item in enumerate(coords):
        if len(errors) >= limit or total > MAX_VERTICES:  # enough to act on / to refuse
            break
        total += _check_positions(item, depth - 1, (*path, i), errors, limit)
    return total


_DEPTH = {
    "Point": 0,
    "LineString": 1,
    "Polygon": 2,
    "MultiPoint": 1,
    "MultiLineString": 2,
    "MultiPolygon": 3,
}

# GEOS's reasons (their wording differs between GEOS versions, hence the alternatives).
_VALIDITY_ID = [
    (
        re.compile(r"^Ring Self-intersection", re.I),
        "cincin poligon berpotongan dengan dirinya sendiri",
    ),
    (re.compile(r"^Self-intersection", re.I), "sisi-sisinya berpotongan sendiri"),
    (re.compile(r"^Too few points", re.I), "titiknya terlalu sedikit"),
    (re.compile(r"^Holes? lies? outside shell", re.I), "lubang (hole) berada di luar batas luar"),
    (re.compile(r"^(Nested holes|Holes are nested)", re.I), "ada lubang di dalam lubang"),
    (re.compile(r"^Interior is disconnected", re.I), "bagian dalamnya terputus"),
    (re.compile(r"^(Nested shells|Shells are nested)", re.I), "ada poligon di dalam poligon lain"),
    (re.compile(r"^Duplicate Rings", re.I), "ada cincin ganda"),
    (re.compile(r"^Invalid Coordinate", re.I), "ada koordinat tidak sah"),
    (re.compile(r"^Ring is not closed", re.I), "cincin tidak tertutup"),
]
# A reason GEOS may add later: still told in Indonesian, never in English.
_VALIDITY_OTHER = "bentuknya tidak sah"
_WHERE = re.compile(r"\[\s*(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)\s*\]")


def explain_invalid(geom: BaseGeometry) -> str:
    """Shapely's explain_validity in Bahasa Indonesia, keeping the location it names."""
    reason = explain_validity(geom)
    text = _VALIDITY_OTHER
    for pattern, indonesian in _VALIDITY_ID:
        if pattern.search(reason):
            text = indonesian
            break
    where = _WHERE.search(reason)
    if where:
        lon, lat = float(where.group(1)), float(where.group(2))
        text += f" di sekitar [{_fmt(lon)}, {_fmt(lat)}]"
    return text


def check_crs(crs: Any, path: Path) -> list[FieldError]:
    """The legacy GeoJSON `crs` member (QGIS writes it): only WGS 84 lon/lat is accepted."""
    if crs is None:
        return []
    props = crs.get("properties") if isinstance(crs, dict) else None
    name = props.get("name") if isinstance(props, dict) else None
    if isinstance(name, str) and name.strip().lower() in WGS84_NAMES:
        return []
    return [
        FieldError(
            path,
            f"Sistem koordinat {name or crs!r} tidak didukung. Ekspor ulang dengan "
            "WGS 84 (EPSG:4326), urutan bujur-lintang.",
        )
    ]


def parse_geometry(
    obj: Any,
    path: Path = ("geometry",),
    allowed: Sequence[str] = ZONE_TYPES,
    extent: Extent | None = None,
) -> BaseGeometry:
    """A GeoJSON geometry object -> a valid 2D Shapely geometry, or GeometryInputError."""
    if obj is None:
        raise GeometryInputError([FieldError(path, "Geometri wajib diisi.")])
    if not isinstance(obj, dict):
        raise GeometryInputError([FieldError(path, "Geometri harus objek GeoJSON.")])
    gtype = obj.get("type")
    if not isinstance(gtype, str) or gtype not in _DEPTH:
        names = ", ".join(t for t in allowed if not t.startswith("Multi"))
        shown = "kosong" if gtype in (None, "") else repr(gtype)[:40]
        raise GeometryInputError(
            [FieldError((*path, "type"), f"Jenis geometri {shown} tidak dikenal; gunakan {names}.")]
        )
    if gtype not in allowed:
        names = ", ".join(t for t in allowed if not t.startswith("Multi"))
        raise GeometryInputError(
            [
                FieldError(
                    (*path, "type"), f"Jenis geometri {gtype} tidak didukung; gunakan {names}."
                )
            ]
        )
    coords = obj.get("coordinates")
    cpath = (*path, "coordinates")
    if coords is None or (isinstance(coords, list) and len(coords) == 0):
        raise GeometryInputError([FieldError(cpath, "Geometri kosong: tidak ada koordinat.")])
    errors: list[FieldError] = []
    count = _check_positions(coords, _DEPTH[gtype], cpath, errors)
    if errors:
        raise GeometryInputError(errors)
    if count == 0:
        raise GeometryInputError([FieldError(cpath, "Geometri kosong: tidak ada koordinat.")])
    if count > MAX_VERTICES:
        raise GeometryInputError(
            [
                FieldError(
                    cpath,
                    f"Geometri terlalu rumit: lebih dari {MAX_VERTICES} titik. Sederhanakan "
                    "dulu (QGIS: Vector > Geometry Tools > Simplify).",
                )
            ]
        )
    errors.extend(_check_structure(gtype, coords, cpath))
    if errors:
        raise GeometryInputError(errors)

    # Drop any altitude: zones are 2D.
    geom = shape({"type": gtype, "coordinates": _to_2d(coords, _DEPTH[gtype])})
    if geom.is_empty:
        raise GeometryInputError([FieldError(cpath, "Geometri kosong: tidak ada koordinat.")])
    if not geom.is_valid:
        label = {"Polygon": "Poligon", "MultiPolygon": "Poligon"}.get(gtype, "Geometri")
        raise GeometryInputError(
            [FieldError(cpath, f"{label} tidak valid: {explain_invalid(geom)}.")]
        )
    if geom.geom_type in ("LineString", "MultiLineString") and _overlaps_itself(geom):
        raise GeometryInputError(
            [
                FieldError(
                    cpath,
                    "Garis menumpuk dirinya sendiri (bolak-balik di ruas yang sama). Gambar "
                    "setiap ruas jalan sekali saja.",
                )
            ]
        )
    if geom.geom_type.startswith("Multi") and get_num_geometries(geom) == 1:
        geom = geom.geoms[0]  # type: ignore[attr-defined]
    if extent is not None and not extent.contains(geom):
        x0, y0, x1, y1 = geom.bounds
        raise GeometryInputError(
            [
                FieldError(
                    cpath,
                    f"Geometri (bujur {_fmt(x0)}..{_fmt(x1)}, lintang {_fmt(y0)}..{_fmt(y1)}) "
                    f"berada di luar wilayah {extent.label}. Periksa lokasi dan urutan "
                    "koordinat [bujur, lintang].",
                )
            ]
        )
    return geom


def _overlaps_itself(line: BaseGeometry) -> bool:
    """A line that runs over its own path (back and forth over one segment, or a part
    drawn twice). Its buffer costs the database seconds per hundred points, and it adds
    nothing a single pass would not cover. Crossing itself (a loop road) is fine.

    A segment drawn twice is found by hashing (any size); partial overlaps by noding,
    which is itself slow on such lines, so only up to NODING_VERTICES (the statement
    timeout bounds whatever slips past)."""
    parts = list(getattr(line, "geoms", [line]))
    seen: set[tuple[tuple[float, ...], tuple[float, ...]]] = set()
    for part in parts:
        for a, b in pairwise(part.coords):
            if a == b:
                continue
            key = (a, b) if a <= b else (b, a)
            if key in seen:
                return True
            seen.add(key)
    if len(seen) > NODING_VERTICES:
        return False
    merged = union_all(line)  # self-noded: every stretch covered once
    return bool(line.length > merged.length * (1 + 1e-6) + 1e-12)


def _check_structure(gtype: str, coords: Any, path: Path) -> list[FieldError]:
    """Vertex counts and closed rings, which Shapely would otherwise reject with a crash."""
    errors: list[FieldError] = []

    def line(c: list[Any], p: Path) -> None:
        if len(c) < 2:
            errors.append(FieldError(p, "Garis (LineString) butuh paling sedikit 2 titik."))

    def polygon(rings: list[Any], p: Path) -> None:
        if not rings:
            errors.append(FieldError(p, "Poligon kosong: tidak ada cincin."))
        for i, ring in enumerate(rings):
            rp = (*p, i)
            if len(ring) < 4:
                errors.append(
                    FieldError(
                        rp, "Cincin poligon butuh paling sedikit 4 titik (titik awal = akhir)."
                    )
                )
            elif list(ring[0][:2]) != list(ring[-1][:2]):
                errors.append(
                    FieldError(
                        rp,
                        "Cincin poligon tidak tertutup: titik awal harus sama dengan titik akhir.",
                    )
                )

    if gtype == "LineString":
        line(coords, path)
    elif gtype == "MultiLineString":
        for i, c in enumerate(coords):
            line(c, (*path, i))
    elif gtype == "Polygon":
        polygon(coords, path)
    elif gtype == "MultiPolygon":
        for i, c in enumerate(coords):
            polygon(c, (*path, i))
    return errors


def _to_2d(coords: Any, depth: int) -> Any:
    if depth == 0:
        return [float(coords[0]), float(coords[1])]
    return [_to_2d(c, depth - 1) for c in coords]


def to_geojson(geom: BaseGeometry, precision: int = 7) -> dict[str, Any]:
    """RFC 7946 geometry: lon first, WGS 84, plain lists, ~1 cm precision."""

    def rnd(c: Any) -> Any:
        if isinstance(c, int | float):
            return round(float(c), precision)
        return [rnd(x) for x in c]

    m = mapping(geom)
    return {"type": m["type"], "coordinates": rnd(m["coordinates"])}


def point_geojson(x: float, y: float, precision: int = 7) -> dict[str, Any]:
    """The 2D point (x, y) as `to_geojson(Point(x, y))` gives it, without building the
    Shapely geometry (the report list writes hundreds at a time from ST_X/ST_Y)."""
    return {
        "type": "Point",
        "coordinates": [round(float(x), precision), round(float(y), precision)],
    }
