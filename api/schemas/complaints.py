"""Complaints (pengaduan) for staff, partner keys and pimpinan's notifications."""

from __future__ import annotations

from marshmallow import fields, validate

from api.schemas.common import K3Schema, one_of, text, values
from k3zones import complaints as rules
from k3zones.enums import ComplaintChannel, ComplaintRejection, ComplaintState

_STATES = values(ComplaintState)
_CATEGORIES = list(rules.CATEGORIES)
_PHASES = ["aman", "peringatan", "lewat", "tanpa_sla"]


class SlaSchema(K3Schema):
    state_since = fields.DateTime()
    due_at = fields.DateTime(allow_none=True)
    phase = fields.String(validate=one_of(_PHASES))
    elapsed_hours = fields.Float()
    remaining_hours = fields.Float(allow_none=True)
    within_sla = fields.Boolean()


class ReporterSchema(K3Schema):
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class TransitionSchema(K3Schema):
    at = fields.DateTime()
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    actor = fields.String()
    reason = fields.String()
    public_note = fields.String(allow_none=True)


class ComplaintPhotoSchema(K3Schema):
    id = fields.UUID()
    status = fields.String()
    flags = fields.Dict(keys=fields.String(), values=fields.Dict())
    taken_at = fields.DateTime(allow_none=True)
    error = fields.String(allow_none=True)
    thumb_url = fields.String(allow_none=True, metadata={"description": "Gambar kecil tanpa EXIF"})
    web_url = fields.String(allow_none=True, metadata={"description": "Gambar web tanpa EXIF"})
    original_url = fields.String(
        allow_none=True,
        metadata={
            "description": "Foto asli dengan EXIF dan GPS: hanya untuk Seksi Trantib dan admin "
            "kecamatan pengaduan ini (null untuk yang lain); setiap pembukaan dicatat"
        },
    )


class ComplaintSchema(K3Schema):
    id = fields.UUID()
    code = fields.String()
    kecamatan = fields.String()
    channel = fields.String(validate=one_of(values(ComplaintChannel)))
    category = fields.String(validate=one_of(_CATEGORIES))
    category_name = fields.String()
    description = fields.String()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    address = fields.String(allow_none=True)
    zone_id = fields.UUID(allow_none=True)
    kelurahan_id = fields.Integer(allow_none=True)
    state = fields.String(validate=one_of(_STATES))
    reject_reason = fields.String(allow_none=True)
    public_note = fields.String(allow_none=True)
    duplicate_of = fields.UUID(allow_none=True)
    duplicates = fields.Integer()
    team_id = fields.UUID(allow_none=True)
    assigned_due_at = fields.DateTime(allow_none=True)
    report_id = fields.UUID(allow_none=True)
    received_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    version = fields.Integer()
    sla = fields.Nested(SlaSchema)


class ComplaintDetailSchema(ComplaintSchema):
    reporter = fields.Nested(ReporterSchema)
    media_url = fields.String(allow_none=True)
    transitions = fields.List(fields.Nested(TransitionSchema))
    photos = fields.List(fields.Nested(ComplaintPhotoSchema))


class ComplaintPageSchema(K3Schema):
    items = fields.List(fields.Nested(ComplaintSchema))
    next = fields.String(allow_none=True, metadata={"description": "Kursor halaman berikutnya"})


class ComplaintQuerySchema(K3Schema):
    kecamatan = fields.String(validate=validate.Length(max=64))
    state = fields.List(fields.String(validate=one_of(_STATES)), load_default=list)
    category = fields.String(validate=one_of(_CATEGORIES))
    zone = fields.UUID(metadata={"description": "Hanya pengaduan di zona ini (area pantau)"})
    after = fields.String(
        validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,200}$", error="Kursor tidak valid."),
        metadata={"description": "Kursor dari jawaban sebelumnya (next)"},
    )
    limit = fields.Integer(
        load_default=50, validate=validate.Range(1, 100, error="Harus 1 sampai 100.")
    )


_ACTIONS = ["terima", "tolak", "tugaskan", "tangani", "selesai", "kembali"]


class ComplaintActionSchema(K3Schema):
    action = fields.String(
        required=True,
        validate=one_of(_ACTIONS),
        metadata={
            "description": "terima (baru->diterima), tolak (wajib reject_reason dan "
            "public_note), tugaskan (wajib team_id; due_at opsional), tangani (wajib "
            "report_id dari tim itu), selesai (laporan tim sudah diterima), kembali "
            "(mundur satu langkah)"
        },
    )
    reason = text(2000, required=True, blank="Alasan wajib diisi (bukan spasi saja).")
    public_note = text(2000, allow_none=True)
    reject_reason = fields.String(validate=one_of(values(ComplaintRejection)), allow_none=True)
    team_id = fields.UUID(allow_none=True)
    due_at = fields.AwareDateTime(allow_none=True)
    report_id = fields.UUID(allow_none=True)
    version = fields.Integer(
        allow_none=True,
        validate=validate.Range(1, 2**31 - 1),
        metadata={"description": "Versi yang terakhir dibaca (cegah menimpa perubahan orang lain)"},
    )


class ComplaintMergeSchema(K3Schema):
    into = fields.UUID(required=True, metadata={"description": "Pengaduan tujuan (masih terbuka)"})
    reason = text(2000, required=True, blank="Alasan wajib diisi (bukan spasi saja).")


class PartnerKeyCreateSchema(K3Schema):
    name = text(200, required=True)


class PartnerKeySchema(K3Schema):
    id = fields.UUID()
    kecamatan = fields.String()
    name = fields.String()
    key_prefix = fields.String()
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)
    api_key = fields.String(
        allow_none=True, metadata={"description": "Hanya sekali, saat kunci diterbitkan"}
    )


class NotificationSchema(K3Schema):
    id = fields.Integer()
    complaint_id = fields.UUID()
    code = fields.String()
    kind = fields.String()
    state = fields.String()
    message = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationReadSchema(K3Schema):
    id = fields.Integer()
    read_at = fields.DateTime(allow_none=True)


class FiguresQuerySchema(K3Schema):
    kecamatan = fields.String(
        validate=validate.Length(max=64),
        metadata={"description": "Slug kecamatan (bawaan: semua yang boleh dilihat)"},
    )
    period = fields.String(
        required=True,
        validate=validate.Regexp(
            rules.PERIOD_RE.pattern, error="Gunakan TTTT, TTTT-BB, atau TTTT-T1..T4."
        ),
        metadata={"description": "Tahun (2026), bulan (2026-11), atau triwulan (2026-T4)"},
    )


class FigureGroupSchema(K3Schema):
    received = fields.Integer()
    duplicates = fields.Integer()
    rejected = fields.Integer()
    closed = fields.Integer()
    closed_within_sla = fields.Integer()
    pct_within_sla = fields.Float(allow_none=True)
    median_days_to_close = fields.Float(allow_none=True)
    open = fields.Integer()


class FigureByCategorySchema(FigureGroupSchema):
    category = fields.String()
    name = fields.String()


class FigureByKelurahanSchema(FigureGroupSchema):
    kelurahan = fields.String()


class FiguresSchema(FigureGroupSchema):
    kecamatan = fields.String(allow_none=True)
    period = fields.String()
    label = fields.String()
    by_category = fields.List(fields.Nested(FigureByCategorySchema))
    by_kelurahan = fields.List(fields.Nested(FigureByKelurahanSchema))


_SLA_STATES = [s.value for s in ComplaintState if s.value not in ("ditolak", "selesai")]


class SlaRowSchema(K3Schema):
    kecamatan = fields.String()
    category = fields.String(validate=one_of(_CATEGORIES))
    state = fields.String(validate=one_of(_SLA_STATES))
    working_days = fields.Integer()
    own = fields.Boolean(metadata={"description": "true: aturan kecamatan; false: bawaan"})


class SlaQuerySchema(K3Schema):
    kecamatan = fields.String(
        validate=validate.Length(max=64), metadata={"description": "Slug kecamatan"}
    )


class SlaUpdateSchema(K3Schema):
    kecamatan = fields.String(validate=validate.Length(max=64))
    category = fields.String(required=True, validate=one_of(_CATEGORIES))
    state = fields.String(required=True, validate=one_of(_SLA_STATES))
    working_days = fields.Integer(
        required=True, validate=validate.Range(1, 60, error="Harus 1 sampai 60 hari kerja.")
    )


# --- staff intake and location (issue 13 point 3) ----------------------------------------

INTAKE_CHANNELS = ["telepon", "whatsapp", "langsung", "surat", "lainnya"]
# The rules of k3zones.complaints.parse_input (the /lapor form), on the text as sent: a
# description of 10 to 4000 characters once the spaces around it are left out, a phone
# number of 7 to 21 characters, an e-mail address.
DESCRIPTION_PATTERN = r"^\s*[^\s\x00][^\x00]{8,}[^\s\x00]\s*$"
PHONE_PATTERN = r"^\+?[0-9][0-9 .-]{5,19}[0-9.-]$"
EMAIL_PATTERN = r"^[^@\s<>\"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$"


def _latitude(**kw: object) -> fields.Float:
    return fields.Float(
        allow_nan=False,
        validate=validate.Range(-90, 90, error="Lintang harus -90 sampai 90."),
        metadata={"description": "Lintang WGS 84 (mis. -6.2088)"},
        **kw,  # type: ignore[arg-type]
    )


def _longitude(**kw: object) -> fields.Float:
    return fields.Float(
        allow_nan=False,
        validate=validate.Range(-180, 180, error="Bujur harus -180 sampai 180."),
        metadata={"description": "Bujur WGS 84 (mis. 106.9895)"},
        **kw,  # type: ignore[arg-type]
    )


class ComplaintIntakeSchema(K3Schema):
    """A complaint that reached the office by phone, WhatsApp, in person or by letter."""

    kecamatan = fields.String(
        validate=validate.Length(max=64),
        metadata={"description": "Slug kecamatan (bawaan: kecamatan Anda)"},
    )
    category = fields.String(
        required=True, validate=one_of(_CATEGORIES), metadata={"description": "Kode layanan"}
    )
    description = fields.String(
        required=True,
        validate=[
            validate.Length(max=rules.MAX_DESCRIPTION, error="Paling banyak 4000 huruf."),
            validate.Regexp(DESCRIPTION_PATTERN, error="Paling sedikit 10 huruf (tanpa spasi)."),
        ],
        metadata={"description": "Isi pengaduan, 10 sampai 4000 huruf"},
    )
    channel = fields.String(
        required=True,
        validate=one_of(INTAKE_CHANNELS),
        metadata={"description": "Dari mana pengaduan masuk"},
    )
    lat = _latitude(allow_none=True)
    lon = _longitude(allow_none=True)
    address = text(rules.MAX_ADDRESS, allow_none=True)
    reporter_name = text(100, allow_none=True)
    reporter_phone = fields.String(
        allow_none=True,
        validate=validate.Regexp(PHONE_PATTERN, error="Nomor telepon tidak valid."),
        metadata={"description": "Mis. 0812 3456 7890"},
    )
    reporter_email = fields.String(
        allow_none=True,
        validate=[
            validate.Length(max=254),
            validate.Regexp(EMAIL_PATTERN, error="Alamat e-mail tidak valid."),
        ],
    )


class ComplaintLocationSchema(K3Schema):
    lat = _latitude(required=True)
    lon = _longitude(required=True)
    version = fields.Integer(
        required=True,
        validate=validate.Range(1, 2**31 - 1),
        metadata={"description": "Versi yang terakhir dibaca (409 bila sudah diubah orang lain)"},
    )
