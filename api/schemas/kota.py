"""The city view (tampilan kota) for kota-level readers and its recap file."""

from __future__ import annotations

from marshmallow import fields, validate

from api.schemas.common import K3Schema, one_of, year_field

SOURCES = ["langsung", "snapshot"]
TRENDS = ["triwulan", "bulan"]
FORMATS = ["xlsx", "docx", "csv"]


def _pct() -> fields.Float:
    return fields.Float(allow_none=True, metadata={"description": "Persen, 2 desimal"})


class CityArgs(K3Schema):
    year = year_field(required=True, metadata={"description": "Tahun (WIB)", "example": 2024})
    month = fields.Integer(
        validate=validate.Range(1, 12, error="Bulan 1 sampai 12."),
        metadata={"description": "Bulan 1-12 (bukan bersama quarter)"},
    )
    quarter = fields.Integer(
        validate=validate.Range(1, 4, error="Triwulan 1 sampai 4."),
        metadata={"description": "Triwulan 1-4 (bukan bersama month)"},
    )
    source = fields.String(
        load_default="langsung",
        validate=one_of(SOURCES),
        metadata={"description": "langsung (dihitung sekarang) atau snapshot (yang disetujui)"},
    )


class CityViewArgs(CityArgs):
    trend = fields.String(
        load_default="triwulan",
        validate=one_of(TRENDS),
        metadata={"description": "Tren realisasi per triwulan atau per bulan tahun itu"},
    )


class RecapRequestSchema(CityArgs):
    format = fields.String(required=True, validate=one_of(FORMATS))


class TrendPointSchema(K3Schema):
    period_kind = fields.String(metadata={"description": "quarter atau month"})
    number = fields.Integer()
    period_label = fields.String(metadata={"example": "Triwulan I 2024"})
    zones_designated = fields.Integer(allow_none=True)
    zones_tertib = fields.Integer(allow_none=True)
    realisasi_pct = _pct()
    target_pct = _pct()
    source = fields.String(
        allow_none=True,
        metadata={"description": "snapshot (snapshot bulan terakhirnya), langsung, atau kosong"},
    )


class CityComplaintsSchema(K3Schema):
    received = fields.Integer(metadata={"description": "Pengaduan diterima pada periode"})
    open = fields.Integer(metadata={"description": "Yang masih diproses"})
    closed = fields.Integer()
    closed_within_sla = fields.Integer()
    pct_within_sla = _pct()


class CityCoverageSchema(K3Schema):
    planned = fields.Integer(metadata={"description": "Tugas patroli direncanakan"})
    selesai = fields.Integer()
    terlambat = fields.Integer()
    terlewat = fields.Integer()
    terjadwal = fields.Integer()
    realisasi_pct = _pct()
    zones_without_patrol = fields.Integer(
        metadata={"description": "Zona tanpa patroli diterima selama N hari (hari ini)"}
    )


class CityKecamatanSchema(K3Schema):
    kecamatan = fields.String(metadata={"description": "Slug"})
    kecamatan_name = fields.String()
    is_sample = fields.Boolean(metadata={"description": "DATA CONTOH"})
    status = fields.String(
        metadata={"description": "ada, atau belum_ada_sk (belum ada zona pada periode ini)"}
    )
    note = fields.String(allow_none=True)
    rank = fields.Integer(
        allow_none=True, metadata={"description": "Peringkat capaian (realisasi/target)"}
    )
    source = fields.String(allow_none=True, metadata={"description": "langsung, snapshot, manual"})
    approved = fields.Boolean(metadata={"description": "Snapshot disetujui pimpinan"})
    snapshot_id = fields.UUID(allow_none=True)
    computed_at = fields.DateTime(allow_none=True)
    zones_designated = fields.Integer()
    zones_tertib = fields.Integer()
    realisasi_pct = _pct()
    target_pct = _pct()
    capaian_pct = _pct()
    gap_pct = _pct()
    zones_needed = fields.Integer(allow_none=True)
    zones_still_needed = fields.Integer(
        allow_none=True, metadata={"description": "Zona yang masih dibutuhkan untuk target"}
    )
    complaints = fields.Nested(CityComplaintsSchema)
    coverage = fields.Nested(CityCoverageSchema)
    trend = fields.List(fields.Nested(TrendPointSchema))


class CityTotalsSchema(K3Schema):
    kecamatan = fields.Integer()
    kecamatan_with_decree = fields.Integer()
    zones_designated = fields.Integer()
    zones_tertib = fields.Integer()
    realisasi_pct = _pct()
    zones_still_needed = fields.Integer()
    complaints_received = fields.Integer()
    complaints_open = fields.Integer()
    target_met = fields.Integer(metadata={"description": "Kecamatan yang mencapai target"})


class CityViewSchema(K3Schema):
    period_kind = fields.String()
    period_label = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    source = fields.String()
    trend_unit = fields.String()
    computed_at = fields.DateTime()
    items = fields.List(fields.Nested(CityKecamatanSchema))
    totals = fields.Nested(CityTotalsSchema)
