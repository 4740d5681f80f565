"""Indonesian labels for every code a person may see: one table for the console (GET
/api/v1/labels) and the exports. Built over the vocabularies of k3zones.enums and the
report/evidence/complaint rules; tests/unit/test_labels.py fails when a code has no label.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from enum import StrEnum

from k3zones.enums import (
    ComplaintChannel,
    ComplaintRejection,
    ComplaintState,
    DecreeStatus,
    Kategori,
    PhotoStatus,
    PlanTarget,
    ReportType,
    ReviewState,
    Role,
    TaskSource,
    TaskState,
    TeamKind,
    TeamUnit,
    TertibKategori,
    ZoneStatusValue,
)
from k3zones.reports import ACTIONS, VIOLATIONS


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# Vocabulary name -> the enum its codes come from, and code -> label.
ENUM_LABELS: dict[str, tuple[type[StrEnum], dict[str, str]]] = {
    "kategori_zona": (Kategori, {"merah": "Merah", "kuning": "Kuning"}),
    "decree_status": (DecreeStatus, {"berlaku": "Berlaku", "dicabut": "Dicabut"}),
    "role": (
        Role,
        {
            "petugas": "Petugas lapangan",
            "trantib": "Seksi Trantib",
            "pimpinan": "Pimpinan (Camat/Sekcam)",
            "admin": "Admin kecamatan",
            "kota": "Pemerintah kota",
            "admin_kota": "Admin kota",
        },
    ),
    "team_kind": (
        TeamKind,
        {
            "satpol_pp": "Satpol PP",
            "tiga_pilar": "Tiga Pilar",
            "dlh": "DLH",
            "kelurahan": "Kelurahan",
            "rt_rw": "RT/RW",
        },
    ),
    "team_unit": (
        TeamUnit,
        {
            "kecamatan": "Kecamatan",
            "polsek": "Polsek",
            "koramil": "Koramil",
            "satpol_pp": "Satpol PP",
            "dlh": "DLH",
        },
    ),
    "report_type": (ReportType, {"patroli": "Patroli", "penertiban": "Penertiban"}),
    "review_state": (
        ReviewState,
        {
            "menunggu": "Menunggu tinjauan",
            "diterima": "Diterima",
            "perlu_perbaikan": "Perlu perbaikan",
            "ditolak": "Ditolak",
        },
    ),
    "photo_status": (
        PhotoStatus,
        {"diterima": "Diterima", "diproses": "Diproses", "gagal": "Gagal"},
    ),
    "zone_status": (
        ZoneStatusValue,
        {
            "belum_tertib": "Belum tertib",
            "dalam_penertiban": "Dalam penertiban",
            "layak_tertib": "Layak tertib",
            "tertib": "Tertib",
        },
    ),
    "tertib_kategori": (TertibKategori, {"baik": "Baik", "cukup": "Cukup", "kurang": "Kurang"}),
    "complaint_state": (
        ComplaintState,
        {
            "baru": "Baru",
            "diterima": "Diterima",
            "ditolak": "Ditolak",
            "ditugaskan": "Ditugaskan",
            "ditangani": "Ditangani",
            "selesai": "Selesai",
        },
    ),
    "complaint_rejection": (
        ComplaintRejection,
        {
            "duplikat": "Duplikat",
            "bukan_wewenang": "Bukan wewenang",
            "tidak_lengkap": "Tidak lengkap",
        },
    ),
    "complaint_channel": (
        ComplaintChannel,
        {
            "formulir": "Formulir /lapor",
            "open311": "Aplikasi mitra (Open311)",
            "telepon": "Telepon",
            "whatsapp": "WhatsApp",
            "langsung": "Datang langsung",
            "surat": "Surat",
            "lainnya": "Lainnya",
        },
    ),
    "plan_target": (PlanTarget, {"zona": "Zona", "kelurahan": "Kelurahan", "sk": "Seluruh SK"}),
    "task_state": (
        TaskState,
        {
            "terjadwal": "Terjadwal",
            "selesai": "Selesai",
            "terlambat": "Terlambat",
            "terlewat": "Terlewat",
        },
    ),
    "task_source": (TaskSource, {"rencana": "Rencana", "adhoc": "Perintah langsung"}),
}

# Codes that are not enums: the report body's vocabularies and the evidence flags.
OTHER_LABELS: dict[str, dict[str, str]] = {
    "violation_kind": {k: _capital(v) for k, v in VIOLATIONS.items()},
    "enforcement_action": {k: _capital(v) for k, v in ACTIONS.items()},
    "complaint_category": {k: _capital(v) for k, v in VIOLATIONS.items()},
    # A task's activity is the report type it asks for.
    "activity": {"patroli": "Patroli", "penertiban": "Penertiban"},
    "sla_phase": {
        "aman": "Dalam batas waktu",
        "peringatan": "Mendekati batas waktu",
        "lewat": "Lewat batas waktu",
        "tanpa_sla": "Tanpa batas waktu",
    },
    "status_change_kind": {
        "compute": "Dihitung ulang",
        "verify": "Diverifikasi",
        "withdraw": "Verifikasi dicabut",
        "fallback": "Verifikasi gugur",
    },
    "evidence_flag": {
        "clock_future": "Jam perangkat lebih cepat",
        "low_accuracy": "Akurasi GPS rendah",
        "no_zone": "Di luar zona mana pun",
        "outside_zone": "Di luar area pantau zona",
        "no_gps": "Foto tanpa lokasi GPS",
        "gps_far": "Lokasi foto jauh dari titik laporan",
        "time_far": "Waktu foto jauh dari waktu kegiatan",
        "exif_damaged": "Metadata foto rusak",
        "duplicate": "Foto sama persis dengan laporan lain",
        "near_duplicate": "Foto sangat mirip laporan lain",
        "unreadable": "Foto tidak dapat dibaca",
    },
}
# A report's summary of its photos' flags: "photo_<flag>" (k3zones.evidence.summarise).
PHOTO_FLAGS = (
    "no_gps",
    "gps_far",
    "time_far",
    "exif_damaged",
    "duplicate",
    "near_duplicate",
    "unreadable",
)
OTHER_LABELS["evidence_flag"].update(
    {
        f"photo_{f}": "Foto: " + OTHER_LABELS["evidence_flag"][f].removeprefix("Foto ")
        for f in PHOTO_FLAGS
    }
)

LABELS: dict[str, dict[str, str]] = {
    **{name: dict(labels) for name, (_, labels) in ENUM_LABELS.items()},
    **OTHER_LABELS,
}


def label(vocabulary: str, code: str | None, default: str = "-") -> str:
    """The Indonesian label of a code (the code itself when the table lacks it)."""
    if code is None:
        return default
    return LABELS.get(vocabulary, {}).get(code, code)


def all_labels() -> Mapping[str, Mapping[str, str]]:
    return LABELS


# The table changes only with a release: one ETag for the life of the process.
ETAG = hashlib.sha256(json.dumps(LABELS, sort_keys=True).encode()).hexdigest()[:32]
