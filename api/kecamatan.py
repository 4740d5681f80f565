"""Onboarding a kecamatan into its kota: the city administrator (admin_kota) creates it
with its boundary, then its kelurahan, Renstra targets, first decree with zones and first
admin; the checklist says what is missing before officers can report. Kota users read the
list and the checklists. `flask --app app kecamatan create|checklist` for operators."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from api.context import current_scope, k3, principal
from api.kelurahan import boundary_result, boundary_upload
from api.parser import Blueprint, read_json_body
from api.schemas.kecamatan import (
    KECAMATAN_SLUG_PATTERN,
    ChecklistSchema,
    FirstAdminSchema,
    FirstDecreeResultSchema,
    FirstDecreeSchema,
    KecamatanCreateSchema,
    KotaKecamatanSchema,
    TargetsInSchema,
)
from api.schemas.targets import TargetSchema
from api.schemas.users import UserSchema
from api.zones import collection
from k3zones.services import onboarding
from k3zones.services.decrees import DecreeChanges

blp = Blueprint(
    "onboarding",
    __name__,
    url_prefix="/api/v1/kota/kecamatan",
    description="Menambah kecamatan ke kota (admin kota) dan daftar periksanya",
)

SLUG_PARAM = {
    "in": "path",
    "name": "slug",
    "required": True,
    "schema": {"type": "string", "pattern": KECAMATAN_SLUG_PATTERN},
}


@blp.route("")
class KotaKecamatan(MethodView):
    @blp.response(200, KotaKecamatanSchema(many=True))
    def get(self) -> Any:
        """Kecamatan di kota Anda, dengan butir yang belum lengkap"""
        return onboarding.list_kecamatan(k3().uow, current_scope())

    @blp.arguments(KecamatanCreateSchema)
    @blp.response(201, ChecklistSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Menambah kecamatan (nama, slug, batas GeoJSON); menjawab daftar periksanya"""
        return onboarding.create_kecamatan(
            k3().uow,
            principal(),
            slug=data["slug"],
            name=data["name"],
            boundary=data["boundary"],
            kota=data.get("kota"),
        )


@blp.route("/<slug>/checklist", parameters=[SLUG_PARAM])
class Checklist(MethodView):
    @blp.response(200, ChecklistSchema)
    def get(self, slug: str) -> Any:
        """Yang belum ada sebelum petugas dapat melapor di kecamatan ini"""
        return onboarding.checklist(k3().uow, current_scope(), slug)


@blp.route("/<slug>/kelurahan", parameters=[SLUG_PARAM])
class OnboardKelurahan(MethodView):
    @boundary_upload(blp)
    def post(self, args: dict[str, Any], slug: str) -> Any:
        """Kelurahan beserta batasnya (FeatureCollection); nama baru menjadi kelurahan baru"""
        body = read_json_body()
        views = onboarding.import_kelurahan(
            k3().uow,
            principal(),
            slug,
            body,
            source=args.get("source"),
            approximate=args["approximate"],
        )
        return boundary_result(slug, views, body)


@blp.route("/<slug>/targets", parameters=[SLUG_PARAM])
class OnboardTargets(MethodView):
    @blp.arguments(TargetsInSchema)
    @blp.response(200, TargetSchema(many=True))
    def put(self, data: dict[str, Any], slug: str) -> Any:
        """Target Renstra per tahun (persen)"""
        items = [(t["year"], t["target_pct"], t.get("notes")) for t in data["targets"]]
        return onboarding.set_targets(k3().uow, principal(), slug, items)


@blp.route("/<slug>/decree", parameters=[SLUG_PARAM])
class OnboardDecree(MethodView):
    @blp.arguments(FirstDecreeSchema)
    @blp.response(201, FirstDecreeResultSchema)
    def post(self, data: dict[str, Any], slug: str) -> Any:
        """SK pertama beserta zonanya (FeatureCollection QGIS), semua atau tidak sama sekali"""
        changes = DecreeChanges(
            nomor=data["nomor"],
            tanggal=data["tanggal"],
            perihal=data["perihal"],
            notes=data.get("notes"),
        )
        decree, zones = onboarding.import_first_decree(
            k3().uow,
            principal(),
            slug,
            changes,
            data["zones"],
            dict(k3().settings.default_radius_m),
        )
        return {"decree": decree, "imported": len(zones), "zones": collection(zones)}


@blp.route("/<slug>/admin", parameters=[SLUG_PARAM])
class OnboardAdmin(MethodView):
    @blp.arguments(FirstAdminSchema)
    @blp.response(201, UserSchema)
    def post(self, data: dict[str, Any], slug: str) -> Any:
        """Admin pertama kecamatan (pengguna lain dibuat oleh admin itu)"""
        return onboarding.create_first_admin(
            k3().uow,
            principal(),
            slug,
            username=data["username"],
            password=data["password"],
            full_name=data["full_name"],
            nip=data.get("nip"),
            phone=data.get("phone"),
        )
