"""The domain's vocabularies. No SQLAlchemy here: pure rules, schemas and parsers import
them without pulling in the ORM."""

from __future__ import annotations

import enum


class Kategori(enum.StrEnum):
    MERAH = "merah"
    KUNING = "kuning"


class DecreeStatus(enum.StrEnum):
    BERLAKU = "berlaku"  # in force
    DICABUT = "dicabut"  # revoked


class Role(enum.StrEnum):
    PETUGAS = "petugas"  # field officer
    TRANTIB = "trantib"  # Seksi Trantib reviewer
    PIMPINAN = "pimpinan"  # camat / sekcam
    ADMIN = "admin"  # kecamatan administrator
    KOTA = "kota"  # city level: reads every kecamatan of its kota
    ADMIN_KOTA = "admin_kota"  # city administrator: kota reads + onboarding kecamatan


# Roles that belong to a kota (app_user.kota_id), not to one kecamatan.
KOTA_ROLES = frozenset({Role.KOTA, Role.ADMIN_KOTA})


class TeamKind(enum.StrEnum):
    SATPOL_PP = "satpol_pp"
    TIGA_PILAR = "tiga_pilar"
    DLH = "dlh"
    KELURAHAN = "kelurahan"
    RT_RW = "rt_rw"


class TeamUnit(enum.StrEnum):
    """Units that take part in a 3-pilar operation (with Satpol PP and DLH)."""

    KECAMATAN = "kecamatan"
    POLSEK = "polsek"
    KORAMIL = "koramil"
    SATPOL_PP = "satpol_pp"
    DLH = "dlh"


class ReportType(enum.StrEnum):
    PATROLI = "patroli"  # monitoring
    PENERTIBAN = "penertiban"  # enforcement


class ReviewState(enum.StrEnum):
    MENUNGGU = "menunggu"  # waiting for Seksi Trantib
    DITERIMA = "diterima"
    PERLU_PERBAIKAN = "perlu_perbaikan"  # the officer amends it
    DITOLAK = "ditolak"


class PhotoStatus(enum.StrEnum):
    DITERIMA = "diterima"  # stored, waiting for the worker
    DIPROSES = "diproses"  # processed: thumbnails, EXIF, checks
    GAGAL = "gagal"  # not a readable image; the officer may send it again


class ZoneStatusValue(enum.StrEnum):
    BELUM_TERTIB = "belum_tertib"  # no accepted penertiban yet
    DALAM_PENERTIBAN = "dalam_penertiban"  # enforcement recorded, not yet orderly
    LAYAK_TERTIB = "layak_tertib"  # meets the rules; waits for Seksi Trantib
    TERTIB = "tertib"  # verified by Seksi Trantib: counts in the indicator


class TertibKategori(enum.StrEnum):
    BAIK = "baik"
    CUKUP = "cukup"
    KURANG = "kurang"


class ComplaintState(enum.StrEnum):
    """A citizen's complaint (pengaduan), from arrival to the team's accepted report."""

    BARU = "baru"  # received, not yet triaged
    DITERIMA = "diterima"  # accepted by Seksi Trantib
    DITOLAK = "ditolak"  # refused (duplikat, bukan wewenang, tidak lengkap): public note
    DITUGASKAN = "ditugaskan"  # a team is dispatched, with a due time
    DITANGANI = "ditangani"  # linked to the team's penertiban/patroli report
    SELESAI = "selesai"  # that report was accepted


class ComplaintRejection(enum.StrEnum):
    DUPLIKAT = "duplikat"
    BUKAN_WEWENANG = "bukan_wewenang"
    TIDAK_LENGKAP = "tidak_lengkap"


class ComplaintChannel(enum.StrEnum):
    FORMULIR = "formulir"  # the public /lapor form
    OPEN311 = "open311"  # a partner app through Open311 GeoReport v2
    # Recorded by Seksi Trantib/admin (POST /api/v1/complaints): how it reached the office.
    TELEPON = "telepon"
    WHATSAPP = "whatsapp"
    LANGSUNG = "langsung"  # walk-in
    SURAT = "surat"
    LAINNYA = "lainnya"


class PlanTarget(enum.StrEnum):
    """What a patrol plan covers: one zone, the zones of a kelurahan, or all of a decree."""

    ZONA = "zona"
    KELURAHAN = "kelurahan"
    SK = "sk"


class TaskState(enum.StrEnum):
    """A planned (or ad-hoc) task of a team at a zone on a WIB day (jadwal patroli)."""

    TERJADWAL = "terjadwal"  # open: its window has not ended, no report yet
    SELESAI = "selesai"  # a report inside the window
    TERLAMBAT = "terlambat"  # a report after the window, within the late allowance
    TERLEWAT = "terlewat"  # the window ended without a report


class TaskSource(enum.StrEnum):
    RENCANA = "rencana"  # materialised from a plan
    ADHOC = "adhoc"  # a pimpinan's order, a complaint dispatch
