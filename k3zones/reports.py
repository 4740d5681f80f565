"""Pure rules for a report as a phone sends it (JSON now, ODK later): one parser, every
problem reported at once with a JSON pointer and a message the officer can act on."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from shapely.geometry import Point

from k3zones.enums import ReportType, TeamUnit
from k3zones.errors import FieldError
from k3zones.geo import GeometryInputError, parse_geometry
from k3zones.numbers import finite, whole

VIOLATIONS = {
    "pkl": "PKL (pedagang kaki lima)",
    "bangunan_liar": "bangunan liar",
    "spanduk": "spanduk",
    "reklame_kain": "reklame kain",
    "parkir_liar": "parkir liar",
    "sampah": "sampah",
    "lainnya": "lainnya",
}
ACTIONS = {
    "teguran_lisan": "teguran lisan",
    "teguran_tertulis": "teguran tertulis",
    "pembongkaran": "pembongkaran",
    "penyitaan": "penyitaan",
    "relokasi": "relokasi",
    "pembersihan": "pembersihan",
}
MAX_PHOTOS = 10
MAX_COUNT = 10_000
MAX_ITEMS = 20
MAX_NOTES = 4000
FIELDS = {
    "id",
    "type",
    "zone_id",
    "team_id",
    "units",
    "started_at",
    "ended_at",
    "location",
    "accuracy_m",
    "findings",
    "actions",
    "notes",
    "photos_expected",
    "task_id",
}


@dataclass
class Item:
    kind: str
    count: int
    notes: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "count": self.count}
        if self.notes:
            d["notes"] = self.notes
        return d


@dataclass
class ReportInput:
    id: uuid.UUID | None = None
    type: ReportType | None = None
    zone_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    units: list[str] | None = None
    started_at: datetime | None = None
    started_offset_min: int = 0
    ended_at: datetime | None = None
    ended_offset_min: int | None = None
    location: Point | None = None
    accuracy_m: Decimal | None = None
    findings: list[Item] = field(default_factory=list)
    actions: list[Item] = field(default_factory=list)
    notes: str | None = None
    photos_expected: int = 0
    # The task (jadwal) the officer says this report fulfils; ignored when it does not fit.
    task_id: uuid.UUID | None = None

    @property
    def violation_total(self) -> int:
        return sum(f.count for f in self.findings)


def body_hash(body: Any) -> str:
    """Same content, same hash, whatever the key order or spacing of the JSON."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _uuid(v: Any, path: tuple[str | int, ...], errors: list[FieldError]) -> uuid.UUID | None:
    if v is None:
        return None
    try:
        return uuid.UUID(str(v))
    except ValueError:
        errors.append(FieldError(path, "Bukan UUID yang valid."))
        return None


def _time(v: Any, path: tuple[str, ...], errors: list[FieldError]) -> tuple[datetime, int] | None:
    if not isinstance(v, str):
        errors.append(
            FieldError(path, "Waktu wajib diisi (ISO 8601, mis. 2024-05-02T08:15:00+07:00).")
        )
        return None
    try:
        dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        errors.append(
            FieldError(path, "Waktu tidak valid; gunakan ISO 8601, mis. 2024-05-02T08:15:00+07:00.")
        )
        return None
    off = dt.utcoffset()
    if off is None:
        errors.append(FieldError(path, "Sertakan zona waktu perangkat, mis. +07:00 untuk WIB."))
        return None
    return dt, int(off.total_seconds() // 60)


def _count(raw: Any, path: tuple[str | int, ...], errors: list[FieldError]) -> int | None:
    v = whole(raw)
    if v is None:
        errors.append(FieldError(path, "Jumlah harus bilangan bulat."))
        return None
    if v < 0:
        errors.append(FieldError(path, "Jumlah tidak boleh kurang dari nol."))
        return None
    if v > MAX_COUNT:
        errors.append(FieldError(path, f"Jumlah paling banyak {MAX_COUNT}."))
        return None
    return v


def _items(v: Any, name: str, vocab: dict[str, str], errors: list[FieldError]) -> list[Item]:
    if v is None:
        return []
    if not isinstance(v, list):
        errors.append(FieldError((name,), "Harus berupa larik (array)."))
        return []
    if len(v) > MAX_ITEMS:
        errors.append(FieldError((name,), f"Paling banyak {MAX_ITEMS} baris."))
        return []
    out: list[Item] = []
    seen: set[str] = set()
    for i, raw in enumerate(v):
        p: tuple[str | int, ...] = (name, i)
        if not isinstance(raw, Mapping):
            errors.append(FieldError(p, "Harus berupa objek {kind, count}."))
            continue
        unknown = set(raw) - {"kind", "count", "notes"}
        for k in sorted(unknown):
            errors.append(FieldError((*p, k), "Kolom tidak dikenal."))
        kind = raw.get("kind")
        if not isinstance(kind, str) or kind not in vocab:
            errors.append(
                FieldError(
                    (*p, "kind"), f"Jenis {kind!r} tidak dikenal; pilih: " + ", ".join(vocab) + "."
                )
            )
            kind = None
        elif kind in seen:
            errors.append(
                FieldError((*p, "kind"), f"Jenis {kind} tercatat dua kali; gabungkan jumlahnya.")
            )
        count = _count(raw.get("count"), (*p, "count"), errors)
        notes = raw.get("notes")
        if notes is not None and (not isinstance(notes, str) or len(notes) > 1000):
            errors.append(
                FieldError((*p, "notes"), "Catatan harus teks, paling panjang 1000 huruf.")
            )
            notes = None
        if kind and count is not None:
            seen.add(kind)
            out.append(Item(kind, count, notes or None))
    return out


def parse_report(body: Any, *, require_id: bool = True) -> tuple[ReportInput, list[FieldError]]:
    """Check a report body. Returns the parsed report and every error found."""
    errors: list[FieldError] = []
    r = ReportInput()
    if not isinstance(body, Mapping):
        return r, [FieldError((), "Data laporan harus berupa objek JSON.")]
    for k in sorted(set(body) - FIELDS):
        errors.append(FieldError((k,), "Kolom tidak dikenal."))

    if "id" in body or require_id:
        r.id = _uuid(body.get("id"), ("id",), errors)
        if r.id is None and require_id and not any(e.path == ("id",) for e in errors):
            errors.append(FieldError(("id",), "id laporan (UUID buatan ponsel) wajib diisi."))

    try:
        rtype = body.get("type")
        if not isinstance(rtype, str):
            raise ValueError(rtype)
        r.type = ReportType(rtype)
    except ValueError:
        errors.append(FieldError(("type",), "Jenis laporan harus 'patroli' atau 'penertiban'."))

    r.zone_id = _uuid(body.get("zone_id"), ("zone_id",), errors)
    r.team_id = _uuid(body.get("team_id"), ("team_id",), errors)
    r.task_id = _uuid(body.get("task_id"), ("task_id",), errors)
    units = body.get("units")
    if units is not None:
        valid = {u.value for u in TeamUnit}
        if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
            errors.append(FieldError(("units",), "units harus larik teks."))
        elif bad := [u for u in units if u not in valid]:
            errors.append(
                FieldError(
                    ("units",),
                    f"Unit {', '.join(bad)} tidak dikenal; pilih: "
                    + ", ".join(sorted(valid))
                    + ".",
                )
            )
        else:
            r.units = sorted(set(units))

    started = _time(body.get("started_at"), ("started_at",), errors)
    if started:
        r.started_at, r.started_offset_min = started
    if body.get("ended_at") is not None:
        ended = _time(body.get("ended_at"), ("ended_at",), errors)
        if ended:
            r.ended_at, r.ended_offset_min = ended
            if r.started_at and r.ended_at < r.started_at:
                errors.append(
                    FieldError(("ended_at",), "Waktu selesai tidak boleh sebelum waktu mulai.")
                )

    try:
        loc = parse_geometry(body.get("location"), path=("location",), allowed=("Point",))
        r.location = loc  # type: ignore[assignment]
    except GeometryInputError as exc:
        errors.extend(exc.errors)

    acc = body.get("accuracy_m")
    if acc is not None:
        facc = finite(acc)
        if facc is None:
            errors.append(FieldError(("accuracy_m",), "Akurasi GPS harus angka (meter)."))
        elif not 0 <= facc <= 100_000:
            errors.append(FieldError(("accuracy_m",), "Akurasi GPS harus 0 sampai 100000 meter."))
        else:
            r.accuracy_m = Decimal(str(round(facc, 1)))

    r.findings = _items(body.get("findings"), "findings", VIOLATIONS, errors)
    r.actions = _items(body.get("actions"), "actions", ACTIONS, errors)
    if r.actions and r.type == ReportType.PATROLI:
        errors.append(FieldError(("actions",), "Tindakan hanya dicatat pada laporan penertiban."))

    notes = body.get("notes")
    if notes is not None and (not isinstance(notes, str) or len(notes) > MAX_NOTES):
        errors.append(
            FieldError(("notes",), f"Catatan harus teks, paling panjang {MAX_NOTES} huruf.")
        )
    else:
        r.notes = notes or None

    pe = body.get("photos_expected", 0)
    if isinstance(pe, bool) or not isinstance(pe, int) or not 0 <= pe <= MAX_PHOTOS:
        errors.append(FieldError(("photos_expected",), f"Jumlah foto harus 0 sampai {MAX_PHOTOS}."))
    else:
        r.photos_expected = pe
    return r, errors
