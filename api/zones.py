"""Zones (titik pantau) as RFC 7946 GeoJSON."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Response, current_app, request, url_for
from flask.views import MethodView

from api.context import current_scope, k3
from api.parser import Blueprint, read_json_body
from api.schemas.common import BBOX_FORMAT
from api.schemas.zones import (
    ImportResultSchema,
    MonitoringAreaSchema,
    RetireSchema,
    ZoneCollectionSchema,
    ZoneFeatureCollectionInSchema,
    ZoneFeatureInSchema,
    ZoneFeatureOutSchema,
    ZoneFeaturePatchSchema,
    ZoneQueryArgsSchema,
)
from k3zones.errors import FieldError, InvalidInput
from k3zones.geo import to_geojson
from k3zones.models import Kategori
from k3zones.services import zones
from k3zones.services.zones import ZoneFilter, ZoneView

blp = Blueprint(
    "zones",
    __name__,
    url_prefix="/api/v1",
    description="Zona / titik pantau K3 (GeoJSON, RFC 7946)",
)

GEOJSON = "application/geo+json"


def feature(z: ZoneView) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": str(z.id),
        "geometry": to_geojson(z.geometry),
        "properties": {
            "name": z.name,
            "kategori": z.kategori,
            "kecamatan": z.kecamatan,
            "kelurahan": z.kelurahan,
            "kelurahan_name": z.kelurahan_name,
            "decree_id": str(z.decree_id),
            "decree_nomor": z.decree_nomor,
            "radius_m": z.radius_m,
            "target_year": z.target_year,
            "active": z.active,
            "retired_at": z.retired_at.isoformat() if z.retired_at else None,
            "retired_reason": z.retired_reason,
            "notes": z.notes,
            "is_sample": z.is_sample,
            "status": z.status,
            "status_kategori": z.status_kategori,
            "stale": z.stale,
            "created_at": z.created_at.isoformat(),
            "updated_at": z.updated_at.isoformat(),
        },
    }


def collection(views: list[ZoneView]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [feature(z) for z in views]}


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    path = ("bbox",)
    parts: list[float] = []
    # The documented format (BBOX_FORMAT), not whatever float() reads ("1e2", " 1", "nan").
    if re.fullmatch(BBOX_FORMAT, raw):
        parts = [float(p) for p in raw.split(",")]
    if len(parts) != 4 or not all(p == p and abs(p) != float("inf") for p in parts):
        raise InvalidInput(
            "bbox tidak valid.",
            [
                FieldError(
                    path, "bbox harus 4 angka: bujur_min,lintang_min,bujur_maks,lintang_maks."
                )
            ],
        )
    x0, y0, x1, y1 = parts
    if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
        raise InvalidInput(
            "bbox tidak valid.",
            [
                FieldError(
                    path, "bbox harus berurutan min < maks, bujur -180..180, lintang -90..90."
                )
            ],
        )
    return x0, y0, x1, y1


# Answers that are GeoJSON objects; the import's summary ({imported, zones}) is not one.
_NOT_GEOJSON = frozenset({"zones.ZoneImport"})


@blp.after_request
def _geojson_type(resp: Response) -> Response:
    if (
        resp.mimetype == "application/json"
        and resp.status_code < 300
        and request.endpoint not in _NOT_GEOJSON
    ):
        resp.mimetype = GEOJSON
    return resp


def _defaults() -> dict[str, int]:
    return dict(k3().settings.default_radius_m)


def _decree_id(props: Any) -> uuid.UUID:
    raw = props.get("decree_id") if isinstance(props, dict) else None
    path = ("properties", "decree_id")
    if raw is None:
        raise InvalidInput(
            "Data zona belum benar.", [FieldError(path, "SK (decree_id) wajib diisi.")]
        )
    try:
        return uuid.UUID(str(raw))
    except ValueError as exc:
        raise InvalidInput(
            "Data zona belum benar.", [FieldError(path, "decree_id bukan UUID yang valid.")]
        ) from exc


@blp.route("/zones")
class Zones(MethodView):
    @blp.arguments(ZoneQueryArgsSchema, location="query")
    @blp.response(200, ZoneCollectionSchema, content_type=GEOJSON)
    def get(self, args: dict[str, Any]) -> Any:
        """Zona sebagai GeoJSON FeatureCollection (filter: SK, kategori, kelurahan, bbox)"""
        f = ZoneFilter(
            kecamatan=args.get("kecamatan"),
            decree_id=args.get("decree"),
            kategori=Kategori(args["kategori"]) if args.get("kategori") else None,
            kelurahan=args.get("kelurahan"),
            bbox=parse_bbox(args["bbox"]) if args.get("bbox") else None,
            include_retired=args["include_retired"],
        )
        # collection() writes each feature in ZoneCollectionSchema's shape already (ids and
        # times as strings): not dumped through it again, a third of a kota's 2,000-zone
        # list (test_zones_api: the dump of the answer is the answer).
        return current_app.json.response(collection(zones.list_zones(k3().uow, current_scope(), f)))

    @blp.arguments(ZoneFeatureInSchema, content_type=GEOJSON)
    @blp.response(201, ZoneFeatureOutSchema, content_type=GEOJSON)
    def post(self, data: dict[str, Any]) -> Any:
        """Membuat zona dari GeoJSON Feature (properties.decree_id wajib)"""
        props = data.get("properties") or {}
        decree_id = _decree_id(props)
        rest = {k: v for k, v in props.items() if k != "decree_id"}
        view = zones.create_zone(
            k3().uow,
            current_scope(),
            decree_id,
            {"properties": rest, "geometry": data.get("geometry")},
            _defaults(),
        )
        return feature(view), 201, {"Location": url_for("zones.Zone", zone_id=view.id)}


@blp.route("/zones/<uuid:zone_id>")
class Zone(MethodView):
    @blp.response(200, ZoneFeatureOutSchema, content_type=GEOJSON)
    def get(self, zone_id: uuid.UUID) -> Any:
        """Satu zona"""
        return feature(zones.get_zone(k3().uow, current_scope(), zone_id))

    @blp.arguments(ZoneFeaturePatchSchema, content_type=GEOJSON)
    @blp.response(200, ZoneFeatureOutSchema, content_type=GEOJSON)
    def patch(self, data: dict[str, Any], zone_id: uuid.UUID) -> Any:
        """Mengubah zona (properties dan/atau geometry yang dikirim saja)"""
        props = dict(data.get("properties") or {})
        if "decree_id" in props:
            raise InvalidInput(
                "Data zona belum benar.",
                [
                    FieldError(
                        ("properties", "decree_id"),
                        "SK zona tidak dapat dipindah; tetapkan zona baru di SK lain.",
                    )
                ],
            )
        body: dict[str, Any] = {"properties": props}
        if "geometry" in data:
            body["geometry"] = data["geometry"]
        return feature(zones.update_zone(k3().uow, current_scope(), zone_id, body, _defaults()))

    @blp.response(204)
    @blp.alt_response(409, description="Zona sudah memiliki data; pensiunkan saja")
    def delete(self, zone_id: uuid.UUID) -> Any:
        """Menghapus zona yang belum memiliki data apa pun (salah input)"""
        zones.delete_zone(k3().uow, current_scope(), zone_id)
        return ""


@blp.route("/zones/<uuid:zone_id>/retire")
class ZoneRetire(MethodView):
    @blp.arguments(RetireSchema)
    @blp.response(200, ZoneFeatureOutSchema, content_type=GEOJSON)
    def post(self, data: dict[str, Any], zone_id: uuid.UUID) -> Any:
        """Memensiunkan zona (tetap tersimpan dan terbaca beserta riwayatnya)"""
        return feature(zones.retire_zone(k3().uow, current_scope(), zone_id, data["reason"]))


@blp.route("/zones/<uuid:zone_id>/monitoring-area")
class ZoneMonitoringArea(MethodView):
    @blp.response(200, MonitoringAreaSchema, content_type=GEOJSON)
    def get(self, zone_id: uuid.UUID) -> Any:
        """Area pemantauan zona: geometrinya diperluas sebesar radius_m meter"""
        view, area = zones.monitoring_area(k3().uow, current_scope(), zone_id)
        return {
            "type": "Feature",
            "id": str(view.id),
            "geometry": to_geojson(area),
            "properties": {"name": view.name, "radius_m": view.radius_m, "zone_id": str(view.id)},
        }


@blp.route("/decrees/<uuid:decree_id>/zones/import")
class ZoneImport(MethodView):
    @blp.response(201, ImportResultSchema)
    @blp.doc(
        requestBody={
            "required": True,
            "content": {GEOJSON: {"schema": ZoneFeatureCollectionInSchema}},
        }
    )
    def post(self, decree_id: uuid.UUID) -> Any:
        """Impor FeatureCollection (mis. dari QGIS): semua fitur tersimpan atau tidak sama sekali"""
        body = read_json_body()
        views = zones.import_zones(k3().uow, current_scope(), decree_id, body, _defaults())
        return {"imported": len(views), "zones": collection(views)}
