"""Zone status and verification, the Wilayah Tertib indicator, and its snapshots."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from flask.views import MethodView

from api.context import current_scope, k3, kecamatan_or_own, principal
from api.parser import Blueprint
from api.schemas.common import YEAR_MIN, YEAR_PATH_PARAM
from api.schemas.status import (
    DueArgs,
    DueVerificationsSchema,
    IndicatorListSchema,
    IndicatorSchema,
    ManualYearSchema,
    PeriodArgs,
    RulesCreatedSchema,
    RulesSchema,
    RulesVersionSchema,
    SnapshotChangesSchema,
    SnapshotCreateSchema,
    SnapshotSchema,
    VerifySchema,
    ViolationArgs,
    ViolationsSchema,
    WithdrawSchema,
    ZoneStatusSchema,
)
from k3zones.models import TertibKategori
from k3zones.periods import today_wib
from k3zones.services import indicator as ind
from k3zones.services import zone_status

blp = Blueprint(
    "status",
    __name__,
    url_prefix="/api/v1",
    description="Status zona, verifikasi, dan indikator Wilayah Tertib",
)


def _period(args: dict[str, Any], prefix: str = "") -> Any:
    return ind.parse_period(
        args.get(f"{prefix}year"), args.get(f"{prefix}month"), args.get(f"{prefix}quarter")
    )


@blp.route("/zones/<uuid:zone_id>/status")
class ZoneStatus(MethodView):
    @blp.response(200)
    @blp.alt_response(200, schema=ZoneStatusSchema, description="OK")
    def get(self, zone_id: uuid.UUID) -> Any:
        """Status zona dengan bukti laporan dan riwayat perubahannya"""
        return asdict(zone_status.get_status(k3().uow, current_scope(), zone_id))


@blp.route("/zones/<uuid:zone_id>/verify")
class ZoneVerify(MethodView):
    @blp.arguments(VerifySchema)
    @blp.response(200)
    @blp.alt_response(200, schema=ZoneStatusSchema, description="OK")
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
    @blp.alt_response(200, schema=ZoneStatusSchema, description="OK")
    @blp.alt_response(409, description="Zona tidak sedang terverifikasi tertib")
    def post(self, data: dict[str, Any], zone_id: uuid.UUID) -> Any:
        """Mencabut verifikasi tertib (dengan alasan)"""
        return asdict(zone_status.withdraw(k3().uow, principal(), zone_id, data["note"]))


@blp.route("/indicators/wilayah-tertib")
class WilayahTertib(MethodView):
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200)
    @blp.alt_response(200, schema=IndicatorListSchema, description="OK")
    def get(self, args: dict[str, Any]) -> Any:
        """Persentase Peningkatan Wilayah Tertib: realisasi, target, capaian, dan zonanya"""
        p = _period(args)
        every = args.get("kecamatan") is None and principal().is_kota
        slugs = None if every else [kecamatan_or_own(args.get("kecamatan"))]
        items = [
            asdict(r) for r in ind.indicator(k3().uow, current_scope(), slugs, p, args["source"])
        ]
        return {"period": p.label, "items": items}


@blp.route("/indicators/penurunan-pelanggaran")
class PenurunanPelanggaran(MethodView):
    @blp.arguments(ViolationArgs, location="query")
    @blp.response(200)
    @blp.alt_response(200, schema=ViolationsSchema, description="OK")
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
    @blp.alt_response(200, schema=SnapshotSchema(many=True), description="OK")
    def get(self, args: dict[str, Any]) -> Any:
        """Snapshot indikator yang tersimpan"""
        return ind.list_snapshots(
            k3().uow, current_scope(), kecamatan_or_own(args.get("kecamatan"))
        )

    @blp.arguments(SnapshotCreateSchema)
    @blp.response(201)
    @blp.alt_response(201, schema=IndicatorSchema, description="OK")
    @blp.alt_response(409, description="Perhitungan periode ini sedang berjalan")
    def post(self, data: dict[str, Any]) -> Any:
        """Menghitung ulang dan menyimpan snapshot sebuah periode"""
        slug = kecamatan_or_own(data.get("kecamatan"))
        return asdict(ind.take_snapshot(k3().uow, current_scope(), slug, _period(data)))


@blp.route("/snapshots/<uuid:snapshot_id>/approve")
class SnapshotApprove(MethodView):
    @blp.response(200)
    @blp.alt_response(200, schema=IndicatorSchema, description="OK")
    def post(self, snapshot_id: uuid.UUID) -> Any:
        """Pimpinan menyetujui snapshot (dipakai ekspor tahunan)"""
        return asdict(ind.approve_snapshot(k3().uow, principal(), snapshot_id))


@blp.route("/snapshots/<uuid:snapshot_id>/changes")
class SnapshotChanges(MethodView):
    @blp.response(200)
    @blp.alt_response(200, schema=SnapshotChangesSchema, description="OK")
    def get(self, snapshot_id: uuid.UUID) -> Any:
        """Perubahan sejak snapshot disetujui sebelumnya: angka dan zona yang berubah"""
        return ind.snapshot_changes(k3().uow, current_scope(), snapshot_id)


@blp.route("/assessment-rules")
class AssessmentRules(MethodView):
    @blp.arguments(PeriodArgs(only=("kecamatan",)), location="query")
    @blp.response(200)
    @blp.alt_response(200, schema=RulesVersionSchema(many=True), description="OK")
    def get(self, args: dict[str, Any]) -> Any:
        """Aturan penilaian layak tertib, versi terbaru dulu"""
        slug = kecamatan_or_own(args.get("kecamatan"))
        return zone_status.list_rules(k3().uow, current_scope(), slug)

    @blp.arguments(RulesSchema)
    @blp.response(201)
    @blp.alt_response(201, schema=RulesCreatedSchema, description="OK")
    def put(self, data: dict[str, Any]) -> Any:
        """Menetapkan versi aturan baru (snapshot lama tetap memakai versinya)"""
        ctx = k3()
        version = zone_status.new_rules(
            ctx.uow,
            current_scope(),
            kecamatan_or_own(data.get("kecamatan")),
            data["min_penertiban"],
            data["window_days"],
            data["min_patrols"],
            data.get("notes"),
            complaints_violate=data.get("complaints_violate"),
            stale_days=data.get("stale_days"),
            verification_valid_days=data.get("verification_valid_days", zone_status.Keep.KEEP),
        )
        ctx.relay()
        return {"version": version}


@blp.route("/verifications/due")
class VerificationsDue(MethodView):
    @blp.arguments(DueArgs, location="query")
    @blp.response(200)
    @blp.alt_response(200, schema=DueVerificationsSchema, description="OK")
    def get(self, args: dict[str, Any]) -> Any:
        """Zona yang perlu verifikasi ulang: masa berlaku berakhir atau berakhir dalam 30 hari"""
        slug = kecamatan_or_own(args.get("kecamatan"))
        return {"items": zone_status.verifications_due(k3().uow, current_scope(), slug)}


# Only years before this one may be entered by hand (the system computes the rest); the
# maximum is taken when the app starts, so the document says the rule too.
PAST_YEAR_PATH_PARAM = {
    **YEAR_PATH_PARAM,
    "schema": {"type": "integer", "minimum": YEAR_MIN, "maximum": today_wib().year - 1},
    "description": "Tahun yang sudah lewat (sebelum tahun ini)",
}


@blp.route("/indicators/wilayah-tertib/manual/<int:year>", parameters=[PAST_YEAR_PATH_PARAM])
class ManualYear(MethodView):
    @blp.arguments(ManualYearSchema)
    @blp.response(200)
    @blp.alt_response(200, schema=IndicatorSchema, description="OK")
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
