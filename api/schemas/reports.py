"""Patrol and penertiban reports, their photos, and their review."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from api.schemas.common import GeometrySchema, K3Schema, one_of, values
from k3zones.enums import PhotoStatus, ReportType, ReviewState, TeamUnit
from k3zones.reports import ACTIONS, VIOLATIONS

# Derived in the domain (photos received against photos expected), not stored as an enum.
_REPORT_STATUSES = ["menunggu_foto", "lengkap"]


class ItemSchema(Schema):
    kind = fields.String()
    count = fields.Integer()
    notes = fields.String()


class ReportBodySchema(Schema):
    """What a phone sends (documented here; checked by the domain rules)."""

    id = fields.UUID(metadata={"description": "UUID buatan ponsel (kunci kirim ulang)"})
    type = fields.String(metadata={"enum": values(ReportType)})
    zone_id = fields.UUID(
        allow_none=True,
        metadata={
            "description": "Kosong: dicocokkan dari titik GPS ke zona terdekat yang memuatnya"
        },
    )
    team_id = fields.UUID(allow_none=True)
    units = fields.List(
        fields.String(),
        metadata={"description": f"Unit yang hadir (3 pilar): {', '.join(values(TeamUnit))}"},
    )
    started_at = fields.String(metadata={"example": "2024-05-02T08:15:00+07:00"})
    ended_at = fields.String(allow_none=True, metadata={"example": "2024-05-02T09:00:00+07:00"})
    location = fields.Nested(
        GeometrySchema, metadata={"example": {"type": "Point", "coordinates": [106.98, -6.2068]}}
    )
    accuracy_m = fields.Float(metadata={"example": 8.0})
    findings = fields.List(
        fields.Nested(ItemSchema),
        metadata={"description": f"kind: {', '.join(VIOLATIONS)}"},
    )
    actions = fields.List(
        fields.Nested(ItemSchema),
        metadata={"description": f"Hanya penertiban. kind: {', '.join(ACTIONS)}"},
    )
    notes = fields.String(allow_none=True)
    photos_expected = fields.Integer(metadata={"description": "0 sampai 10"})


class PhotoUrlsSchema(Schema):
    original = fields.String(
        allow_none=True,
        metadata={
            "description": "Berkas asli apa adanya (EXIF, GPS). Hanya untuk petugas pengambil "
            "dan Seksi Trantib/admin kecamatan; null untuk yang lain. Setiap pembukaan dicatat."
        },
    )
    web = fields.String(
        allow_none=True, metadata={"description": "Tanpa EXIF; null sebelum diproses"}
    )
    thumb = fields.String(
        allow_none=True, metadata={"description": "Tanpa EXIF; null sebelum diproses"}
    )


_DETAIL = "Hanya untuk petugas pengambil dan Seksi Trantib/admin kecamatan; null untuk yang lain."


class PhotoSchema(Schema):
    id = fields.Raw()
    report_id = fields.Raw()
    status = fields.String(metadata={"enum": values(PhotoStatus)})
    sha256 = fields.String()
    size_bytes = fields.Integer()
    content_type = fields.String()
    declared_type = fields.Raw()
    width = fields.Raw()
    height = fields.Raw()
    taken_at = fields.Raw()
    gps = fields.Dict(
        allow_none=True, metadata={"description": f"Titik GPS dari EXIF (GeoJSON). {_DETAIL}"}
    )
    exif = fields.Dict(allow_none=True, metadata={"description": f"Metadata EXIF. {_DETAIL}"})
    flags = fields.Raw(
        metadata={
            "description": "Temuan pemeriksaan bukti. duplicate/near_duplicate menyebut "
            "report_id dan photo_id laporan lain; bila laporan itu di kecamatan lain, "
            "keduanya null dan kecamatan_lain true (kecuali untuk pengguna kota)."
        }
    )
    error = fields.Raw()
    received_at = fields.Raw()
    processed_at = fields.Raw()
    urls = fields.Nested(PhotoUrlsSchema)


class ReportSchema(Schema):
    id = fields.Raw()
    type = fields.String()
    status = fields.String(metadata={"enum": _REPORT_STATUSES})
    review_state = fields.String(metadata={"enum": values(ReviewState)})
    review_note = fields.Raw()
    reviewed_at = fields.Raw()
    version = fields.Integer()
    officer_id = fields.Raw()
    officer = fields.Raw()
    team_id = fields.Raw()
    team = fields.Raw()
    units = fields.Raw()
    zone_id = fields.Raw()
    zone = fields.Raw()
    zone_match = fields.String(metadata={"enum": ["given", "gps", "none"]})
    started_at = fields.Raw()
    ended_at = fields.Raw()
    received_at = fields.Raw()
    period = fields.Raw(metadata={"description": "Tanggal WIB dari waktu mulai perangkat"})
    location = fields.Raw()
    accuracy_m = fields.Raw()
    findings = fields.Raw()
    actions = fields.Raw()
    violation_total = fields.Integer()
    notes = fields.Raw()
    photos_expected = fields.Integer()
    photos_received = fields.Integer()
    flags = fields.Raw(metadata={"description": "Temuan pemeriksaan bukti, dengan angka"})
    source = fields.String()
    photos = fields.List(fields.Nested(PhotoSchema))
    versions = fields.Raw()


class ReportPageSchema(Schema):
    items = fields.List(fields.Nested(ReportSchema))
    next_cursor = fields.String(allow_none=True)


class ReportQueryArgsSchema(K3Schema):
    class Meta:
        unknown = EXCLUDE

    kecamatan = fields.String()
    zone = fields.UUID()
    type = fields.String(validate=one_of(values(ReportType)))
    team = fields.UUID()
    officer = fields.UUID(
        metadata={
            "description": "Laporan satu petugas: hanya Seksi Trantib dan admin kecamatan "
            "(yang lain 403), atau id sendiri"
        }
    )
    date_from = fields.Date(metadata={"description": "Tanggal WIB (termasuk)"})
    date_to = fields.Date(metadata={"description": "Tanggal WIB (termasuk)"})
    flag = fields.String(
        metadata={"description": "Nama tanda (mis. outside_zone, photo_no_gps), atau any"}
    )
    review_state = fields.String(validate=one_of(values(ReviewState)))
    status = fields.String(validate=one_of(_REPORT_STATUSES))
    bbox = fields.String()
    cursor = fields.String()
    limit = fields.Integer(
        load_default=50, validate=validate.Range(min=1, max=200, error="limit harus 1 sampai 200.")
    )
    format = fields.String(load_default="json", validate=one_of(["json", "geojson"]))
    kelurahan = fields.String(metadata={"description": "Slug kelurahan (zona laporan)"})
    order = fields.String(
        load_default="terbaru",
        validate=one_of(["terbaru", "terlama"]),
        metadata={"description": "terlama: antrean tinjauan"},
    )


class ReviewSchema(K3Schema):
    state = fields.String(
        required=True,
        validate=one_of(values(s for s in ReviewState if s != ReviewState.MENUNGGU)),
    )
    note = fields.String(allow_none=True, validate=validate.Length(max=4000))
