"""The complaints desk for staff: the queue by SLA due time, detail, the workflow steps,
merging duplicates; Open311 partner keys (admin); SLA breach notifications (pimpinan)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, request, url_for
from flask.views import MethodView

from api.context import current_scope, k3, principal
from api.parser import Blueprint
from api.schemas.complaints import (
    ComplaintActionSchema,
    ComplaintDetailSchema,
    ComplaintIntakeSchema,
    ComplaintLocationSchema,
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
from api.schemas.exports import BINARY
from k3zones.complaints import DuplicateRule
from k3zones.enums import ComplaintChannel, ComplaintRejection
from k3zones.services import complaints
from k3zones.services.complaints import Action, IntakeInput


def _with_urls(detail: dict[str, Any]) -> dict[str, Any]:
    """The photos' EXIF-free copies (the same the public status page shows); the original
    (EXIF, GPS) for Seksi Trantib/admin of the complaint's kecamatan only."""
    originals = complaints.may_read_original(principal(), detail["kecamatan"])
    for p in detail["photos"]:
        done = p["status"] == "diproses"
        p["thumb_url"] = url_for("lapor.photo", photo_id=p["id"], variant="thumb") if done else None
        p["web_url"] = url_for("lapor.photo", photo_id=p["id"], variant="web") if done else None
        p["original_url"] = (
            url_for("complaints.ComplaintPhotoOriginal", photo_id=p["id"]) if originals else None
        )
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

    @blp.arguments(ComplaintIntakeSchema)
    @blp.response(201, ComplaintDetailSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Mencatat pengaduan yang masuk lewat telepon, WhatsApp, langsung, atau surat
        (Seksi Trantib/admin). Titik (lat dan lon bersama) atau alamat wajib; titik harus di
        dalam kecamatan (422). Pengaduan sejenis di dekat pengaduan terbuka digabung seperti
        dari /lapor. Aman diulang dengan header Idempotency-Key (1-200 karakter): kunci dan
        isi sama menjawab pengaduan pertama lagi (Idempotent-Replayed: true), isi berbeda 422."""
        ctx = k3()
        st = ctx.settings
        detail, replayed = complaints.record_complaint(
            ctx.uow,
            ctx.storage,
            principal(),
            IntakeInput(
                channel=ComplaintChannel(data["channel"]),
                category=data["category"],
                description=data["description"],
                lat=data.get("lat"),
                lon=data.get("lon"),
                address=data.get("address"),
                reporter_name=data.get("reporter_name"),
                reporter_phone=data.get("reporter_phone"),
                reporter_email=data.get("reporter_email"),
                kecamatan=data.get("kecamatan"),
            ),
            idempotency_key=request.headers.get("Idempotency-Key"),
            duplicate=DuplicateRule(st.complaint_duplicate_m, st.complaint_duplicate_days),
        )
        headers = {"Location": url_for("complaints.Complaint", complaint_id=detail["id"])}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return _with_urls(detail), 201, headers


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


@blp.route("/complaints/<uuid:complaint_id>/location")
class ComplaintLocation(MethodView):
    @blp.arguments(ComplaintLocationSchema)
    @blp.response(200, ComplaintDetailSchema)
    @blp.alt_response(409, description="Pengaduan sudah diubah orang lain (versi berbeda)")
    def post(self, data: dict[str, Any], complaint_id: uuid.UUID) -> Any:
        """Mengisi atau membetulkan titik pengaduan (Seksi Trantib/admin): harus di dalam
        kecamatannya (422); zona dan kelurahan dicocokkan ulang; titik lama dan baru
        dicatat di log audit"""
        return _with_urls(
            complaints.set_location(
                k3().uow, principal(), complaint_id, data["lat"], data["lon"], data["version"]
            )
        )


@blp.route("/complaint-photos/<uuid:photo_id>/original")
class ComplaintPhotoOriginal(MethodView):
    @blp.response(200, description="Foto asli")
    @blp.doc(
        responses={
            "200": {
                "description": "Foto asli apa adanya (dengan EXIF dan GPS)",
                "content": {"image/jpeg": BINARY, "image/png": BINARY, "image/heic": BINARY},
            }
        }
    )
    def get(self, photo_id: uuid.UUID) -> Any:
        """Foto asli pengaduan (EXIF, GPS): hanya Seksi Trantib/admin kecamatan pengaduan;
        setiap pembukaan dicatat (siapa, kapan, alamat) di log audit"""
        ctx = k3()
        key, mime, etag = complaints.original_photo(ctx.uow, principal(), photo_id)
        resp = Response(ctx.storage.stream(key), mimetype=mime, direct_passthrough=True)
        resp.headers["ETag"] = f'"{etag}"'
        # Not kept by the browser: each view is a read that is logged.
        resp.headers["Cache-Control"] = "private, no-store"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp


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
