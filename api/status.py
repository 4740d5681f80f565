"""Zone status and verification, the Wilayah Tertib indicator, and its snapshots."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from flask.views import MethodView
from marshmallow import fields, validate

from api.context import current_scope, k3, kecamatan_or_own
from api.parser import Blueprint
from api.schemas import K3Schema, one_of
from api.security import principal
from k3zones.models import Role, TertibKategori
from k3zones.services import indicator as ind
from k3zones.services import zone_status

blp = Blueprint(
    "status",
    __name__,
    url_prefix="/api/v1",
    description="Status zona, verifikasi, dan indikator Wilayah Tertib",
)


class PeriodArgs(K3Schema):
    class Meta:
        unknown = "exclude"

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
    kategori = fields.String(required=True, validate=one_of([k.value for k in TertibKategori]))
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


def _period(args: dict[str, Any], prefix: str = "") -> Any:
    return ind.parse_period(
        args.get(f"{prefix}year"), args.get(f"{prefix}month"), args.get(f"{prefix}quarter")
    )


@blp.route("/zones/<uuid:zone_id>/status")
class ZoneStatus(MethodView):
    @blp.response(200)
    def get(self, zone_id: uuid.UUID) -> Any:
        """Status zona dengan bukti laporan dan riwayat perubahannya"""
        return asdict(zone_status.get_status(k3().uow, current_scope(), zone_id))


@blp.route("/zones/<uuid:zone_id>/verify")
class ZoneVerify(MethodView):
    @blp.arguments(VerifySchema)
    @blp.response(200)
    def post(self, data: dict[str, Any], zone_id: uuid.UUID) -> Any:
        """Verifikasi zona tertib (baik/cukup/kurang); tanpa bukti hanya dengan catatan"""
        return asdict(
            zone_status.verify(
                k3().uow, principal(), zone_id, TertibKategori(data["kategori"]), data.get("note")
            )
        )


@blp.route("/zones/<uuid:zone_id>/withdraw")
class ZoneWithdraw(MethodView):
    @blp.arguments(WithdrawSchema)
    @blp.response(200)
    def post(self, data: dict[str, Any], zone_id: uuid.UUID) -> Any:
        """Mencabut verifikasi tertib (dengan alasan)"""
        return asdict(zone_status.withdraw(k3().uow, principal(), zone_id, data["note"]))


@blp.route("/indicators/wilayah-tertib")
class WilayahTertib(MethodView):
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200)
    def get(self, args: dict[str, Any]) -> Any:
        """Persentase Peningkatan Wilayah Tertib: realisasi, target, capaian, dan zonanya"""
        p = _period(args)
        if args.get("kecamatan") is None and principal().role == Role.KOTA:
            slugs = ind.all_slugs(k3().uow, current_scope())
        else:
            slugs = [kecamatan_or_own(args.get("kecamatan"))]
        items = [
            asdict(r) for r in ind.indicator(k3().uow, current_scope(), slugs, p, args["source"])
        ]
        return {"period": p.label, "items": items}


@blp.route("/indicators/penurunan-pelanggaran")
class PenurunanPelanggaran(MethodView):
    @blp.arguments(ViolationArgs, location="query")
    @blp.response(200)
    def get(self, args: dict[str, Any]) -> Any:
        """Persentase Penurunan Jumlah Pelanggaran terhadap periode dasar"""
        r = ind.violations_decrease(
            k3().uow,
            current_scope(),
            kecamatan_or_own(args.get("kecamatan")),
            _period(args),
            _period(args, "baseline_"),
        )
        return asdict(r)


@blp.route("/snapshots")
class Snapshots(MethodView):
    @blp.arguments(PeriodArgs(only=("kecamatan",)), location="query")
    @blp.response(200)
    def get(self, args: dict[str, Any]) -> Any:
        """Snapshot indikator yang tersimpan"""
        return ind.list_snapshots(
            k3().uow, current_scope(), kecamatan_or_own(args.get("kecamatan"))
        )

    @blp.arguments(SnapshotCreateSchema)
    @blp.response(201)
    @blp.alt_response(409, description="Perhitungan periode ini sedang berjalan")
    def post(self, data: dict[str, Any]) -> Any:
        """Menghitung ulang dan menyimpan snapshot sebuah periode"""
        p = _period(data)
        slug = kecamatan_or_own(data.get("kecamatan"))
        sid = ind.create_snapshot(k3().uow, current_scope(), slug, p)
        [r] = ind.indicator(k3().uow, current_scope(), [slug], p, "snapshot")
        assert r.snapshot_id == sid or r.approved
        return asdict(r)


@blp.route("/snapshots/<uuid:snapshot_id>/approve")
class SnapshotApprove(MethodView):
    @blp.response(200)
    def post(self, snapshot_id: uuid.UUID) -> Any:
        """Pimpinan menyetujui snapshot (dipakai ekspor tahunan)"""
        return asdict(ind.approve_snapshot(k3().uow, principal(), snapshot_id))


class RulesSchema(K3Schema):
    kecamatan = fields.String()
    min_penertiban = fields.Integer(required=True)
    window_days = fields.Integer(required=True)
    min_patrols = fields.Integer(required=True)
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))


def _kecamatan_id(slug: str) -> int:
    from k3zones.services.reference import get_kecamatan_by_slug

    with k3().uow() as s:
        return get_kecamatan_by_slug(s, current_scope(), slug).id


@blp.route("/assessment-rules")
class AssessmentRules(MethodView):
    @blp.arguments(PeriodArgs(only=("kecamatan",)), location="query")
    @blp.response(200)
    def get(self, args: dict[str, Any]) -> Any:
        """Aturan penilaian layak tertib, versi terbaru dulu"""
        kid = _kecamatan_id(kecamatan_or_own(args.get("kecamatan")))
        return zone_status.list_rules(k3().uow, current_scope(), kid)

    @blp.arguments(RulesSchema)
    @blp.response(201)
    def put(self, data: dict[str, Any]) -> Any:
        """Menetapkan versi aturan baru (snapshot lama tetap memakai versinya)"""
        ctx = k3()
        kid = _kecamatan_id(kecamatan_or_own(data.get("kecamatan")))
        version = zone_status.new_rules(
            ctx.uow,
            kid,
            data["min_penertiban"],
            data["window_days"],
            data["min_patrols"],
            data.get("notes"),
        )
        ctx.relay()
        return {"version": version}


class ManualYearSchema(K3Schema):
    kecamatan = fields.String()
    target_pct = fields.Decimal(
        required=True,
        as_string=False,
        validate=validate.Range(min=0, max=1000, error="0 sampai 1000."),
    )
    realisasi_pct = fields.Decimal(
        required=True,
        as_string=False,
        validate=validate.Range(min=0, max=1000, error="0 sampai 1000."),
    )
    capaian_pct = fields.Decimal(
        required=True,
        as_string=False,
        validate=validate.Range(min=0, max=1000, error="0 sampai 1000."),
    )
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))


@blp.route("/indicators/wilayah-tertib/manual/<int:year>")
class ManualYear(MethodView):
    @blp.arguments(ManualYearSchema)
    @blp.response(200)
    def put(self, data: dict[str, Any], year: int) -> Any:
        """Angka tahun sebelum sistem (mis. 2023, definisi lama), disimpan apa adanya"""
        return asdict(
            ind.set_manual_year(
                k3().uow,
                principal(),
                kecamatan_or_own(data.get("kecamatan")),
                year,
                data["target_pct"],
                data["realisasi_pct"],
                data["capaian_pct"],
                data.get("notes"),
            )
        )
