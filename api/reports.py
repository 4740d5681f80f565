"""Patrol and penertiban reports, and their photos."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, current_app, request, url_for
from flask.views import MethodView

from api.context import k3, principal, quotas
from api.parser import Blueprint, read_json_body
from api.schemas.exports import BINARY
from api.schemas.reports import (
    PhotoSchema,
    ReportBodySchema,
    ReportFeatureCollectionSchema,
    ReportFilterArgsSchema,
    ReportPageSchema,
    ReportQueryArgsSchema,
    ReportSchema,
    ReportSummarySchema,
    ReviewSchema,
)
from api.zones import parse_bbox
from k3zones.errors import FieldError, InvalidInput, TooLarge
from k3zones.models import ReportType, ReviewState
from k3zones.services import photos, report_views, reports
from k3zones.services.photos import Upload, spool
from k3zones.services.report_views import ReportFilter

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1",
    description="Laporan patroli dan penertiban dari lapangan, beserta fotonya",
)

GEOJSON = "application/geo+json"


def _filter(args: dict[str, Any]) -> ReportFilter:
    return ReportFilter(
        kecamatan=args.get("kecamatan"),
        zone_id=args.get("zone"),
        type=ReportType(args["type"]) if args.get("type") else None,
        team_id=args.get("team"),
        officer_id=args.get("officer"),
        date_from=args.get("date_from"),
        date_to=args.get("date_to"),
        flag=args.get("flag"),
        review_state=ReviewState(args["review_state"]) if args.get("review_state") else None,
        status=args.get("status"),
        bbox=parse_bbox(args["bbox"]) if args.get("bbox") else None,
        cursor=args.get("cursor"),
        limit=args.get("limit", 50),
        kelurahan=args.get("kelurahan"),
        oldest_first=args.get("order") == "terlama",
    )


def photo_links(photo: dict[str, Any]) -> dict[str, Any]:
    """A photo as the API shows it: with the addresses of its files (derived images only
    once the worker has made them; the original only to whom the service allows it)."""
    ready = photo["status"] == "diproses"
    photo = dict(photo)
    original_allowed = photo.pop("original_allowed", False)

    def url(variant: str) -> str:
        return url_for("reports.PhotoFile", photo_id=photo["id"], variant=variant)

    urls = {
        "original": url("original") if original_allowed else None,
        "web": url("web") if ready else None,
        "thumb": url("thumb") if ready else None,
    }
    return {**photo, "urls": urls}


def report_links(report: dict[str, Any]) -> dict[str, Any]:
    if "photos" not in report:
        return report
    return {**report, "photos": [photo_links(p) for p in report["photos"]]}


def _as_feature(item: dict[str, Any]) -> dict[str, Any]:
    """A report of the list as a Feature: its location the geometry, the rest (in the same
    order, without photos) the properties."""
    props = dict(item)
    geometry = props.pop("location")
    props.pop("photos", None)
    return {"type": "Feature", "id": item["id"], "geometry": geometry, "properties": props}


@blp.route("/reports")
class Reports(MethodView):
    @blp.arguments(ReportQueryArgsSchema, location="query")
    @blp.response(200, ReportPageSchema)
    @blp.alt_response(
        200,
        schema=ReportFeatureCollectionSchema,
        content_type=GEOJSON,
        description="format=geojson (atau Accept: application/geo+json): FeatureCollection",
    )
    def get(self, args: dict[str, Any]) -> Any:
        """Daftar laporan, terbaru dulu (format=geojson untuk peta)"""
        items, cursor = report_views.list_reports(k3().uow, principal(), _filter(args))
        if args.get("format") == "geojson" or request.accept_mimetypes.best == GEOJSON:
            body = {
                "type": "FeatureCollection",
                "features": [_as_feature(i) for i in items],
                "next_cursor": cursor,
            }
            return Response(k3_json(body), mimetype=GEOJSON)
        # The items are already in ReportPageSchema's shape (keys, order, types), so the
        # page is not dumped through it again: for 200 reports that dump took as long as
        # the rest of the request (tests/integration/test_report_list_fast.py: dump == page).
        return current_app.json.response({"items": items, "next_cursor": cursor})

    @blp.doc(
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": ReportBodySchema}},
        }
    )
    @blp.response(201, ReportSchema)
    @blp.alt_response(
        422, description="Laporan belum benar, atau kunci dipakai ulang dengan isi berbeda"
    )
    @blp.alt_response(429, description="Terlalu banyak laporan dari petugas ini; lihat Retry-After")
    def post(self) -> Any:
        """Mengirim laporan. Aman diulang: id sama (atau Idempotency-Key sama) dan isi sama
        menghasilkan jawaban pertama lagi, tanpa laporan kedua."""
        ctx = k3()
        key = request.headers.get("Idempotency-Key")
        if key is not None and not 1 <= len(key) <= 200:
            raise InvalidInput("Idempotency-Key harus 1 sampai 200 karakter.")
        # Per officer; a retry answered from the idempotency record is not counted.
        taken = quotas().take(
            ctx.settings.report_limit_per_officer, f"reports:{principal().user_id}"
        )
        result = reports.submit_report(ctx.uow, ctx.rules, principal(), read_json_body(), key)
        headers = {"Location": url_for("reports.Report", report_id=result.body["id"])}
        if not result.created:
            quotas().give_back(taken)
            headers["Idempotent-Replayed"] = "true"
            # A replay answers from the stored first answer, possibly written by an older
            # version: through the schema, so it says what the contract says.
            return result.body, 201, headers
        if taken is not None:
            headers |= taken.headers
        # A new report's body is report_dict's, already in ReportSchema's shape: not dumped
        # through it again (a twentieth of the request; test_report_list_fast.py).
        return current_app.json.response(result.body), 201, headers


@blp.route("/reports/summary")
class ReportsSummary(MethodView):
    @blp.arguments(ReportFilterArgsSchema, location="query")
    @blp.response(200, ReportSummarySchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Jumlah laporan per jenis dan status tinjauan, dan yang bertanda, untuk saringan
        yang sama dengan daftar laporan"""
        return report_views.report_summary(k3().uow, principal(), _filter(args))


@blp.route("/reports.csv")
class ReportsCsv(MethodView):
    @blp.arguments(ReportFilterArgsSchema, location="query")
    @blp.response(200, description="Tabel laporan (CSV, titik koma, UTF-8)")
    @blp.doc(responses={"200": {"description": "Tabel laporan", "content": {"text/csv": BINARY}}})
    @blp.alt_response(
        422, description="Saringan belum benar, atau lebih dari 50.000 laporan (persempit)"
    )
    def get(self, args: dict[str, Any]) -> Any:
        """Tabel laporan sebagai CSV (judul dan label bahasa Indonesia), saringan sama
        dengan daftar laporan; paling banyak 50.000 baris"""
        body = report_views.report_csv(k3().uow, principal(), _filter(args))
        return Response(
            body,
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="laporan.csv"'},
        )


@blp.route("/reports/<uuid:report_id>")
class Report(MethodView):
    @blp.response(200, ReportSchema)
    def get(self, report_id: uuid.UUID) -> Any:
        """Satu laporan dengan foto dan versi sebelumnya"""
        return report_links(report_views.get_report(k3().uow, principal(), report_id))

    @blp.doc(
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": ReportBodySchema}},
        }
    )
    @blp.response(200, ReportSchema)
    def patch(self, report_id: uuid.UUID) -> Any:
        """Memperbaiki laporan sendiri (versi lama tetap tersimpan); kembali ke antrean tinjauan"""
        ctx = k3()
        return report_links(
            reports.amend_report(ctx.uow, ctx.rules, principal(), report_id, read_json_body())
        )


@blp.route("/reports/<uuid:report_id>/review")
class ReportReview(MethodView):
    @blp.arguments(ReviewSchema)
    @blp.response(200, ReportSchema)
    def post(self, data: dict[str, Any], report_id: uuid.UUID) -> Any:
        """Tinjauan Seksi Trantib: diterima, perlu_perbaikan (dengan catatan), atau ditolak"""
        return report_links(
            reports.review_report(
                k3().uow, principal(), report_id, ReviewState(data["state"]), data.get("note")
            )
        )


def _read_upload(max_bytes: int) -> Upload:
    """The photo from a raw body or a multipart form field (`file`, or the only file)."""
    if request.content_length is not None and request.content_length > max_bytes + 64 * 1024:
        raise TooLarge(f"Foto terlalu besar; paling besar {max_bytes // (1024 * 1024)} MB.")
    request.max_content_length = max_bytes + 64 * 1024
    if request.mimetype == "multipart/form-data":
        files = request.files
        f = files.get("file") or (next(iter(files.values())) if len(files) == 1 else None)
        if f is None:
            raise InvalidInput(
                "Kirim foto pada kolom berkas 'file'.", [FieldError(("file",), "Wajib diisi.")]
            )
        stream, declared = f.stream, f.mimetype
    else:
        stream, declared = request.stream, request.mimetype
    up = spool(stream, max_bytes)
    if up is None:
        raise TooLarge(f"Foto terlalu besar; paling besar {max_bytes // (1024 * 1024)} MB.")
    return Upload(up.file, up.size, up.sha256, declared or None)


@blp.route("/reports/<uuid:report_id>/photos/<uuid:photo_id>")
class ReportPhoto(MethodView):
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/heic": {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            },
        },
        parameters=[
            {
                "in": "header",
                "name": "X-Content-SHA256",
                "required": False,
                "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
                "description": "SHA-256 (hex) foto menurut ponsel; tidak cocok = 422",
            }
        ],
    )
    @blp.response(201, PhotoSchema)
    @blp.alt_response(200, schema=PhotoSchema, description="Foto ini sudah diterima sebelumnya")
    @blp.alt_response(429, description="Terlalu banyak foto dari petugas ini; lihat Retry-After")
    def put(self, report_id: uuid.UUID, photo_id: uuid.UUID) -> Any:
        """Mengirim satu foto laporan (isi mentah atau multipart). Aman diulang."""
        ctx = k3()
        # Per officer, checked before the body is read; a photo already received (200)
        # is not counted.
        taken = quotas().take(ctx.settings.photo_limit_per_officer, f"photos:{principal().user_id}")
        upload = _read_upload(ctx.settings.max_photo_bytes)
        try:
            client_sha = request.headers.get("X-Content-SHA256") or request.args.get("sha256")
            result = photos.put_photo(
                ctx.uow,
                ctx.storage,
                principal(),
                report_id,
                photo_id,
                upload,
                client_sha,
                send_after_commit=True,
            )
        finally:
            upload.file.close()
        ctx.send_now(result.queued)
        if result.relay:
            ctx.relay()
        if not result.created:
            quotas().give_back(taken)
            return photo_links(result.photo), 200
        return photo_links(result.photo), 201, taken.headers if taken else {}


@blp.route(
    "/photos/<uuid:photo_id>/<variant>",
    parameters=[
        {
            "in": "path",
            "name": "variant",
            "required": True,
            "schema": {"type": "string", "enum": ["original", "web", "thumb"]},
        }
    ],
)
class PhotoFile(MethodView):
    @blp.response(200, description="Berkas foto")
    @blp.doc(
        responses={
            "200": {
                "description": "Berkas foto",
                "content": {"image/jpeg": BINARY, "image/heic": BINARY},
            }
        }
    )
    def get(self, photo_id: uuid.UUID, variant: str) -> Any:
        """Berkas foto: original (apa adanya; hanya petugas pengambil dan Trantib/admin
        kecamatan, setiap pembukaan dicatat), web, atau thumb (tegak, tanpa EXIF)"""
        ctx = k3()
        key, mime, etag = photos.photo_object(ctx.uow, principal(), photo_id, variant)
        if request.if_none_match.contains(etag):
            return Response(status=304)
        stream = ctx.storage.stream(key)
        resp = Response(stream, mimetype=mime, direct_passthrough=True)
        resp.headers["ETag"] = f'"{etag}"'
        resp.headers["Cache-Control"] = "private, max-age=86400"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp


def k3_json(body: Any) -> str:
    return current_app.json.dumps(body)
