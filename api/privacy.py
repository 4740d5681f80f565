"""Privacy: reviewers' blur boxes on the public photo, retention periods, and a person's
rights (export of everything about them; erasure of a complainant's contact data)."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from api.context import k3, principal
from api.parser import Blueprint
from api.schemas.privacy import (
    CODE_PATTERN,
    BlurBoxInSchema,
    BlurViewSchema,
    EraseInSchema,
    EraseResultSchema,
    KecamatanArgsSchema,
    PersonExportSchema,
    RetentionInSchema,
    RetentionSchema,
)
from k3zones.services import privacy, retention

blp = Blueprint(
    "privacy",
    __name__,
    url_prefix="/api/v1",
    description="Privasi: samaran wajah/pelat, retensi data, hak subjek data",
)


@blp.route("/photos/<uuid:photo_id>/blur-boxes")
class BlurBoxes(MethodView):
    @blp.response(200, BlurViewSchema)
    def get(self, photo_id: uuid.UUID) -> Any:
        """Kotak samaran salinan publik foto (laporan atau pengaduan), piksel gambar web"""
        return privacy.get_boxes(k3().uow, principal(), photo_id)

    @blp.arguments(BlurBoxInSchema)
    @blp.response(201, BlurViewSchema)
    def post(self, data: dict[str, Any], photo_id: uuid.UUID) -> Any:
        """Menambah kotak samaran; salinan publik dibuat ulang oleh worker"""
        view = privacy.add_box(
            k3().uow, principal(), photo_id, data["x"], data["y"], data["w"], data["h"]
        )
        k3().relay()
        return view


@blp.route("/photos/<uuid:photo_id>/blur-boxes/<int:box_id>")
class BlurBox(MethodView):
    @blp.response(200, BlurViewSchema)
    def delete(self, photo_id: uuid.UUID, box_id: int) -> Any:
        """Menghapus kotak samaran (baris tetap tercatat); salinan publik dibuat ulang"""
        view = privacy.remove_box(k3().uow, principal(), photo_id, box_id)
        k3().relay()
        return view


@blp.route("/retention")
class Retention(MethodView):
    @blp.arguments(KecamatanArgsSchema, location="query")
    @blp.response(200, RetentionSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Periode retensi data kecamatan (bawaan bila belum diatur)"""
        return retention.get_settings(k3().uow, principal(), args.get("kecamatan"))

    @blp.arguments(KecamatanArgsSchema, location="query")
    @blp.arguments(RetentionInSchema)
    @blp.response(200, RetentionSchema)
    def put(self, args: dict[str, Any], data: dict[str, Any]) -> Any:
        """Mengatur periode retensi data kecamatan (semua kolom)"""
        return retention.put_settings(k3().uow, principal(), args.get("kecamatan"), data)


CODE_PARAM = [
    {
        "in": "path",
        "name": "complaint_code",
        "required": True,
        "description": "Kode pengaduan pelapor, mis. ADU-7K2M9Q4X",
        "schema": {"type": "string", "pattern": CODE_PATTERN},
    }
]


@blp.route("/people/officers/<uuid:user_id>/export")
class OfficerExport(MethodView):
    @blp.response(200, PersonExportSchema)
    def get(self, user_id: uuid.UUID) -> Any:
        """Semua data tentang satu petugas/pengguna (tabel per tabel), untuk hak akses data"""
        return privacy.export_person(k3().uow, principal(), user_id=user_id)


@blp.route("/people/complainants/<complaint_code>/export", parameters=CODE_PARAM)
class ComplainantExport(MethodView):
    @blp.response(200, PersonExportSchema)
    def get(self, complaint_code: str) -> Any:
        """Semua data tentang pelapor satu pengaduan (dan pengaduannya yang lain dengan
        telepon/e-mail yang sama)"""
        return privacy.export_person(k3().uow, principal(), complaint_code=complaint_code)


@blp.route("/people/complainants/<complaint_code>/erase", parameters=CODE_PARAM)
class ComplainantErase(MethodView):
    @blp.arguments(EraseInSchema)
    @blp.response(200, EraseResultSchema)
    def post(self, data: dict[str, Any], complaint_code: str) -> Any:
        """Menghapus data kontak pelapor satu pengaduan atas permintaannya (tombstone)"""
        return privacy.erase_complainant(k3().uow, principal(), complaint_code, data["reason"])
