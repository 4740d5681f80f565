"""The evidence chain (rantai bukti): canonical content, payload hashes and entry hashes.

Pure: no session, no I/O. What is chained, and which fields make up each entity's
content, is declared once here (`SPECS`); the write hook (`k3zones.audit`) and the verifier
(`k3zones.services.chain`) both read the same declaration, so what is hashed at write time
is exactly what is recomputed later.

Canonical JSON: keys sorted, UTF-8, no whitespace, datetimes as ISO 8601 in UTC, dates as
ISO dates, Decimals as strings (at the column's scale), UUIDs and enums as their text,
points as [lon, lat]. The payload hash is SHA-256 of that text.

An entry's hash covers the previous entry's hash, its position, kind, ref, kecamatan,
payload hash and time: SHA-256 of the canonical JSON of that list. Changing any entry
changes every hash after it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
import math
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from geoalchemy2.elements import WKBElement, WKTElement
from geoalchemy2.shape import to_shape

# The hash before the first entry.
GENESIS = "0" * 64
# The payload hash of an entry recording that its entity was deleted (or erased) by the
# application: the entity must then be absent, and the entries before it stay valid.
TOMBSTONE = hashlib.sha256(b"k3zones:dihapus").hexdigest()

UTC = dt.UTC


class Kind(enum.StrEnum):
    REPORT = "report"  # the report's body as submitted or amended (one entry per version)
    REPORT_VERSION = "report_version"  # an earlier version kept when a report is amended
    REVIEW = "review"  # the review of a report (state, note, by, at)
    PHOTO = "photo"  # a photo: the SHA-256 of the original as stored at intake
    ZONE_STATUS_CHANGE = "zone_status_change"  # a change of a zone's status
    VERIFICATION = "verification"  # Seksi Trantib's verification of a zone (or its removal)
    SNAPSHOT = "snapshot"  # an indicator snapshot, when taken and when approved


KIND_LABELS = {
    Kind.REPORT: "laporan",
    Kind.REPORT_VERSION: "versi laporan",
    Kind.REVIEW: "tinjauan laporan",
    Kind.PHOTO: "foto",
    Kind.ZONE_STATUS_CHANGE: "perubahan status zona",
    Kind.VERIFICATION: "verifikasi zona",
    Kind.SNAPSHOT: "snapshot indikator",
}


def _text(value: str) -> str:
    # A lone surrogate cannot be stored in PostgreSQL, but hashing must never raise.
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def plain(value: Any, scale: int | None = None) -> Any:
    """A value as it appears in canonical JSON."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, int):
        return value if scale is None else plain(decimal.Decimal(value), scale)
    if isinstance(value, float):
        if scale is not None:
            return plain(decimal.Decimal(repr(value)), scale)
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return str(value)
        if scale is not None:
            value = value.quantize(decimal.Decimal(1).scaleb(-scale), decimal.ROUND_HALF_EVEN)
        return format(value, "f")
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, WKBElement | WKTElement):
        geom: Any = to_shape(value)
        if geom.geom_type == "Point":
            return [geom.x, geom.y]
        return geom.wkb_hex
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bytes | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    return _text(str(value))


def canonical(value: Any) -> bytes:
    """Canonical JSON bytes of already plain values."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def payload_hash(content: dict[str, Any]) -> str:
    return sha256_hex(canonical(content))


def entry_hash(
    prev_hash: str,
    position: int,
    kind: str,
    ref: str,
    kecamatan_id: int | None,
    payload: str,
    at: dt.datetime,
) -> str:
    return sha256_hex(canonical([prev_hash, position, kind, ref, kecamatan_id, payload, plain(at)]))


@dataclass(frozen=True)
class Spec:
    """One kind of chained content: the table it lives in, the fields it is made of, how
    its ref is spelled, and whether a row in its starting state needs an entry at all."""

    kind: Kind
    table: str
    fields: tuple[str, ...]
    ref: Callable[[Any], str]
    # False when the row's state is the default one that needs no entry (a report never
    # reviewed, a zone never verified): such a row with no entry is still in order.
    needs_entry: Callable[[Any], bool] = lambda _obj: True


def scales_of(obj: Any) -> dict[str, int]:
    """The decimal scale of each Numeric column of a mapped class or object."""
    table = getattr(obj, "__table__", None)
    if table is None:
        return {}
    out: dict[str, int] = {}
    for c in table.columns:
        scale = getattr(c.type, "scale", None)
        if isinstance(scale, int):
            out[c.key] = scale
    return out


def content(spec: Spec, obj: Any, scales: dict[str, int] | None = None) -> dict[str, Any]:
    """The canonical content of one entity for one kind (the fields the spec names). `obj`
    is a mapped object, or a row with those fields plus the mapped class's `scales`."""
    if scales is None:
        scales = scales_of(obj)
    return {f: plain(getattr(obj, f), scales.get(f)) for f in spec.fields}


def content_hash(spec: Spec, obj: Any, scales: dict[str, int] | None = None) -> str:
    return payload_hash(content(spec, obj, scales))


def _reviewed(obj: Any) -> bool:
    state = getattr(obj.review_state, "value", obj.review_state)
    return bool(
        state != "menunggu" or obj.review_note or obj.reviewed_by or obj.reviewed_at is not None
    )


def _verified(obj: Any) -> bool:
    return bool(
        obj.verified_at is not None
        or obj.verified_by is not None
        or obj.verification_note
        or obj.verified_without_evidence
    )


SPECS: tuple[Spec, ...] = (
    Spec(
        Kind.REPORT,
        "report",
        (
            "id",
            "kecamatan_id",
            "type",
            "officer_id",
            "team_id",
            "units",
            "zone_id",
            "started_at",
            "started_offset_min",
            "ended_at",
            "ended_offset_min",
            "gps",
            "gps_accuracy_m",
            "findings",
            "actions",
            "violation_total",
            "notes",
            "photos_expected",
            "version",
            "body_hash",
        ),
        lambda r: str(r.id),
    ),
    Spec(
        Kind.REVIEW,
        "report",
        ("id", "review_state", "review_note", "reviewed_by", "reviewed_at"),
        lambda r: str(r.id),
        _reviewed,
    ),
    Spec(
        Kind.REPORT_VERSION,
        "report_version",
        ("report_id", "version", "snapshot", "review_state", "review_note"),
        lambda v: f"{v.report_id}:{v.version}",
    ),
    Spec(
        Kind.PHOTO,
        "photo",
        ("id", "report_id", "kecamatan_id", "original_key", "sha256", "size_bytes"),
        lambda p: str(p.id),
    ),
    Spec(
        Kind.ZONE_STATUS_CHANGE,
        "zone_status_change",
        (
            "id",
            "zone_id",
            "kecamatan_id",
            "at",
            "kind",
            "from_status",
            "to_status",
            "kategori",
            "reason",
            "actor",
            "rule_version",
            "evidence",
        ),
        lambda c: str(c.id),
    ),
    Spec(
        Kind.VERIFICATION,
        "zone_status",
        ("zone_id", "verified_by", "verified_at", "verification_note", "verified_without_evidence"),
        lambda z: str(z.zone_id),
        _verified,
    ),
    Spec(
        Kind.SNAPSHOT,
        "indicator_snapshot",
        (
            "id",
            "kecamatan_id",
            "period_kind",
            "period_start",
            "period_end",
            "computed_at",
            "rule_version",
            "zones_designated",
            "zones_tertib",
            "realisasi_pct",
            "target_pct",
            "zones_needed",
            "capaian_pct",
            "zones",
            "approved_by",
            "approved_at",
        ),
        lambda s: str(s.id),
    ),
)

SPECS_BY_TABLE: dict[str, tuple[Spec, ...]] = {}
for _spec in SPECS:
    SPECS_BY_TABLE[_spec.table] = (*SPECS_BY_TABLE.get(_spec.table, ()), _spec)
SPEC_BY_KIND: dict[str, Spec] = {s.kind.value: s for s in SPECS}


@dataclass(frozen=True)
class Sealed:
    """An entry as stored, for the chain walk."""

    position: int
    kind: str
    ref: str
    kecamatan_id: int | None
    payload_hash: str
    at: dt.datetime
    prev_hash: str | None
    entry_hash: str


@dataclass(frozen=True)
class Mismatch:
    position: int | None
    kind: str
    ref: str
    reason: str


class Walker:
    """Walks sealed entries in position order, batch after batch, and names the first
    that breaks the chain: a missing position (a deleted row), a wrong link to the previous
    entry, or a hash that no longer matches the entry's own fields."""

    def __init__(self) -> None:
        self.prev_hash = GENESIS
        self.next_position = 1
        self.count = 0

    def feed(self, entries: Iterable[Sealed]) -> Mismatch | None:
        for e in entries:
            if e.position != self.next_position:
                return Mismatch(
                    self.next_position,
                    e.kind,
                    e.ref,
                    f"entri pada posisi {self.next_position} hilang "
                    f"(berikutnya posisi {e.position})",
                )
            if e.prev_hash != self.prev_hash:
                return Mismatch(e.position, e.kind, e.ref, "tautan ke entri sebelumnya tidak cocok")
            want = entry_hash(
                self.prev_hash, e.position, e.kind, e.ref, e.kecamatan_id, e.payload_hash, e.at
            )
            if want != e.entry_hash:
                return Mismatch(
                    e.position, e.kind, e.ref, "hash entri tidak cocok dengan isinya (diubah)"
                )
            self.prev_hash, self.next_position = e.entry_hash, self.next_position + 1
            self.count += 1
        return None
