"""Zone status and verification, indicator periods, snapshots, assessment rules and the
figures of years before the system."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from api.schemas.common import K3Schema, one_of, values, year_field
from k3zones.assessment import VALID_DAYS_MAX, VALID_DAYS_MIN, VIOLATING_COMPLAINT_STATES
from k3zones.enums import Kategori, TertibKategori, ZoneStatusValue

VIOLATING = [s.value for s in VIOLATING_COMPLAINT_STATES]


class PeriodArgs(K3Schema):
    kecamatan = fields.String(metadata={"description": "Slug; kosong untuk pengguna kota: semua"})
    year = year_field(required=True)
    month = fields.Integer(validate=validate.Range(1, 12, error="Bulan 1 sampai 12."))
    quarter = fields.Integer(
        validate=validate.Range(1, 4, error="Triwulan 1 sampai 4."),
        metadata={"description": "Triwulan 1-4 (bukan bersama month)"},
    )
    source = fields.String(
        load_default="langsung",
        validate=one_of(["langsung", "snapshot"]),
        metadata={"description": "langsung (dihitung sekarang) atau snapshot"},
    )


class ViolationArgs(PeriodArgs):
    baseline_year = year_field(required=True)
    baseline_month = fields.Integer(validate=validate.Range(1, 12, error="Bulan 1 sampai 12."))
    baseline_quarter = fields.Integer(validate=validate.Range(1, 4, error="Triwulan 1 sampai 4."))


class VerifySchema(K3Schema):
    kategori = fields.String(required=True, validate=one_of(values(TertibKategori)))
    note = fields.String(allow_none=True, validate=validate.Length(max=4000))


class WithdrawSchema(K3Schema):
    note = fields.String(
        required=True, validate=validate.Length(min=1, max=4000, error="Alasan wajib diisi.")
    )


class SnapshotCreateSchema(K3Schema):
    """A period in a request body: a year, or a month or triwulan of it."""

    kecamatan = fields.String()
    year = year_field(required=True)
    month = fields.Integer(validate=validate.Range(1, 12, error="Bulan 1 sampai 12."))
    quarter = fields.Integer(validate=validate.Range(1, 4, error="Triwulan 1 sampai 4."))


class StrictBoolean(fields.Boolean):
    """JSON true or false only (not 0, 1, "ya"): what the document says the field is."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class RulesSchema(K3Schema):
    kecamatan = fields.String()
    min_penertiban = fields.Integer(
        required=True, validate=validate.Range(0, 100, error="0 sampai 100.")
    )
    window_days = fields.Integer(
        required=True, validate=validate.Range(1, 366, error="Jendela 1 sampai 366 hari.")
    )
    min_patrols = fields.Integer(
        required=True,
        validate=validate.Range(0, 366, error="0 sampai 366 (paling banyak window_days)."),
    )
    complaints_violate = StrictBoolean(
        metadata={
            "description": "Pengaduan terbuka (diterima, ditugaskan, ditangani) di zona dihitung "
            "sebagai pelanggaran; kosong: seperti versi yang berlaku"
        }
    )
    stale_days = fields.Integer(
        validate=validate.Range(1, 90, error="1 sampai 90 hari."),
        metadata={
            "description": "Zona tanpa patroli diterima selama sekian hari (WIB) ditandai; "
            "kosong: seperti versi yang berlaku"
        },
    )
    verification_valid_days = fields.Integer(
        allow_none=True,
        validate=validate.Range(
            VALID_DAYS_MIN, VALID_DAYS_MAX, error=f"{VALID_DAYS_MIN} sampai {VALID_DAYS_MAX} hari."
        ),
        metadata={
            "description": "Masa berlaku verifikasi tertib (hari); null: sampai akhir triwulan I "
            "(31 Maret, WIB) tahun berikutnya; tidak dikirim: seperti versi yang berlaku"
        },
    )
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))


def _pct() -> fields.Decimal:
    return fields.Decimal(
        required=True,
        as_string=False,
        validate=validate.Range(min=0, max=1000, error="0 sampai 1000."),
    )


class ManualYearSchema(K3Schema):
    kecamatan = fields.String()
    target_pct = _pct()
    realisasi_pct = _pct()
    capaian_pct = _pct()
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))


# Responses. The views answer plain dicts; these document them (doc-only: alt_response).


class StatusChangeSchema(K3Schema):
    at = fields.DateTime()
    kind = fields.String()
    from_ = fields.String(data_key="from", allow_none=True)
    to = fields.String()
    kategori = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    actor = fields.String(allow_none=True)
    rule_version = fields.Integer(allow_none=True)


class OpenComplaintSchema(K3Schema):
    id = fields.UUID()
    code = fields.String()
    state = fields.String(validate=one_of(sorted(VIOLATING)))


class ZoneStatusSchema(K3Schema):
    zone_id = fields.UUID()
    status = fields.String(metadata={"example": "belum_tertib"})
    kategori = fields.String(allow_none=True)
    rule_version = fields.Integer()
    evidence = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Id laporan yang menjadi dasar status, per jenis"},
    )
    computed_at = fields.DateTime()
    verified_at = fields.DateTime(allow_none=True)
    verification_note = fields.String(allow_none=True)
    verified_without_evidence = fields.Boolean()
    history = fields.List(fields.Nested(StatusChangeSchema))
    last_patrol_at = fields.DateTime(
        allow_none=True, metadata={"description": "Waktu patroli diterima terakhir (null: belum)"}
    )
    days_without_patrol = fields.Integer(
        allow_none=True, metadata={"description": "Hari (WIB) sejak patroli diterima terakhir"}
    )
    stale = fields.Boolean(
        metadata={"description": "Tidak dipatroli lebih dari stale_days hari (atau belum pernah)"}
    )
    stale_days = fields.Integer(metadata={"description": "Batas hari dari aturan yang berlaku"})
    open_complaints = fields.List(
        fields.Nested(OpenComplaintSchema),
        metadata={"description": "Pengaduan terbuka di zona (diterima, ditugaskan, ditangani)"},
    )
    verification_expires_at = fields.DateTime(
        allow_none=True,
        metadata={
            "description": "Akhir masa berlaku verifikasi terakhir (null: belum diverifikasi)"
        },
    )
    perlu_verifikasi_ulang = fields.Boolean(
        metadata={"description": "Verifikasi sudah berakhir atau berakhir dalam 30 hari"}
    )


class IndicatorZoneSchema(K3Schema):
    zone_id = fields.UUID()
    name = fields.String()
    kategori_zona = fields.String()
    kelurahan = fields.String(allow_none=True)
    status = fields.String()
    kategori = fields.String(allow_none=True)


def _pct_out() -> fields.Float:
    return fields.Float(allow_none=True)


class IndicatorSchema(K3Schema):
    kecamatan = fields.String()
    kecamatan_name = fields.String()
    period_kind = fields.String()
    period_label = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    source = fields.String(metadata={"description": "langsung, snapshot, atau manual"})
    rule_version = fields.Integer(allow_none=True)
    zones_designated = fields.Integer()
    zones_tertib = fields.Integer()
    realisasi_pct = _pct_out()
    target_pct = _pct_out()
    zones_needed = fields.Integer(allow_none=True)
    capaian_pct = _pct_out()
    zones = fields.List(fields.Nested(IndicatorZoneSchema))
    snapshot_id = fields.UUID(allow_none=True)
    computed_at = fields.DateTime(allow_none=True)
    approved = fields.Boolean()


class IndicatorListSchema(K3Schema):
    period = fields.String()
    items = fields.List(fields.Nested(IndicatorSchema))


class ViolationsSchema(K3Schema):
    kecamatan = fields.String()
    period_label = fields.String()
    baseline_label = fields.String()
    violations = fields.Integer()
    baseline_violations = fields.Integer()
    penurunan_pct = _pct_out()


class SnapshotSchema(K3Schema):
    id = fields.UUID()
    period_kind = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    computed_at = fields.DateTime()
    rule_version = fields.Integer(allow_none=True)
    zones_designated = fields.Integer()
    zones_tertib = fields.Integer()
    realisasi_pct = _pct_out()
    approved = fields.Boolean()
    approved_at = fields.DateTime(
        allow_none=True, metadata={"description": "Waktu pimpinan menyetujui; null bila belum"}
    )
    approved_by_name = fields.String(
        allow_none=True,
        metadata={"description": "Nama lengkap pimpinan yang menyetujui; null bila belum"},
    )


class RulesVersionSchema(K3Schema):
    version = fields.Integer()
    min_penertiban = fields.Integer()
    window_days = fields.Integer()
    min_patrols = fields.Integer()
    complaints_violate = fields.Boolean()
    stale_days = fields.Integer()
    verification_valid_days = fields.Integer(
        allow_none=True, metadata={"description": "null: sampai akhir triwulan I tahun berikutnya"}
    )
    notes = fields.String(allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    current = fields.Boolean()


def _pair(field: fields.Field[Any]) -> fields.List[Any]:
    return fields.List(
        field,
        validate=validate.Length(equal=2),
        metadata={"description": "[sebelum, sesudah]; sebelum null bila belum ada pembanding"},
    )


class SnapshotFiguresSchema(K3Schema):
    zones_designated = _pair(fields.Integer(allow_none=True))
    zones_tertib = _pair(fields.Integer(allow_none=True))
    realisasi_pct = _pair(fields.Float(allow_none=True))


class SnapshotZoneChangeSchema(K3Schema):
    zone_id = fields.UUID()
    name = fields.String()
    before = fields.String(
        allow_none=True,
        validate=one_of(values(ZoneStatusValue)),
        metadata={"description": "null: zona belum ada di snapshot sebelumnya"},
    )
    after = fields.String(validate=one_of(values(ZoneStatusValue)))


class SnapshotChangesSchema(K3Schema):
    previous_id = fields.UUID(
        allow_none=True,
        metadata={"description": "Snapshot disetujui sebelumnya (null: belum ada)"},
    )
    previous_approved_at = fields.DateTime(allow_none=True)
    figures = fields.Nested(SnapshotFiguresSchema)
    zones = fields.List(
        fields.Nested(SnapshotZoneChangeSchema),
        metadata={"description": "Hanya zona yang statusnya berubah"},
    )


class DueArgs(K3Schema):
    kecamatan = fields.String(metadata={"description": "Slug; kosong: kecamatan pengguna"})


class DueVerificationSchema(K3Schema):
    zone_id = fields.UUID()
    name = fields.String()
    kelurahan = fields.String(allow_none=True)
    kategori_zona = fields.String(validate=one_of(values(Kategori)))
    verified_at = fields.DateTime()
    expires_at = fields.DateTime()
    expired = fields.Boolean()


class DueVerificationsSchema(K3Schema):
    items = fields.List(fields.Nested(DueVerificationSchema))


class RulesCreatedSchema(K3Schema):
    version = fields.Integer()
