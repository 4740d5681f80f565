"""Evidence checks: flags with numbers, for a reviewer to weigh. Nothing here rejects.

Each flag is {"<name>": {<numbers>, "message": <Bahasa Indonesia>}} on a photo or on a
report; a report also carries a summary of its photos' flags ("photo_<name>": count).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

Flags = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class EvidenceRules:
    low_accuracy_m: float = 50.0
    # A photo's GPS further than this (or twice the fix's accuracy) from the report's fix.
    photo_far_m: float = 200.0
    photo_time_far: timedelta = timedelta(hours=2)
    clock_future: timedelta = timedelta(minutes=5)
    near_duplicate_bits: int = 6


def report_flags(
    rules: EvidenceRules,
    *,
    started_at: datetime,
    received_at: datetime,
    accuracy_m: float | None,
    zone_matched: bool,
    zone_distance_m: float | None,
) -> Flags:
    flags: Flags = {}
    ahead = started_at - received_at
    if ahead > rules.clock_future:
        minutes = round(ahead.total_seconds() / 60)
        flags["clock_future"] = {
            "minutes": minutes,
            "message": f"Jam perangkat {minutes} menit lebih cepat dari server.",
        }
    if accuracy_m is not None and accuracy_m > rules.low_accuracy_m:
        flags["low_accuracy"] = {
            "accuracy_m": accuracy_m,
            "message": f"Akurasi GPS rendah ({accuracy_m:.0f} m).",
        }
    if not zone_matched:
        flags["no_zone"] = {"message": "Titik laporan tidak berada di area pantau zona mana pun."}
    elif zone_distance_m is not None and zone_distance_m > 0:
        d = round(zone_distance_m)
        flags["outside_zone"] = {
            "distance_m": d,
            "message": f"Titik laporan {d} m di luar area pantau zona.",
        }
    return flags


def photo_flags(
    rules: EvidenceRules,
    *,
    has_gps: bool,
    distance_m: float | None,
    report_accuracy_m: float | None,
    taken_at: datetime | None,
    window: tuple[datetime, datetime],
    exif_problems: list[str],
    same_sha: dict[str, str] | None,
    near: dict[str, Any] | None,
) -> Flags:
    flags: Flags = {}
    if not has_gps:
        flags["no_gps"] = {"message": "Foto tidak memuat lokasi GPS."}
    elif distance_m is not None:
        limit = max(rules.photo_far_m, 2 * (report_accuracy_m or 0))
        if distance_m > limit:
            d = round(distance_m)
            flags["gps_far"] = {
                "distance_m": d,
                "message": f"Lokasi foto {_distance(d)} dari titik laporan.",
            }
    if taken_at is not None:
        start, end = window
        gap = start - taken_at if taken_at < start else taken_at - end
        if gap > rules.photo_time_far:
            minutes = round(gap.total_seconds() / 60)
            flags["time_far"] = {
                "minutes": minutes,
                "message": f"Foto diambil {_duration(minutes)} di luar waktu kegiatan.",
            }
    if exif_problems:
        flags["exif_damaged"] = {
            "problems": exif_problems,
            "message": "Metadata foto rusak: " + "; ".join(exif_problems),
        }
    if same_sha:
        flags["duplicate"] = {
            **same_sha,
            "message": "Foto yang sama persis sudah dipakai di laporan lain.",
        }
    elif near:
        flags["near_duplicate"] = {
            **near,
            "message": "Foto sangat mirip dengan foto di laporan lain "
            f"(beda {near['distance_bits']} dari 64 bit).",
        }
    return flags


def unreadable_flag(reason: str) -> Flags:
    return {"unreadable": {"message": reason}}


def summarise(own: Flags, photos: list[Flags]) -> Flags:
    """A report's flags: its own, plus how many of its photos carry each photo flag."""
    out: Flags = {k: v for k, v in own.items() if not k.startswith("photo_")}
    counts: dict[str, int] = {}
    for f in photos:
        for name in f:
            counts[name] = counts.get(name, 0) + 1
    for name, n in sorted(counts.items()):
        out[f"photo_{name}"] = {"photos": n, "message": f"{n} foto: {_PHOTO_NAMES[name]}."}
    return out


_PHOTO_NAMES = {
    "no_gps": "tanpa lokasi GPS",
    "gps_far": "lokasi jauh dari titik laporan",
    "time_far": "waktu jauh dari waktu kegiatan",
    "exif_damaged": "metadata rusak",
    "duplicate": "sama persis dengan foto laporan lain",
    "near_duplicate": "sangat mirip foto laporan lain",
    "unreadable": "tidak dapat dibaca",
}


def _distance(m: int) -> str:
    return f"{m / 1000:.1f} km".replace(".", ",") if m >= 1000 else f"{m} m"


def _duration(minutes: int) -> str:
    if minutes >= 2 * 24 * 60:
        return f"{minutes // (24 * 60)} hari"
    if minutes >= 120:
        return f"{minutes // 60} jam"
    return f"{minutes} menit"
