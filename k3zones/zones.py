"""Pure rules for zone (titik pantau) input: properties as typed in QGIS or by the API.

One parser serves the API's create/update and the all-or-nothing GeoJSON import, so a
property means the same thing wherever it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shapely.geometry.base import BaseGeometry

from k3zones.enums import Kategori
from k3zones.errors import FieldError
from k3zones.geo import Extent, GeometryInputError, parse_geometry
from k3zones.numbers import whole

Path = tuple[str | int, ...]

# Accepted property names: the API's English ones first, then what Indonesian QGIS
# layers tend to call the same attribute.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "nama", "nama_zona", "nama_lokasi", "lokasi"),
    "kategori": ("kategori", "zona", "kategori_zona"),
    "kelurahan": ("kelurahan", "kel"),
    "radius_m": ("radius_m", "radius"),
    "target_year": ("target_year", "tahun_target", "tahun"),
    "notes": ("notes", "keterangan", "catatan"),
}

MAX_NAME = 200
MAX_RADIUS_M = 5000


def default_radius(geom: BaseGeometry, defaults: Mapping[str, int]) -> int:
    base = geom.geom_type.removeprefix("Multi")
    return defaults.get(base, 50)


def parse_kategori(value: Any) -> Kategori | None:
    """'merah', 'Zona Merah', 'ZONA_MERAH' -> Kategori.MERAH; None if not recognised."""
    if not isinstance(value, str):
        return None
    words = re.sub(r"[^a-z]+", " ", value.lower()).split()
    words = [w for w in words if w != "zona"]
    if len(words) == 1:
        try:
            return Kategori(words[0])
        except ValueError:
            return None
    return None


def normalise_name(value: str) -> str:
    """Key for comparing kelurahan names: 'Kel. Harapan Mulya' == 'harapanmulya'."""
    v = value.lower().strip()
    v = re.sub(r"^(kelurahan|kel\.?)\s*", "", v)
    return re.sub(r"[^a-z0-9]", "", v)


@dataclass
class ZoneFields:
    """Validated zone properties; a field left None was not given."""

    name: str | None = None
    kategori: Kategori | None = None
    kelurahan: str | None = None
    radius_m: int | None = None
    target_year: int | None = None
    notes: str | None = None
    geometry: BaseGeometry | None = None
    # Fields explicitly given (so a PATCH can clear kelurahan/notes with null).
    given: frozenset[str] = frozenset()


def _pick(props: Mapping[str, Any], key: str, aliases: bool) -> tuple[bool, Any, str]:
    names = ALIASES[key] if aliases else (key,)
    lowered = {str(k).lower(): k for k in props}
    for n in names:
        if n in lowered:
            return True, props[lowered[n]], str(lowered[n])
    return False, None, key


def parse_zone_fields(
    properties: Any,
    geometry: Any,
    *,
    path: Path = (),
    partial: bool = False,
    aliases: bool = False,
    extent: Extent | None = None,
    geometry_given: bool = True,
) -> tuple[ZoneFields, list[FieldError]]:
    """Check a Feature's properties and geometry. Returns fields and every error found."""
    errors: list[FieldError] = []
    out = ZoneFields()
    given: set[str] = set()
    ppath = (*path, "properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, Mapping):
        return out, [FieldError(ppath, "properties harus berupa objek.")]
    if not aliases:
        # The API names its properties exactly; a misspelt one must not be dropped silently.
        # (An import from QGIS keeps its layer's other attributes out of the way instead.)
        known = ", ".join(ALIASES)
        errors.extend(
            FieldError((*ppath, str(k)), f"Kolom tidak dikenal; yang dikenal: {known}.")
            for k in properties
            if k not in ALIASES
        )

    found, value, key = _pick(properties, "name", aliases)
    if found:
        given.add("name")
        if not isinstance(value, str) or not value.strip():
            errors.append(FieldError((*ppath, key), "Nama zona wajib diisi (teks)."))
        elif len(value.strip()) > MAX_NAME:
            errors.append(FieldError((*ppath, key), f"Nama zona paling panjang {MAX_NAME} huruf."))
        else:
            out.name = " ".join(value.split())
    elif not partial:
        errors.append(FieldError((*ppath, "name"), "Nama zona wajib diisi."))

    found, value, key = _pick(properties, "kategori", aliases)
    if found:
        given.add("kategori")
        out.kategori = parse_kategori(value)
        if out.kategori is None:
            errors.append(
                FieldError(
                    (*ppath, key), f"Kategori {value!r} tidak dikenal; isi 'merah' atau 'kuning'."
                )
            )
    elif not partial:
        errors.append(
            FieldError((*ppath, "kategori"), "Kategori wajib diisi: 'merah' atau 'kuning'.")
        )

    found, value, key = _pick(properties, "kelurahan", aliases)
    if found:
        given.add("kelurahan")
        if value is not None and (not isinstance(value, str) or not value.strip()):
            errors.append(
                FieldError((*ppath, key), "Kelurahan harus berupa nama atau kode (teks).")
            )
        else:
            out.kelurahan = value.strip() if isinstance(value, str) else None

    found, value, key = _pick(properties, "radius_m", aliases)
    if found and value is not None:
        given.add("radius_m")
        radius = whole(value)
        if radius is None:
            errors.append(FieldError((*ppath, key), "Radius harus bilangan bulat dalam meter."))
        elif not 0 <= radius <= MAX_RADIUS_M:
            errors.append(
                FieldError((*ppath, key), f"Radius harus antara 0 dan {MAX_RADIUS_M} meter.")
            )
        else:
            out.radius_m = radius

    found, value, key = _pick(properties, "target_year", aliases)
    if found:
        given.add("target_year")
        if value is None:
            out.target_year = None
        elif isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2100:
            errors.append(
                FieldError((*ppath, key), "Tahun target harus tahun antara 2000 dan 2100.")
            )
        else:
            out.target_year = value

    found, value, key = _pick(properties, "notes", aliases)
    if found:
        given.add("notes")
        if value is not None and not isinstance(value, str):
            errors.append(FieldError((*ppath, key), "Keterangan harus berupa teks."))
        else:
            out.notes = value or None

    if geometry_given:
        given.add("geometry")
        try:
            out.geometry = parse_geometry(geometry, path=(*path, "geometry"), extent=extent)
        except GeometryInputError as exc:
            errors.extend(exc.errors)

    out.given = frozenset(given)
    return out, errors
