"""Patrol and penertiban reports, their photos, and their review."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from api.schemas.common import NO_NUL_PATTERN, K3Schema, bbox_field, one_of, values
from k3zones.enums import PhotoStatus, ReportType, ReviewState, TeamUnit
from k3zones.reports import ACTIONS, MAX_COUNT, MAX_ITEMS, MAX_NOTES, MAX_PHOTOS, VIOLATIONS

# Derived in the domain (photos received against photos expected), not stored as an enum.
_REPORT_STATUSES = ["menunggu_foto", "lengkap"]


def _item_schema(name: str, vocab: list[str]) -> type[Schema]:
    return Schema.from_dict(
        {
            "kind": fields.String(required=True, validate=one_of(vocab)),
            "count": fields.Integer(required=True, validate=validate.Range(0, MAX_COUNT)),
            "notes": fields.String(
                allow_none=True,
                validate=validate.Length(max=1000),
                metadata={"pattern": NO_NUL_PATTERN},
            ),
        },
        name=name,
    )


FindingSchema = _item_schema("Finding", list(VIOLATIONS))
ActionSchema = _item_schema("Action", list(ACTIONS))


class PointSchema(Schema):
    """A GeoJSON Point (RFC 7946): [bujur, lintang] in WGS 84."""

    type = fields.String(required=True, validate=one_of(["Point"]), metadata={"example": "Point"})
    coordinates = fields.List(
        fields.Float(),
        required=True,
        validate=validate.Length(2, 3),
        metadata={"example": [106.98, -6.2068]},
    )


class ReportBodySchema(Schema):
    """What a phone sends (documented here; checked by the domain rules, k3zones.reports)."""

    id = fields.UUID(
        required=True, metadata={"description": "UUID buatan ponsel (kunci kirim ulang)"}
    )
    type = fields.String(required=True, validate=one_of(values(ReportType)))
    zone_id = fields.UUID(
        allow_none=True,
        metadata={
            "description": "Kosong: dicocokkan dari titik GPS ke zona terdekat yang memuatnya"
        },
    )
    team_id = fields.UUID(allow_none=True)
    task_id = fields.UUID(
        allow_none=True,
        metadata={
            "description": "Tugas (jadwal) yang dipenuhi laporan ini; diabaikan bila bukan tugas "
            "tim, zona, dan kegiatan laporan ini pada harinya (lalu dicocokkan seperti biasa)"
        },
    )
    units = fields.List(
        fields.String(validate=one_of(values(TeamUnit))),
        metadata={"description": "Unit yang hadir (3 pilar)"},
    )
    started_at = fields.DateTime(required=True, metadata={"example": "2024-05-02T08:15:00+07:00"})
    ended_at = fields.DateTime(allow_none=True, metadata={"example": "2024-05-02T09:00:00+07:00"})
    location = fields.Nested(
        PointSchema,
        required=True,
        metadata={
            "description": "Hanya GeoJSON Point",
            "example": {"type": "Point", "coordinates": [106.98, -6.2068]},
        },
    )
    accuracy_m = fields.Float(
        allow_none=True, validate=validate.Range(0, 100000), metadata={"example": 8.0}
    )
    findings = fields.List(fields.Nested(FindingSchema), validate=validate.Length(max=MAX_ITEMS))
    actions = fields.List(
        fields.Nested(ActionSchema),
        validate=validate.Length(max=MAX_ITEMS),
        metadata={"description": "Hanya penertiban"},
    )
    notes = fields.String(
        allow_none=True,
        validate=validate.Length(max=MAX_NOTES),
        metadata={"pattern": NO_NUL_PATTERN},
    )
    photos_expected = fields.Integer(validate=validate.Range(0, MAX_PHOTOS))


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


def _iso(**kw: Any) -> fields.String:
    """A time the services already give as ISO 8601 text (passed through as is)."""
    return fields.String(allow_none=True, metadata={"format": "date-time"}, **kw)


def _uuid(**kw: Any) -> fields.String:
    return fields.String(metadata={"format": "uuid"}, **kw)


class PhotoSchema(Schema):
    id = _uuid()
    report_id = _uuid()
    status = fields.String(metadata={"enum": values(PhotoStatus)})
    sha256 = fields.String()
    size_bytes = fields.Integer()
    content_type = fields.String()
    declared_type = fields.String(allow_none=True)
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    taken_at = _iso()
    zone_distance_m = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Jarak lokasi GPS foto dari area pantau zona laporannya (meter, "
            "dibulatkan; 0 = di dalam). null bila foto tanpa GPS atau laporan tanpa zona."
        },
    )
    gps = fields.Nested(
        PointSchema,
        allow_none=True,
        metadata={"description": f"Titik GPS dari EXIF (GeoJSON). {_DETAIL}"},
    )
    exif = fields.Dict(
        keys=fields.String(),
        allow_none=True,
        metadata={"description": f"Metadata EXIF. {_DETAIL}"},
    )
    flags = fields.Dict(
        keys=fields.String(),
        allow_none=True,
        metadata={
            "description": "Temuan pemeriksaan bukti. duplicate/near_duplicate menyebut "
            "report_id dan photo_id laporan lain; bila laporan itu di kecamatan lain, "
            "keduanya null dan kecamatan_lain true (kecuali untuk pengguna kota)."
        },
    )
    error = fields.String(allow_none=True)
    received_at = _iso()
    processed_at = _iso()
    urls = fields.Nested(PhotoUrlsSchema)


class ItemOutSchema(Schema):
    kind = fields.String()
    count = fields.Integer()
    notes = fields.String()


class ReportVersionSchema(Schema):
    version = fields.Integer()
    review_state = fields.String(metadata={"enum": values(ReviewState)})
    review_note = fields.String(allow_none=True)
    replaced_at = _iso()
    report = fields.Dict(
        keys=fields.String(), metadata={"description": "Laporan sebelum diubah (seperti Report)"}
    )


class ReportSchema(Schema):
    id = _uuid()
    type = fields.String(metadata={"enum": values(ReportType)})
    status = fields.String(metadata={"enum": _REPORT_STATUSES})
    review_state = fields.String(metadata={"enum": values(ReviewState)})
    review_note = fields.String(allow_none=True)
    reviewed_at = _iso()
    version = fields.Integer()
    officer_id = _uuid()
    officer = fields.String(allow_none=True, metadata={"description": "Nama pengguna petugas"})
    officer_name = fields.String(
        allow_none=True,
        metadata={
            "description": "Nama lengkap petugas: untuk Seksi Trantib, pimpinan dan admin "
            "kecamatan, pembaca tingkat kota, dan petugas itu sendiri pada laporannya; "
            "null bagi anggota tim lain (mereka melihat nama pengguna)."
        },
    )
    team_id = _uuid(allow_none=True)
    team = fields.String(allow_none=True)
    units = fields.List(fields.String(metadata={"enum": values(TeamUnit)}))
    zone_id = _uuid(allow_none=True)
    zone = fields.String(allow_none=True)
    zone_match = fields.String(metadata={"enum": ["given", "gps", "none"]})
    started_at = _iso()
    ended_at = _iso()
    received_at = _iso()
    period = fields.String(
        metadata={"format": "date", "description": "Tanggal WIB dari waktu mulai perangkat"}
    )
    location = fields.Nested(PointSchema)
    accuracy_m = fields.Float(allow_none=True)
    findings = fields.List(fields.Nested(ItemOutSchema))
    actions = fields.List(fields.Nested(ItemOutSchema))
    violation_total = fields.Integer()
    notes = fields.String(allow_none=True)
    photos_expected = fields.Integer()
    photos_received = fields.Integer()
    flags = fields.Dict(
        keys=fields.String(),
        allow_none=True,
        metadata={"description": "Temuan pemeriksaan bukti, dengan angka"},
    )
    source = fields.String()
    photos = fields.List(fields.Nested(PhotoSchema))
    versions = fields.List(fields.Nested(ReportVersionSchema))


class ReportPageSchema(Schema):
    items = fields.List(fields.Nested(ReportSchema))
    next_cursor = fields.String(allow_none=True)


class ReportFilterArgsSchema(K3Schema):
    """The report list's filters (also the summary's and the CSV's)."""

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
    bbox = bbox_field()
    kelurahan = fields.String(metadata={"description": "Slug kelurahan (zona laporan)"})


class ReportQueryArgsSchema(ReportFilterArgsSchema):
    cursor = fields.String()
    limit = fields.Integer(
        load_default=50, validate=validate.Range(min=1, max=200, error="limit harus 1 sampai 200.")
    )
    format = fields.String(load_default="json", validate=one_of(["json", "geojson"]))
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


class ReportPropertiesSchema(ReportSchema):
    class Meta:
        exclude = ("location", "photos", "versions")


class ReportFeatureSchema(Schema):
    """One report on the map (format=geojson): its location as a GeoJSON Point."""

    type = fields.String(metadata={"example": "Feature"})
    id = fields.UUID()
    geometry = fields.Nested(PointSchema)
    properties = fields.Nested(
        ReportPropertiesSchema,
        metadata={"description": "Kolom laporan (tanpa location, photos)"},
    )


class ReportFeatureCollectionSchema(Schema):
    type = fields.String(metadata={"example": "FeatureCollection"})
    features = fields.List(fields.Nested(ReportFeatureSchema))
    next_cursor = fields.String(allow_none=True)


class ReportSummarySchema(K3Schema):
    total = fields.Integer(metadata={"description": "Jumlah laporan (sama dengan daftar)"})
    by_type = fields.Dict(
        keys=fields.String(validate=one_of(values(ReportType))), values=fields.Integer()
    )
    by_review_state = fields.Dict(
        keys=fields.String(validate=one_of(values(ReviewState))), values=fields.Integer()
    )
    flagged = fields.Integer(metadata={"description": "Laporan dengan setidaknya satu tanda"})
