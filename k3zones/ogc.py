"""OGC API - Features Part 1 (OGC 17-069r4): the collections, their query parameters and
the parsing of them. Pure: no database, no HTTP.

Strict, as the standard asks (/req/core/query-param-invalid, -unknown): a parameter the
collection does not know, or a value out of range, is InvalidInput (the API answers 400
with an OGC exception, {code, description}).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from k3zones.complaints import CATEGORIES as COMPLAINT_CATEGORIES
from k3zones.enums import (
    ComplaintState,
    Kategori,
    ReportType,
    ReviewState,
    TertibKategori,
    ZoneStatusValue,
)
from k3zones.errors import FieldError, InvalidInput

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
TRS_GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"

LIMIT_DEFAULT = 10
LIMIT_MAX = 1000
OFFSET_MAX = 1_000_000  # deeper than any collection here; bounds the database's skip work
MAX_PARAM_LEN = 200
COMMON_PARAMS = frozenset({"f", "bbox", "limit", "offset", "datetime"})
# A decimal number as clients print them (GDAL writes 18 significant digits, some use an
# exponent); the range is checked on the value, the length by MAX_PARAM_LEN.
_NUMBER = re.compile(r"^\s*[-+]?(\d{1,3}(\.\d{0,30})?|\.\d{1,30})([eE][-+]?\d{1,3})?\s*$", re.ASCII)
_INT = re.compile(r"^\d{1,9}$", re.ASCII)
_SLUG = re.compile(r"^[a-z0-9-]{1,64}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class Filter:
    """A property the items can be filtered on (`?name=value`, exact match)."""

    name: str
    description: str
    kind: str = "slug"  # slug | enum | uuid | bool
    choices: tuple[str, ...] = ()

    def parse(self, raw: str) -> str | bool:
        path = ("query", self.name)
        value = raw.strip()
        ok: bool
        if self.kind == "enum":
            ok = value in self.choices
            why = f"Harus salah satu dari: {', '.join(self.choices)}."
        elif self.kind == "uuid":
            ok = bool(_UUID.match(value))
            why = "Harus UUID."
        elif self.kind == "bool":
            ok = value in ("true", "false")
            why = "Harus true atau false."
        else:
            value = value.lower()
            ok = bool(_SLUG.match(value))
            why = "Harus slug: huruf kecil, angka, dan tanda hubung (paling banyak 64)."
        if not ok:
            raise InvalidInput(f"Parameter {self.name} tidak valid.", [FieldError(path, why)])
        if self.kind == "bool":
            return value == "true"
        return value.lower() if self.kind == "uuid" else value

    def schema(self) -> dict[str, object]:
        if self.kind == "enum":
            return {"type": "string", "enum": list(self.choices)}
        if self.kind == "uuid":
            return {"type": "string", "format": "uuid"}
        if self.kind == "bool":
            return {"type": "boolean"}
        return {"type": "string", "pattern": _SLUG.pattern}


@dataclass(frozen=True)
class CollectionDef:
    id: str
    title: str
    description: str
    staff: bool  # only signed-in staff (api.policy rows of the ogc staff endpoints)
    temporal: str | None  # the property `datetime` filters on, or None
    filters: tuple[Filter, ...]
    properties: tuple[str, ...] = field(default=())

    def filter(self, name: str) -> Filter | None:
        return next((f for f in self.filters if f.name == name), None)


def _enum(name: str, description: str, vocabulary: Sequence[str]) -> Filter:
    return Filter(name, description, "enum", tuple(vocabulary))


KECAMATAN_FILTER = Filter("kecamatan", "Slug kecamatan (tampilan kota)")
ZONES = CollectionDef(
    "zones",
    "Zona K3 (titik pantau)",
    "Titik pantau yang ditetapkan SK camat: kategori zona, SK, kelurahan, status ketertiban "
    "dan kategori tertib terverifikasi.",
    staff=False,
    temporal=None,
    filters=(
        KECAMATAN_FILTER,
        _enum("kategori", "Kategori zona", [k.value for k in Kategori]),
        _enum("status", "Status ketertiban", [s.value for s in ZoneStatusValue]),
        _enum(
            "status_kategori", "Kategori tertib (terverifikasi)", [t.value for t in TertibKategori]
        ),
        Filter("kelurahan", "Slug kelurahan"),
    ),
)
KELURAHAN = CollectionDef(
    "kelurahan",
    "Batas kelurahan",
    "Batas kelurahan per kecamatan. Batas bertanda perkiraan (boundary_approximate) "
    "bukan batas resmi.",
    staff=False,
    temporal=None,
    filters=(
        KECAMATAN_FILTER,
        Filter("slug", "Slug kelurahan"),
        Filter("boundary_approximate", "Batas perkiraan", "bool"),
    ),
)
REPORTS = CollectionDef(
    "reports",
    "Laporan patroli dan penertiban (staf)",
    "Laporan petugas di lokasi GPS-nya. Hanya untuk staf yang masuk; identitas petugas "
    "hanya untuk peran yang boleh melihatnya.",
    staff=True,
    temporal="started_at",
    filters=(
        KECAMATAN_FILTER,
        _enum("type", "Jenis laporan", [t.value for t in ReportType]),
        _enum("review_state", "Status tinjauan", [r.value for r in ReviewState]),
        Filter("zone_id", "id zona", "uuid"),
    ),
)
HISTORY = CollectionDef(
    "zone-status-history",
    "Riwayat status zona (staf)",
    "Setiap perubahan status zona: kapan, dari dan ke status apa, dan alasannya.",
    staff=True,
    temporal="at",
    filters=(
        KECAMATAN_FILTER,
        Filter("zone_id", "id zona", "uuid"),
        _enum("to_status", "Status sesudah perubahan", [s.value for s in ZoneStatusValue]),
        _enum("kind", "Jenis perubahan", ["compute", "verify", "withdraw", "fallback"]),
    ),
)
# Citizens' complaints as open data: what, where (to about 100 m) and how it stands; never
# who sent it or what they wrote (a description may name people).
COMPLAINT_GRID_DEG = 0.001
COMPLAINTS_PUBLIC = CollectionDef(
    "complaints-public",
    "Pengaduan masyarakat (publik)",
    "Pengaduan warga: kategori, status, tanggal diterima dan selesai, kelurahan, dan lokasi "
    "yang dibulatkan (sekitar 100 m). Tanpa identitas pelapor dan tanpa isi pengaduan.",
    staff=False,
    temporal="received_at",
    filters=(
        KECAMATAN_FILTER,
        _enum("category", "Kategori pengaduan", list(COMPLAINT_CATEGORIES)),
        _enum("state", "Status pengaduan", [s.value for s in ComplaintState]),
        Filter("kelurahan", "Slug kelurahan"),
    ),
)
COLLECTIONS: dict[str, CollectionDef] = {
    c.id: c for c in (ZONES, KELURAHAN, COMPLAINTS_PUBLIC, REPORTS, HISTORY)
}
STAFF_COLLECTIONS = tuple(c.id for c in COLLECTIONS.values() if c.staff)
PUBLIC_COLLECTIONS = tuple(c.id for c in COLLECTIONS.values() if not c.staff)


def _bad(name: str, summary: str, why: str) -> InvalidInput:
    return InvalidInput(summary, [FieldError(("query", name), why)])


@dataclass(frozen=True)
class Interval:
    start: datetime | None  # None: open
    end: datetime | None


@dataclass(frozen=True)
class ItemsQuery:
    limit: int = LIMIT_DEFAULT
    offset: int = 0
    # One or two boxes (a box crossing the antimeridian is split in two).
    boxes: tuple[tuple[float, float, float, float], ...] = ()
    interval: Interval | None = None
    filters: Mapping[str, str | bool] = field(default_factory=dict)


def parse_int(name: str, raw: str, low: int, high: int) -> int:
    value = raw.strip()
    if not _INT.match(value) or not low <= int(value) <= high:
        raise _bad(
            name, f"Parameter {name} tidak valid.", f"Harus bilangan bulat {low} sampai {high}."
        )
    return int(value)


def parse_bbox(raw: str) -> tuple[tuple[float, float, float, float], ...]:
    """bbox=minLon,minLat,maxLon,maxLat (or 6 numbers with heights, which are ignored).
    minLon > maxLon crosses the antimeridian (17-069r4, 7.15.3): two boxes."""
    why = (
        "bbox harus 4 angka (atau 6 dengan ketinggian): "
        "bujur_min,lintang_min,bujur_maks,lintang_maks (CRS84)."
    )
    parts = raw.split(",")
    if len(parts) not in (4, 6) or not all(_NUMBER.match(p) for p in parts):
        raise _bad("bbox", "bbox tidak valid.", why)
    nums = [float(p) for p in parts]
    if not all(math.isfinite(n) for n in nums):
        raise _bad("bbox", "bbox tidak valid.", why)
    if len(nums) == 6:
        nums = [nums[0], nums[1], nums[3], nums[4]]
    x0, y0, x1, y1 = nums
    if not (-180 <= x0 <= 180 and -180 <= x1 <= 180 and -90 <= y0 <= 90 and -90 <= y1 <= 90):
        raise _bad("bbox", "bbox di luar jangkauan.", "Bujur harus -180..180 dan lintang -90..90.")
    if y0 > y1:
        raise _bad("bbox", "bbox terbalik.", "lintang_min harus lebih kecil dari lintang_maks.")
    if x0 > x1:
        return ((x0, y0, 180.0, y1), (-180.0, y0, x1, y1))
    return ((x0, y0, x1, y1),)


def _instant(raw: str, end: bool) -> datetime | None:
    value = raw.strip()
    if value in ("", ".."):
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, re.ASCII):
        d = date.fromisoformat(value)
        start = datetime.combine(d, time(0), UTC)
        # A date is the whole day (UTC): its end is the last instant of it.
        return start + timedelta(days=1) - timedelta(microseconds=1) if end else start
    if not re.fullmatch(
        r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})",
        value,
        re.ASCII,
    ):
        raise ValueError(value)
    value = re.sub(r"(\.\d{6})\d+", r"\1", value)  # nanoseconds: Python keeps microseconds
    parsed = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    return parsed.astimezone(UTC)


def parse_datetime(raw: str) -> Interval:
    """RFC 3339 date-time or date, or an interval 'a/b' with '..' (or empty) for open."""
    why = (
        "datetime harus waktu RFC 3339 (mis. 2024-03-04T08:00:00Z), tanggal (2024-03-04), "
        "atau interval awal/akhir dengan '..' untuk terbuka."
    )
    pieces = raw.split("/")
    try:
        if len(pieces) == 1:
            if pieces[0].strip() in ("", ".."):
                raise ValueError(raw)
            return Interval(_instant(pieces[0], False), _instant(pieces[0], True))
        if len(pieces) != 2:
            raise ValueError(raw)
        start, end = _instant(pieces[0], False), _instant(pieces[1], True)
    except (ValueError, OverflowError) as exc:
        raise _bad("datetime", "datetime tidak valid.", why) from exc
    if start is None and end is None:
        raise _bad(
            "datetime", "datetime tidak valid.", "Interval tidak boleh terbuka di kedua ujung."
        )
    if start is not None and end is not None and start > end:
        raise _bad("datetime", "datetime terbalik.", "Awal interval harus sebelum akhirnya.")
    return Interval(start, end)


def parse_format(args: Mapping[str, str]) -> str | None:
    f = args.get("f")
    if f is None:
        return None
    if f not in ("json", "html"):
        raise _bad("f", "Format tidak dikenal.", "f harus json atau html.")
    return f


def check_params(args: Sequence[tuple[str, str]], allowed: frozenset[str] | set[str]) -> None:
    """Unknown, repeated or overlong parameters are refused (/req/core/query-param-unknown)."""
    seen: set[str] = set()
    for name, value in args:
        shown = name[:40]
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "(tidak ada)"
            raise _bad(
                shown, f"Parameter '{shown}' tidak dikenal.", f"Parameter yang dikenal: {known}."
            )
        if name in seen:
            raise _bad(
                shown, f"Parameter {shown} diberikan lebih dari sekali.", "Berikan sekali saja."
            )
        if len(value) > MAX_PARAM_LEN:
            raise _bad(
                shown,
                f"Parameter {shown} terlalu panjang.",
                f"Paling banyak {MAX_PARAM_LEN} huruf.",
            )
        seen.add(name)


def parse_items_query(
    c: CollectionDef, args: Sequence[tuple[str, str]], kota: bool = True
) -> ItemsQuery:
    """The items query; `kecamatan=` only in the kota view (the other names it in its path)."""
    allowed = set(COMMON_PARAMS) | {f.name for f in c.filters if kota or f is not KECAMATAN_FILTER}
    check_params(args, allowed)
    got = dict(args)
    parse_format(got)
    if "datetime" in got and c.temporal is None:
        raise _bad(
            "datetime",
            "Koleksi ini tidak memiliki waktu.",
            f"Koleksi {c.id} tidak dapat disaring dengan datetime.",
        )
    return ItemsQuery(
        limit=parse_int("limit", got["limit"], 1, LIMIT_MAX) if "limit" in got else LIMIT_DEFAULT,
        offset=parse_int("offset", got["offset"], 0, OFFSET_MAX) if "offset" in got else 0,
        boxes=parse_bbox(got["bbox"]) if "bbox" in got else (),
        interval=parse_datetime(got["datetime"]) if "datetime" in got else None,
        filters={f.name: f.parse(got[f.name]) for f in c.filters if f.name in got},
    )


def openapi(
    base: str, title: str, collections: Sequence[CollectionDef], kota: bool
) -> dict[str, Any]:
    """The OpenAPI 3.0 document of one OGC API (the kota view or one kecamatan's)."""
    ref: dict[str, Any] = {"$ref": "#/components/responses/Exception"}
    f_param: dict[str, Any] = {
        "name": "f",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": ["json", "html"]},
        "description": "Format jawaban (selain header Accept).",
    }
    common: dict[str, dict[str, Any]] = {
        "limit": {
            "name": "limit",
            "in": "query",
            "required": False,
            "style": "form",
            "explode": False,
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": LIMIT_MAX,
                "default": LIMIT_DEFAULT,
            },
        },
        "offset": {
            "name": "offset",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 0, "maximum": OFFSET_MAX, "default": 0},
        },
        "bbox": {
            "name": "bbox",
            "in": "query",
            "required": False,
            "style": "form",
            "explode": False,
            "schema": {
                "type": "array",
                "minItems": 4,
                "maxItems": 6,
                "items": {"type": "number"},
            },
            "description": "bujur_min,lintang_min,bujur_maks,lintang_maks (CRS84)",
        },
        "datetime": {
            "name": "datetime",
            "in": "query",
            "required": False,
            "style": "form",
            "explode": False,
            "schema": {"type": "string"},
            "description": "Waktu RFC 3339 atau interval awal/akhir ('..' untuk terbuka)",
        },
    }
    feature_id: dict[str, Any] = {
        "name": "featureId",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
    }
    geojson = "application/geo+json"
    paths: dict[str, Any] = {
        "/": {
            "get": {
                "summary": "Halaman awal",
                "operationId": "getLandingPage",
                "parameters": [f_param],
                "responses": {"200": {"description": "Halaman awal"}, "400": ref},
            }
        },
        "/conformance": {
            "get": {
                "summary": "Kelas kesesuaian",
                "operationId": "getConformance",
                "parameters": [f_param],
                "responses": {"200": {"description": "Kelas kesesuaian"}, "400": ref},
            }
        },
        "/api": {
            "get": {
                "summary": "Dokumen OpenAPI ini",
                "operationId": "getApi",
                "parameters": [f_param],
                "responses": {"200": {"description": "OpenAPI 3.0"}},
            }
        },
        "/collections": {
            "get": {
                "summary": "Koleksi",
                "operationId": "getCollections",
                "parameters": [f_param],
                "responses": {"200": {"description": "Daftar koleksi"}, "400": ref},
            }
        },
    }
    for c in collections:
        security: list[dict[str, list[str]]] = [{"basic": []}, {"bearer": []}] if c.staff else []
        filters = [
            {
                "name": f.name,
                "in": "query",
                "required": False,
                "schema": f.schema(),
                "description": f.description,
            }
            for f in c.filters
            if kota or f.name != "kecamatan"
        ]
        items_params = [common["limit"], common["offset"], common["bbox"], *filters, f_param]
        if c.temporal:
            items_params.insert(3, common["datetime"])
        errors: dict[str, Any] = {"400": ref, "401": ref, "403": ref} if c.staff else {"400": ref}
        paths[f"/collections/{c.id}"] = {
            "get": {
                "summary": c.title,
                "operationId": f"describe-{c.id}",
                "parameters": [f_param],
                "security": security,
                "responses": {"200": {"description": "Koleksi"}, **errors, "404": ref},
            }
        }
        paths[f"/collections/{c.id}/items"] = {
            "get": {
                "summary": f"{c.title}: fitur",
                "description": c.description,
                "operationId": f"get-{c.id}-features",
                "parameters": items_params,
                "security": security,
                "responses": {
                    "200": {
                        "description": "FeatureCollection",
                        "content": {geojson: {"schema": {"type": "object"}}},
                    },
                    **errors,
                    "404": ref,
                },
            }
        }
        paths[f"/collections/{c.id}/items/{{featureId}}"] = {
            "get": {
                "summary": f"{c.title}: satu fitur",
                "operationId": f"get-{c.id}-feature",
                "parameters": [feature_id, f_param],
                "security": security,
                "responses": {
                    "200": {
                        "description": "Feature",
                        "content": {geojson: {"schema": {"type": "object"}}},
                    },
                    **errors,
                    "404": ref,
                },
            }
        }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": title,
            "version": "1.0.0",
            "description": "OGC API - Features Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0). "
            "Koleksi staf memerlukan HTTP Basic atau Bearer.",
        },
        "servers": [{"url": base}],
        "security": [],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
            "responses": {
                "Exception": {
                    "description": "Galat: {code, description} (juga problem+json)",
                    "content": {
                        "application/problem+json": {
                            "schema": {
                                "type": "object",
                                "required": ["code", "description"],
                                "properties": {
                                    "code": {"type": "string"},
                                    "description": {"type": "string"},
                                },
                            }
                        }
                    },
                }
            },
        },
    }
