"""The base schema (strict, Indonesian messages), field helpers and shared schemas."""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

NO_NUL_PATTERN = r"^[^\x00]*$"

# Per field class: marshmallow's message keys -> Indonesian text.
_COMMON = {
    "required": "Wajib diisi.",
    "null": "Tidak boleh kosong (null).",
    "validator_failed": "Nilai tidak valid.",
}
_BY_TYPE: list[tuple[type[fields.Field[Any]], dict[str, str]]] = [
    (fields.UUID, {"invalid_uuid": "Bukan UUID yang valid.", "invalid": "Bukan UUID yang valid."}),
    (fields.Integer, {"invalid": "Harus bilangan bulat.", "too_large": "Angka terlalu besar."}),
    (
        fields.Decimal,
        {
            "invalid": "Harus angka.",
            "too_large": "Angka terlalu besar.",
            "special": "Harus angka biasa (bukan NaN/Infinity).",
        },
    ),
    (
        fields.Float,
        {
            "invalid": "Harus angka.",
            "too_large": "Angka terlalu besar.",
            "special": "Harus angka biasa (bukan NaN/Infinity).",
        },
    ),
    (fields.Boolean, {"invalid": "Harus true atau false."}),
    (
        fields.Date,
        {
            "invalid": "Tanggal tidak valid; gunakan format TTTT-BB-HH (mis. 2024-01-15).",
            "format": "Tanggal tidak dapat ditampilkan.",
        },
    ),
    (
        fields.DateTime,
        {
            "invalid": "Waktu tidak valid; gunakan ISO 8601 dengan zona waktu.",
            "invalid_awareness": "Waktu harus menyertakan zona waktu.",
        },
    ),
    (fields.String, {"invalid": "Harus berupa teks.", "invalid_utf8": "Teks harus UTF-8."}),
    (fields.Dict, {"invalid": "Harus berupa objek."}),
    (fields.List, {"invalid": "Harus berupa larik (array)."}),
    (fields.Nested, {"type": "Harus berupa objek.", "invalid": "Harus berupa objek."}),
]


class K3Schema(Schema):
    """Refuses unknown fields; every message a field officer reads is Bahasa Indonesia."""

    class Meta:
        unknown = RAISE

    error_messages = {  # noqa: RUF012  (marshmallow reads this class attribute)
        "unknown": "Kolom tidak dikenal.",
        "type": "Data harus berupa objek JSON.",
    }

    # Set by api.parser on schemas read from the query string, where numbers arrive as text.
    numbers_as_text = False

    @pre_load
    def _json_numbers_are_numbers(self, data: Any, **_: Any) -> Any:
        """In JSON a number is a number: "5" for an integer field and 2.5 for an integer
        are refused, as the OpenAPI document says, instead of being converted or truncated."""
        if self.numbers_as_text or not isinstance(data, Mapping):
            return data
        errors: dict[str, list[str]] = {}
        for name, field in self.load_fields.items():
            key = field.data_key or name
            raw = data.get(key)
            if isinstance(field, fields.Number) and isinstance(raw, str):
                errors[key] = ["Harus angka, bukan teks."]
            elif (
                isinstance(field, fields.Integer)
                and isinstance(raw, float)
                and not raw.is_integer()
            ):
                errors[key] = ["Harus bilangan bulat."]
        if errors:
            raise ValidationError(errors)
        return data

    def on_bind_field(self, field_name: str, field_obj: fields.Field[Any]) -> None:
        # Text with NUL is refused everywhere (PostgreSQL cannot store it): say so in the
        # document too, so that generated clients and fuzzers agree with the server.
        if (
            type(field_obj) is fields.String
            and "pattern" not in field_obj.metadata
            and not any(isinstance(v, validate.Regexp) for v in field_obj.validators)
        ):
            field_obj.metadata = {**field_obj.metadata, "pattern": NO_NUL_PATTERN}
        msgs = dict(_COMMON)
        for cls, m in _BY_TYPE:
            if isinstance(field_obj, cls):
                msgs.update(m)
                break
        field_obj.error_messages = {**field_obj.error_messages, **msgs}
        inner = getattr(field_obj, "inner", None)
        if isinstance(inner, fields.Field):
            self.on_bind_field(field_name, inner)


def values(vocabulary: Iterable[enum.StrEnum]) -> list[str]:
    """The wire strings of a domain vocabulary (an enum class or some of its members)."""
    return [member.value for member in vocabulary]


def one_of(choices: list[str]) -> validate.OneOf:
    return validate.OneOf(choices, error=f"Harus salah satu dari: {', '.join(choices)}.")


# Required text: no NUL, and at least one character that is not a space (a name of only
# spaces or a form feed would be stored as nothing).
FILLED_PATTERN = r"^[^\x00]*[^\x00\s][^\x00]*$"


class _Filled(validate.Validator):
    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, value: str) -> str:
        if not value.strip():
            raise ValidationError(self.message)
        return value


def text(
    max_len: int,
    *,
    required: bool = False,
    filled: bool | None = None,
    blank: str = "Tidak boleh kosong atau hanya spasi.",
    **kw: Any,
) -> fields.String:
    """A text field. `filled` (required ones always): when sent, not empty or spaces only;
    `blank` says so in the words of the field."""
    filled = required if filled is None else filled
    length = validate.Length(
        min=1 if filled else 0,
        max=max_len,
        error=f"Panjang teks harus 1 sampai {max_len} huruf."
        if filled
        else f"Panjang teks paling banyak {max_len} huruf.",
    )
    if filled:
        metadata = {**kw.pop("metadata", {}), "pattern": FILLED_PATTERN}
        return fields.String(
            required=required, validate=[length, _Filled(blank)], metadata=metadata, **kw
        )
    return fields.String(required=required, validate=length, **kw)


YEAR_MIN, YEAR_MAX = 2000, 2100  # what the services accept (k3zones.services.targets, indicator)


def year_field(**kw: Any) -> fields.Integer:
    return fields.Integer(
        validate=validate.Range(YEAR_MIN, YEAR_MAX, error="Tahun harus 2000 sampai 2100."), **kw
    )


# What api.zones.parse_bbox reads: 4 decimal numbers (min < max, within WGS 84: checked there).
_NUM = r"-?[0-9]{1,3}(\.[0-9]{1,12})?"
BBOX_FORMAT = rf"{_NUM},{_NUM},{_NUM},{_NUM}"
BBOX_PATTERN = rf"^({BBOX_FORMAT})?$"  # documented: empty is no filter, as the views read it
BIGINT_MAX = 2**63 - 1


def bbox_field() -> fields.String:
    return fields.String(
        metadata={
            "description": "bujur_min,lintang_min,bujur_maks,lintang_maks (WGS 84; min < maks)",
            "example": "106.95,-6.23,107.02,-6.14",
            "pattern": BBOX_PATTERN,
        }
    )


YEAR_PATH_PARAM = {
    "in": "path",
    "name": "year",
    "required": True,
    "schema": {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX},
}


_POSITION = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 3}
_LINE = {"type": "array", "items": _POSITION, "minItems": 2}
_RING = {"type": "array", "items": _POSITION, "minItems": 4}
# The coordinates of the geometry types a zone may have (RFC 7946, section 3.1).
COORDINATES_DOC: dict[str, Any] = {
    "oneOf": [
        _POSITION,
        _LINE,
        {"type": "array", "items": _RING, "minItems": 1},
    ],
    "description": "Point: [bujur, lintang]; LineString: [[bujur, lintang], ...]; "
    "Polygon: [[[bujur, lintang], ...]] (cincin tertutup)",
}
GEOMETRY_TYPES = ["Point", "LineString", "Polygon"]
# Single-part Multi* geometries (as QGIS writes them) are accepted and unwrapped.
GEOMETRY_IN_DOC: dict[str, Any] = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {
            "type": "string",
            "enum": [*GEOMETRY_TYPES, "MultiPoint", "MultiLineString", "MultiPolygon"],
        },
        "coordinates": {
            "type": "array",
            "description": "Menurut type; Multi* hanya satu bagian",
        },
    },
}


def _finite(v: Any) -> bool:
    """A JSON number a float can hold (json.loads also gives NaN, inf and 10**400)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return False
    return math.isfinite(v) if isinstance(v, float) else abs(v) <= 10**300


def _nesting(value: Any, level: int = 1) -> int | None:
    """How deep a GeoJSON coordinates array is (1: a position, 2: a line, 3: rings), or
    None when it is not one: positions of 2-3 finite numbers, every branch equally deep.
    Never descends past rings, however deep a hostile array goes."""
    if not isinstance(value, list) or not value or level > 3:
        return None
    if 2 <= len(value) <= 3 and all(_finite(v) for v in value):
        return 1
    depths = {_nesting(v, level + 1) for v in value}
    if len(depths) != 1 or None in depths:
        return None
    depth = depths.pop()
    return None if depth is None or depth >= 3 else depth + 1


class Coordinates(fields.Field[list[Any]]):
    """The coordinates of a Point, LineString or Polygon (COORDINATES_DOC): nested arrays
    of positions of finite numbers. The geometry rules (closed rings, no self-crossing,
    inside Indonesia) are the domain's (k3zones.geo)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata=COORDINATES_DOC, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> list[Any]:
        if _nesting(value) is None:
            raise ValidationError(
                "Koordinat harus [bujur, lintang], daftar titik, atau daftar cincin titik "
                "(angka terhingga)."
            )
        return list(value)


class StringOrInteger(fields.Field[str | int]):
    """A value a client may send as a string or a whole number (a GeoJSON Feature id)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={"oneOf": [{"type": "string"}, {"type": "integer"}]}, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> str | int:
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise ValidationError("Harus teks atau bilangan bulat.")


class GeometrySchema(Schema):
    """A GeoJSON geometry (RFC 7946): lon/lat in WGS 84."""

    type = fields.String(validate=validate.OneOf(GEOMETRY_TYPES), metadata={"example": "Point"})
    coordinates = Coordinates()


class KecamatanArgSchema(K3Schema):
    kecamatan = fields.String(
        metadata={"description": "Slug kecamatan (bawaan: kecamatan pengguna)"}
    )
