"""Zone status and verification, indicator periods, snapshots, assessment rules and the
figures of years before the system."""

from __future__ import annotations

from marshmallow import EXCLUDE, fields, validate

from api.schemas.common import K3Schema, one_of, values
from k3zones.enums import TertibKategori


class PeriodArgs(K3Schema):
    class Meta:
        unknown = EXCLUDE

    kecamatan = fields.String(metadata={"description": "Slug; kosong untuk pengguna kota: semua"})
    year = fields.Integer(required=True)
    month = fields.Integer()
    quarter = fields.Integer(metadata={"description": "Triwulan 1-4"})
    source = fields.String(
        load_default="langsung",
        validate=one_of(["langsung", "snapshot"]),
        metadata={"description": "langsung (dihitung sekarang) atau snapshot"},
    )


class ViolationArgs(PeriodArgs):
    baseline_year = fields.Integer(required=True)
    baseline_month = fields.Integer()
    baseline_quarter = fields.Integer()


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
    year = fields.Integer(required=True)
    month = fields.Integer()
    quarter = fields.Integer()


class RulesSchema(K3Schema):
    kecamatan = fields.String()
    min_penertiban = fields.Integer(required=True)
    window_days = fields.Integer(required=True)
    min_patrols = fields.Integer(required=True)
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
