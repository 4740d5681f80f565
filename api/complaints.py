"""The complaints desk for staff: the queue by SLA due time, detail, the workflow steps,
merging duplicates; Open311 partner keys (admin); SLA breach notifications (pimpinan)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import url_for
from flask.views import MethodView

from api.context import current_scope, k3, principal
from api.parser import Blueprint
from api.schemas.complaints import (
    ComplaintActionSchema,
    ComplaintDetailSchema,
    ComplaintMergeSchema,
    ComplaintPageSchema,
    ComplaintQuerySchema,
    FiguresQuerySchema,
    FiguresSchema,
    NotificationReadSchema,
    NotificationSchema,
    PartnerKeyCreateSchema,
    PartnerKeySchema,
    SlaQuerySchema,
    SlaRowSchema,
    SlaUpdateSchema,
)
from k3zones.enums import ComplaintRejection
from k3zones.services import complaints
from k3zones.services.complaints import Action


def _with_urls(detail: dict[str, Any]) -> dict[str, Any]:
    """The photos' EXIF-free copies (the same the public status page shows)."""
    for p in detail["photos"]:
        done = p["status"] == "diproses"
        p["thumb_url"] = url_for("lapor.photo", photo_id=p["id"], variant="thumb") if done else None
        p["web_url"] = url_for("lapor.photo", photo_id=p["id"], variant="web") if done else None
    return detail


blp = Blueprint("complaints", __name__, url_prefix="/api/v1", description="Pengaduan masyarakat")


@blp.route("/complaints")
class Complaints(MethodView):
    @blp.arguments(ComplaintQuerySchema, location="query")
    @blp.response(200, ComplaintPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Antrean pengaduan, yang paling mendesak (batas SLA) lebih dulu"""
        return complaints.list_complaints(
            k3().uow,
            current_scope(),
            kecamatan=args.get("kecamatan"),
            states=args["state"],
            category=args.get("category"),
            zone_id=args.get("zone"),
            after=args.get("after"),
            limit=args["limit"],
        )


@blp.route("/complaints/<uuid:complaint_id>")
class Complaint(MethodView):
    @blp.response(200, ComplaintDetailSchema)
    def get(self, complaint_id: uuid.UUID) -> Any:
        """Satu pengaduan dengan pelapor, riwayat, foto, dan jam SLA"""
        return _with_urls(complaints.get_complaint(k3().uow, current_scope(), complaint_id))


@blp.route("/complaints/<uuid:complaint_id>/actions")
class ComplaintAction(MethodView):
    @blp.arguments(ComplaintActionSchema)
    @blp.response(200, ComplaintDetailSchema)
    def post(self, data: dict[str, Any], complaint_id: uuid.UUID) -> Any:
        """Satu langkah alur kerja (dicatat: siapa, kapan, alasan)"""
        rr = data.get("reject_reason")
        return _with_urls(
            complaints.act(
                k3().uow,
                principal(),
                complaint_id,
                Action(
                    kind=data["action"],
                    reason=data["reason"],
                    public_note=data.get("public_note"),
                    reject_reason=ComplaintRejection(rr) if rr else None,
                    team_id=data.get("team_id"),
                    due_at=data.get("due_at"),
                    report_id=data.get("report_id"),
                    expected_version=data.get("version"),
                ),
            )
        )


@blp.route("/complaints/<uuid:complaint_id>/merge")
class ComplaintMerge(MethodView):
    @blp.arguments(ComplaintMergeSchema)
    @blp.response(200, ComplaintDetailSchema)
    def post(self, data: dict[str, Any], complaint_id: uuid.UUID) -> Any:
        """Menggabungkan pengaduan ganda ke pengaduan yang masih terbuka"""
        return _with_urls(
            complaints.merge(k3().uow, principal(), complaint_id, data["into"], data["reason"])
        )


@blp.route("/complaint-notifications")
class Notifications(MethodView):
    @blp.response(200, NotificationSchema(many=True))
    def get(self) -> Any:
        """Notifikasi pimpinan: pengaduan yang melewati batas waktu layanan"""
        return complaints.list_notifications(k3().uow, principal())


@blp.route("/complaint-notifications/<int:notification_id>/read")
class NotificationRead(MethodView):
    @blp.response(200, NotificationReadSchema)
    def post(self, notification_id: int) -> Any:
        """Menandai notifikasi sudah dibaca"""
        return complaints.mark_read(k3().uow, principal(), notification_id)


@blp.route("/partner-keys")
class PartnerKeys(MethodView):
    @blp.response(200, PartnerKeySchema(many=True))
    def get(self) -> Any:
        """Kunci api_key aplikasi mitra (Open311); kuncinya sendiri tidak pernah ditampilkan"""
        return complaints.list_partner_keys(k3().uow, current_scope())

    @blp.arguments(PartnerKeyCreateSchema)
    @blp.response(201, PartnerKeySchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Menerbitkan api_key untuk aplikasi mitra (ditampilkan sekali ini saja)"""
        return complaints.issue_partner_key(k3().uow, principal(), data["name"])


@blp.route("/partner-keys/<uuid:key_id>/revoke")
class PartnerKeyRevoke(MethodView):
    @blp.response(200, PartnerKeySchema)
    def post(self, key_id: uuid.UUID) -> Any:
        """Mencabut api_key aplikasi mitra (laporan berikutnya ditolak)"""
        return complaints.revoke_partner_key(k3().uow, principal(), key_id)


@blp.route("/complaint-figures")
class ComplaintFigures(MethodView):
    @blp.arguments(FiguresQuerySchema, location="query")
    @blp.response(200, FiguresSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Angka pengaduan per bulan/triwulan/tahun: diterima, selesai, % dalam SLA, median hari"""
        return complaints.complaint_figures(
            k3().uow, current_scope(), args.get("kecamatan"), args["period"]
        )


@blp.route("/complaint-sla")
class ComplaintSla(MethodView):
    @blp.arguments(SlaQuerySchema, location="query")
    @blp.response(200, SlaRowSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """Batas waktu layanan (hari kerja) per kategori dan status"""
        return complaints.sla_table(k3().uow, principal(), args.get("kecamatan"))

    @blp.arguments(SlaUpdateSchema)
    @blp.response(200, SlaRowSchema(many=True))
    def put(self, data: dict[str, Any]) -> Any:
        """Mengubah batas waktu satu kategori dan status (berlaku untuk status berikutnya)"""
        return complaints.set_sla(
            k3().uow,
            principal(),
            data.get("kecamatan"),
            data["category"],
            data["state"],
            data["working_days"],
        )
