"""Patrol plans, tasks, the officer's day and coverage (jadwal patroli)."""

from __future__ import annotations

from marshmallow import fields, validate

from api.schemas.common import GeometrySchema, K3Schema, one_of, text, values, year_field
from k3zones import plans as rules
from k3zones.enums import ReportType, TaskSource, TaskState, TeamUnit

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
HHMM_END = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
TARGET = rf"^(zona:{_UUID}|sk:{_UUID}|kelurahan:[a-z0-9][a-z0-9-]{{0,63}})$"


def _time(pattern: str, description: str, **kw: object) -> fields.String:
    return fields.String(
        validate=validate.Regexp(pattern, error="Jam harus berbentuk JJ:MM (WIB)."),
        metadata={"pattern": pattern, "description": description, "example": "07:00"},
        **kw,  # type: ignore[arg-type]
    )


class PlanInSchema(K3Schema):
    name = text(200, required=True)
    rrule = fields.String(
        required=True,
        validate=[
            validate.Length(1, rules.MAX_RULE_CHARS, error="Panjang aturan 1 sampai 300."),
            validate.Regexp(
                rules.RULE_PATTERN,
                error="Aturan harus NAMA=NILAI;NAMA=NILAI dengan NAMA salah satu dari FREQ, "
                "INTERVAL, COUNT, UNTIL, BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS, WKST.",
            ),
        ],
        metadata={
            "pattern": rules.RULE_PATTERN,
            "description": "RRULE RFC 5545 tanpa awalan, dihitung mulai valid_from: hanya "
            "FREQ=DAILY/WEEKLY/MONTHLY/YEARLY, INTERVAL 1-99, COUNT 1-1000 (bukan bersama "
            "UNTIL=TTTTBBHH), BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS, WKST; tiap nama sekali; "
            "harus terjadi dalam 1470 hari. Mis. FREQ=DAILY; triwulan: "
            "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1",
            "example": "FREQ=DAILY",
        },
    )
    activity = fields.String(required=True, validate=one_of(values(ReportType)))
    team_id = fields.UUID(required=True)
    target = fields.String(
        required=True,
        validate=validate.Regexp(TARGET, error="Gunakan zona:<id>, kelurahan:<slug>, sk:<id>."),
        metadata={
            "pattern": TARGET,
            "description": "Satu zona (zona:<id>), semua zona satu kelurahan "
            "(kelurahan:<slug>), atau semua zona satu SK (sk:<id>)",
        },
    )
    window_start = _time(HHMM, "Mulai (WIB) pada hari kejadian", required=True)
    window_end = _time(
        HHMM_END,
        "Selesai (WIB) pada hari terakhir jendela (00:00 = 24:00); tidak setelah mulai = "
        "lewat tengah malam",
        required=True,
    )
    span_days = fields.Integer(
        load_default=1,
        validate=validate.Range(1, rules.MAX_SPAN_DAYS, error="Lama jendela 1 sampai 92 hari."),
        metadata={"description": "Lama jendela dalam hari (mis. 91 untuk satu triwulan)"},
    )
    late_minutes = fields.Integer(
        load_default=120,
        validate=validate.Range(0, rules.MAX_LATE_MINUTES, error="0 sampai 1440 menit."),
        metadata={"description": "Laporan sampai selama ini setelah jendela: terlambat"},
    )
    units = fields.List(
        fields.String(validate=one_of(values(TeamUnit))),
        allow_none=True,
        validate=validate.Length(max=len(TeamUnit)),
        metadata={
            "description": "Unit yang diharapkan hadir; kosong: seluruh tim 3 pilar. Tim 3 "
            "pilar: wajib kecamatan, polsek, koramil"
        },
    )
    valid_from = fields.Date(
        allow_none=True,
        metadata={"description": "Berlaku mulai (WIB), hari ini atau nanti; bawaan hari ini"},
    )
    active = fields.Boolean(
        load_default=True, metadata={"description": "false: jadwal berhenti mulai valid_from"}
    )
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))


class VersionSchema(K3Schema):
    version = fields.Integer()
    valid_from = fields.Date()
    active = fields.Boolean()
    rrule = fields.String()
    activity = fields.String(validate=one_of(values(ReportType)))
    team_id = fields.UUID()
    team_name = fields.String()
    units = fields.List(fields.String())
    target = fields.String()
    target_kind = fields.String()
    target_label = fields.String()
    window_start = fields.String()
    window_end = fields.String()
    span_days = fields.Integer()
    late_minutes = fields.Integer()
    note = fields.String(allow_none=True)


class PlanSchema(K3Schema):
    id = fields.UUID()
    kecamatan = fields.String()
    name = fields.String()
    current_version = fields.Integer()
    materialised_through = fields.Date(allow_none=True)
    latest = fields.Nested(VersionSchema)
    versions = fields.List(fields.Nested(VersionSchema))


class PlanListArgs(K3Schema):
    kecamatan = fields.String(
        validate=validate.Length(max=64), metadata={"description": "Slug kecamatan"}
    )


class TaskSchema(K3Schema):
    id = fields.UUID()
    day = fields.Date()
    source = fields.String(validate=one_of(values(TaskSource)))
    plan_id = fields.UUID(allow_none=True)
    plan_name = fields.String(allow_none=True)
    zone_id = fields.UUID()
    zone_name = fields.String()
    kategori = fields.String()
    geometry = fields.Nested(GeometrySchema, allow_none=True)
    team_id = fields.UUID()
    team_name = fields.String()
    activity = fields.String(validate=one_of(values(ReportType)))
    units = fields.List(fields.String(), metadata={"description": "Unit yang diharapkan"})
    units_present = fields.List(fields.String(), metadata={"description": "Unit di laporan"})
    window_start = fields.DateTime()
    window_end = fields.DateTime()
    late_until = fields.DateTime()
    state = fields.String(validate=one_of(values(TaskState)))
    report_id = fields.UUID(allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class MyTasksArgs(K3Schema):
    date = fields.Date(metadata={"description": "Hari (WIB); bawaan hari ini"})


class MyTasksSchema(K3Schema):
    date = fields.Date()
    tasks = fields.List(fields.Nested(TaskSchema))


class AdhocSchema(K3Schema):
    zone_id = fields.UUID(required=True)
    team_id = fields.UUID(required=True)
    activity = fields.String(required=True, validate=one_of(values(ReportType)))
    date = fields.Date(required=True, metadata={"description": "Hari tugas (WIB)"})
    window_start = _time(HHMM, "Mulai (WIB)", required=True)
    window_end = _time(HHMM_END, "Selesai (WIB); tidak setelah mulai = esok hari", required=True)
    late_minutes = fields.Integer(
        load_default=120,
        validate=validate.Range(0, rules.MAX_LATE_MINUTES, error="0 sampai 1440 menit."),
    )
    units = fields.List(
        fields.String(validate=one_of(values(TeamUnit))),
        allow_none=True,
        validate=validate.Length(max=len(TeamUnit)),
    )
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))


class ReasonSchema(K3Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000, error="Alasan 1 sampai 2000 huruf."),
        metadata={"pattern": r"^[^\x00]*\S[^\x00]*$"},
    )


class CoverageArgs(K3Schema):
    kecamatan = fields.String(
        validate=validate.Length(max=64), metadata={"description": "Slug; bawaan milik Anda"}
    )
    year = year_field(required=True)
    month = fields.Integer(validate=validate.Range(1, 12, error="Bulan 1 sampai 12."))
    quarter = fields.Integer(
        validate=validate.Range(1, 4, error="Triwulan 1 sampai 4."),
        metadata={"description": "Triwulan 1-4 (bukan bersama month)"},
    )
    group_by = fields.String(
        load_default="zona", validate=one_of(["zona", "tim", "kelurahan", "kecamatan"])
    )
    bucket = fields.String(
        load_default="periode",
        validate=one_of(["periode", "bulan", "minggu", "hari"]),
        metadata={"description": "Dipecah per bulan, minggu (mulai Senin), atau hari"},
    )
    stale_days = fields.Integer(
        validate=validate.Range(1, 90, error="1 sampai 90 hari."),
        metadata={
            "description": "Zona ditandai bila tidak dipatroli selama N hari penuh; kosong: "
            "stale_days aturan penilaian yang berlaku"
        },
    )


class CoverageRowSchema(K3Schema):
    key = fields.String()
    label = fields.String()
    bucket = fields.Date(metadata={"description": "Hari pertama potongan"})
    planned = fields.Integer()
    selesai = fields.Integer()
    terlambat = fields.Integer()
    terlewat = fields.Integer()
    terjadwal = fields.Integer()
    realisasi_pct = fields.Float(
        allow_none=True, metadata={"description": "(selesai + terlambat) / yang jatuh tempo"}
    )
    units_expected = fields.Integer()
    units_present = fields.Integer()


class StaleZoneSchema(K3Schema):
    zone_id = fields.UUID()
    name = fields.String()
    last_patrol = fields.Date(allow_none=True)
    days_without = fields.Integer(allow_none=True)


class CoverageSchema(K3Schema):
    kecamatan = fields.String()
    period = fields.String()
    start = fields.Date()
    end = fields.Date()
    group_by = fields.String()
    bucket = fields.String()
    stale_days = fields.Integer()
    rows = fields.List(fields.Nested(CoverageRowSchema))
    zones_without_patrol = fields.List(fields.Nested(StaleZoneSchema))
