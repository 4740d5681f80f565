"""Marshmallow schemas. Their validation messages are Bahasa Indonesia."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

# Per field class: marshmallow's message keys -> Indonesian text.
_COMMON = {
    "required": "Wajib diisi.",
    "null": "Tidak boleh kosong (null).",
    "validator_failed": "Nilai tidak valid.",
}
_BY_TYPE: list[tuple[type[fields.Field], dict[str, str]]] = [
    (fields.UUID, {"invalid_uuid": "Bukan UUID yang valid.", "invalid": "Bukan UUID yang valid."}),
    (fields.Integer, {"invalid": "Harus bilangan bulat.", "too_large": "Angka terlalu besar."}),
    (
        fields.Decimal,
        {
            "invalid": "Harus angka.",
            "too_large": "Angka terlalu besar.",
            "special": "Harus angka biasa (bukan NaN/Infinity).",
        },
    ),
    (
        fields.Float,
        {
            "invalid": "Harus angka.",
            "too_large": "Angka terlalu besar.",
            "special": "Harus angka biasa (bukan NaN/Infinity).",
        },
    ),
    (fields.Boolean, {"invalid": "Harus true atau false."}),
    (
        fields.Date,
        {
            "invalid": "Tanggal tidak valid; gunakan format TTTT-BB-HH (mis. 2024-01-15).",
            "format": "Tanggal tidak dapat ditampilkan.",
        },
    ),
    (
        fields.DateTime,
        {
            "invalid": "Waktu tidak valid; gunakan ISO 8601 dengan zona waktu.",
            "invalid_awareness": "Waktu harus menyertakan zona waktu.",
        },
    ),
    (fields.String, {"invalid": "Harus berupa teks.", "invalid_utf8": "Teks harus UTF-8."}),
    (fields.Dict, {"invalid": "Harus berupa objek."}),
    (fields.List, {"invalid": "Harus berupa larik (array)."}),
    (fields.Nested, {"type": "Harus berupa objek.", "invalid": "Harus berupa objek."}),
]


class K3Schema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {  # noqa: RUF012  (marshmallow reads this class attribute)
        "unknown": "Kolom tidak dikenal.",
        "type": "Data harus berupa objek JSON.",
    }

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        msgs = dict(_COMMON)
        for cls, m in _BY_TYPE:
            if isinstance(field_obj, cls):
                msgs.update(m)
                break
        field_obj.error_messages = {**field_obj.error_messages, **msgs}
        inner = getattr(field_obj, "inner", None)
        if isinstance(inner, fields.Field):
            self.on_bind_field(field_name, inner)


def one_of(choices: list[str]) -> validate.OneOf:
    return validate.OneOf(choices, error=f"Harus salah satu dari: {', '.join(choices)}.")


def text(max_len: int, *, required: bool = False, **kw: Any) -> fields.String:
    return fields.String(
        required=required,
        validate=validate.Length(
            min=1 if required else 0,
            max=max_len,
            error=f"Panjang teks harus 1 sampai {max_len} huruf."
            if required
            else f"Panjang teks paling banyak {max_len} huruf.",
        ),
        **kw,
    )


# --- reference -----------------------------------------------------------------------


class KelurahanSchema(K3Schema):
    slug = fields.String()
    name = fields.String()


class KecamatanSchema(K3Schema):
    slug = fields.String()
    name = fields.String()
    kota = fields.String()
    is_sample = fields.Boolean(metadata={"description": "Berisi data contoh"})
    kelurahan = fields.List(fields.Nested(KelurahanSchema))


# --- decrees -------------------------------------------------------------------------

STATUS = ["berlaku", "dicabut"]


class DecreeAttachmentSchema(K3Schema):
    filename = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    uploaded_at = fields.DateTime()


class DecreeSchema(K3Schema):
    id = fields.UUID(dump_only=True)
    kecamatan = fields.String(
        metadata={"description": "Slug kecamatan (bawaan: kecamatan pengguna)"}
    )
    nomor = text(200, required=True, metadata={"example": "300/Kep.15-Kc.Ms.Tib/I/2024"})
    tanggal = fields.Date(required=True, metadata={"example": "2024-01-15"})
    perihal = text(2000, required=True)
    status = fields.String(validate=one_of(STATUS), load_default="berlaku")
    revoked_on = fields.Date(allow_none=True, metadata={"description": "Tanggal pencabutan"})
    amends_id = fields.UUID(
        allow_none=True, metadata={"description": "SK yang diubah oleh SK ini (Perubahan)"}
    )
    notes = fields.String(allow_none=True, validate=validate.Length(max=5000))
    zone_count = fields.Integer(dump_only=True)
    attachment = fields.Nested(DecreeAttachmentSchema, dump_only=True, allow_none=True)
    attachment_url = fields.Method("_attachment_url", dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    def _attachment_url(self, obj: Any) -> str | None:
        return f"/api/v1/decrees/{obj.id}/attachment" if obj.attachment else None


class DecreeUpdateSchema(DecreeSchema):
    """Only the fields sent are changed (use it with partial=True)."""

    class Meta:
        exclude = ("kecamatan",)


class DecreeQueryArgsSchema(K3Schema):
    class Meta:
        unknown = EXCLUDE

    kecamatan = fields.String(metadata={"description": "Slug kecamatan"})
    status = fields.String(validate=one_of(STATUS))


# --- zones ---------------------------------------------------------------------------

KATEGORI = ["merah", "kuning"]


class GeometrySchema(Schema):
    """A GeoJSON geometry (RFC 7946): lon/lat in WGS 84."""

    type = fields.String(metadata={"example": "LineString"})
    coordinates = fields.Raw(metadata={"example": [[106.9705, -6.2065], [106.9790, -6.2075]]})


class ZonePropertiesSchema(Schema):
    decree_id = fields.UUID(
        metadata={"description": "SK yang menetapkan zona (wajib saat membuat)"}
    )
    name = fields.String(metadata={"example": "Jl. Sultan Agung"})
    kategori = fields.String(metadata={"enum": KATEGORI})
    kelurahan = fields.String(allow_none=True, metadata={"description": "Slug atau nama kelurahan"})
    radius_m = fields.Integer(
        metadata={"description": "Radius pemantauan (m); bawaan: titik 100, garis 50, poligon 25"}
    )
    target_year = fields.Integer(allow_none=True)
    notes = fields.String(allow_none=True)


class ZoneFeatureInSchema(K3Schema):
    """A GeoJSON Feature; its properties and geometry are checked by the domain rules."""

    class Meta:
        unknown = EXCLUDE  # QGIS adds members such as "id" and "bbox"

    type = fields.String(required=True, validate=one_of(["Feature"]))
    geometry = fields.Dict(allow_none=True, metadata={"description": "GeoJSON geometry"})
    properties = fields.Dict(allow_none=True)

    @validates_schema
    def _has_properties(self, data: dict[str, Any], **_: Any) -> None:
        if "properties" in data and data["properties"] is None:
            raise ValidationError("Harus berupa objek.", "properties")


class ZoneFeatureOutSchema(Schema):
    type = fields.String(metadata={"example": "Feature"})
    id = fields.UUID()
    geometry = fields.Nested(GeometrySchema)
    properties = fields.Dict()


class ZoneCollectionSchema(Schema):
    type = fields.String(metadata={"example": "FeatureCollection"})
    features = fields.List(fields.Nested(ZoneFeatureOutSchema))


class ZoneQueryArgsSchema(K3Schema):
    class Meta:
        unknown = EXCLUDE

    kecamatan = fields.String(metadata={"description": "Slug kecamatan"})
    decree = fields.UUID(metadata={"description": "id SK"})
    kategori = fields.String(validate=one_of(KATEGORI))
    kelurahan = fields.String(metadata={"description": "Slug kelurahan"})
    bbox = fields.String(
        metadata={
            "description": "bujur_min,lintang_min,bujur_maks,lintang_maks (WGS 84)",
            "example": "106.95,-6.23,107.02,-6.14",
        }
    )
    include_retired = fields.Boolean(load_default=False)


class RetireSchema(K3Schema):
    reason = text(2000, required=True, metadata={"description": "Alasan zona dipensiunkan"})


class ImportResultSchema(Schema):
    imported = fields.Integer()
    zones = fields.Nested(ZoneCollectionSchema)


# --- targets -------------------------------------------------------------------------


class TargetSchema(K3Schema):
    kecamatan = fields.String(dump_only=True)
    year = fields.Integer(dump_only=True)
    target_pct = fields.Decimal(
        required=True,
        as_string=False,
        places=2,
        validate=validate.Range(min=0, max=100, error="Target harus 0 sampai 100 persen."),
        metadata={"description": "Target realisasi (persen)", "example": 35},
    )
    zones_designated = fields.Integer(
        dump_only=True, metadata={"description": "Zona yang ditetapkan (berlaku di akhir tahun)"}
    )
    zones_needed = fields.Integer(
        dump_only=True,
        metadata={"description": "Jumlah zona tertib yang dibutuhkan (dibulatkan ke atas)"},
    )
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))


class KecamatanArgSchema(K3Schema):
    class Meta:
        unknown = EXCLUDE

    kecamatan = fields.String(
        metadata={"description": "Slug kecamatan (bawaan: kecamatan pengguna)"}
    )


# --- health --------------------------------------------------------------------------


class HealthSchema(Schema):
    status = fields.String()
    checks = fields.Dict()


# --- sign-in, users, teams, audit --------------------------------------------------------

ROLES = ["petugas", "trantib", "pimpinan", "admin", "kota"]
TEAM_KINDS = ["satpol_pp", "tiga_pilar", "dlh", "kelurahan", "rt_rw"]


class LoginSchema(K3Schema):
    username = text(64, required=True)
    password = fields.String(
        required=True, validate=validate.Length(min=1, max=1024, error="Kata sandi wajib diisi.")
    )
    device_id = fields.String(
        allow_none=True,
        validate=validate.Length(max=200),
        metadata={"description": "Pengenal perangkat (opsional)"},
    )


class RefreshSchema(K3Schema):
    refresh_token = fields.String(
        metadata={"description": "Atau kirim sebagai Authorization: Bearer <refresh_token>"}
    )


class MembershipSchema(K3Schema):
    id = fields.UUID()
    team_id = fields.UUID()
    team_name = fields.String()
    team_kind = fields.String()
    user_id = fields.UUID()
    username = fields.String()
    joined_on = fields.Date()
    left_on = fields.Date(allow_none=True)


class UserSchema(K3Schema):
    id = fields.UUID(dump_only=True)
    username = text(64, required=True)
    password = fields.String(load_only=True, required=True)
    full_name = text(200, required=True)
    nip = fields.String(
        allow_none=True,
        validate=validate.Length(max=64),
        metadata={"description": "NIP atau nomor badge"},
    )
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    role = fields.String(required=True, validate=one_of(ROLES))
    kecamatan = fields.String(allow_none=True, metadata={"description": "Slug kecamatan"})
    active = fields.Boolean(dump_only=True)
    is_sample = fields.Boolean(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    teams = fields.List(fields.Nested(MembershipSchema), dump_only=True)


class UserUpdateSchema(K3Schema):
    full_name = text(200)
    nip = fields.String(allow_none=True, validate=validate.Length(max=64))
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    role = fields.String(validate=one_of(ROLES))
    active = fields.Boolean()
    password = fields.String(load_only=True, metadata={"description": "Atur ulang kata sandi"})


class UserQueryArgsSchema(K3Schema):
    class Meta:
        unknown = EXCLUDE

    kecamatan = fields.String()
    role = fields.String(validate=one_of(ROLES))
    active = fields.Boolean()


# Fields of one's own account that only an admin may change: sent to /me, they are
# refused with 403 rather than silently dropped.
PROTECTED_SELF_FIELDS = ("username", "role", "kecamatan", "active", "nip")


class MeUpdateSchema(K3Schema):
    full_name = text(200)
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    username = fields.Raw(load_only=True, metadata={"description": "Ditolak (403)"})
    role = fields.Raw(load_only=True, metadata={"description": "Ditolak (403)"})
    kecamatan = fields.Raw(load_only=True, metadata={"description": "Ditolak (403)"})
    active = fields.Raw(load_only=True, metadata={"description": "Ditolak (403)"})
    nip = fields.Raw(load_only=True, metadata={"description": "Ditolak (403)"})


class PasswordChangeSchema(K3Schema):
    current_password = fields.String(required=True)
    new_password = fields.String(required=True)


class TokenSchema(Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String(metadata={"example": "Bearer"})
    expires_in = fields.Integer(metadata={"description": "Umur access token (detik)"})
    refresh_expires_at = fields.DateTime()
    session_id = fields.UUID()
    user = fields.Nested(UserSchema)


class SessionSchema(Schema):
    id = fields.UUID()
    user_id = fields.UUID()
    device_id = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    ip = fields.String(allow_none=True)
    created_at = fields.DateTime()
    last_used_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    revoked_reason = fields.String(allow_none=True)


class RevokeSchema(K3Schema):
    reason = fields.String(load_default="dicabut admin", validate=validate.Length(max=200))


class TeamSchema(K3Schema):
    id = fields.UUID(dump_only=True)
    kecamatan = fields.String(allow_none=True)
    name = text(200, required=True)
    kind = fields.String(required=True, validate=one_of(TEAM_KINDS))
    units = fields.List(
        fields.String(),
        load_default=list,
        metadata={
            "description": "Untuk tiga_pilar: kecamatan, polsek, koramil"
            " (boleh ditambah satpol_pp, dlh)"
        },
    )
    active = fields.Boolean(dump_only=True)
    is_sample = fields.Boolean(dump_only=True)
    members = fields.List(fields.Nested(MembershipSchema), dump_only=True)


class TeamUpdateSchema(K3Schema):
    name = text(200)
    kind = fields.String(validate=one_of(TEAM_KINDS))
    units = fields.List(fields.String())
    active = fields.Boolean()


class TeamQueryArgsSchema(K3Schema):
    class Meta:
        unknown = EXCLUDE

    history = fields.Boolean(
        load_default=False, metadata={"description": "Sertakan anggota yang sudah keluar"}
    )


class MemberAddSchema(K3Schema):
    user_id = fields.UUID(required=True)
    joined_on = fields.Date(allow_none=True)


class MemberEndSchema(K3Schema):
    left_on = fields.Date(allow_none=True)


class AuditQueryArgsSchema(K3Schema):
    class Meta:
        unknown = EXCLUDE

    kecamatan = fields.String()
    entity = fields.String(metadata={"example": "zone"})
    entity_id = fields.String()
    actor = fields.String(metadata={"description": "Nama pengguna"})
    action = fields.String(validate=one_of(["create", "update", "delete"]))
    since = fields.Date(metadata={"description": "Tanggal WIB (termasuk)"})
    until = fields.Date(metadata={"description": "Tanggal WIB (termasuk)"})
    cursor = fields.Integer(metadata={"description": "next_cursor dari halaman sebelumnya"})
    limit = fields.Integer(
        load_default=50, validate=validate.Range(min=1, max=200, error="limit harus 1 sampai 200.")
    )


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    kecamatan = fields.String(allow_none=True)
    actor_id = fields.UUID(allow_none=True)
    actor = fields.String()
    entity = fields.String()
    entity_id = fields.String()
    action = fields.String()
    changes = fields.Dict()
    request_id = fields.String(allow_none=True)
    ip = fields.String(allow_none=True)


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    next_cursor = fields.Integer(allow_none=True)


# --- reports ---------------------------------------------------------------------------

REPORT_TYPES = ["patroli", "penertiban"]
REVIEW_STATES = ["menunggu", "diterima", "perlu_perbaikan", "ditolak"]


class ItemSchema(Schema):
    kind = fields.String()
    count = fields.Integer()
    notes = fields.String()


class ReportBodySchema(Schema):
    """What a phone sends (documented here; checked by the domain rules)."""

    id = fields.UUID(metadata={"description": "UUID buatan ponsel (kunci kirim ulang)"})
    type = fields.String(metadata={"enum": REPORT_TYPES})
    zone_id = fields.UUID(
        allow_none=True,
        metadata={
            "description": "Kosong: dicocokkan dari titik GPS ke zona terdekat yang memuatnya"
        },
    )
    team_id = fields.UUID(allow_none=True)
    units = fields.List(
        fields.String(),
        metadata={
            "description": "Unit yang hadir (3 pilar): kecamatan, polsek, koramil, satpol_pp, dlh"
        },
    )
    started_at = fields.String(metadata={"example": "2024-05-02T08:15:00+07:00"})
    ended_at = fields.String(allow_none=True, metadata={"example": "2024-05-02T09:00:00+07:00"})
    location = fields.Nested(
        GeometrySchema, metadata={"example": {"type": "Point", "coordinates": [106.98, -6.2068]}}
    )
    accuracy_m = fields.Float(metadata={"example": 8.0})
    findings = fields.List(
        fields.Nested(ItemSchema),
        metadata={
            "description": "kind: pkl, bangunan_liar, spanduk, reklame_kain, parkir_liar, sampah, "
            "lainnya"
        },
    )
    actions = fields.List(
        fields.Nested(ItemSchema),
        metadata={
            "description": "Hanya penertiban. kind: teguran_lisan, teguran_tertulis, pembongkaran, "
            "penyitaan, relokasi, pembersihan"
        },
    )
    notes = fields.String(allow_none=True)
    photos_expected = fields.Integer(metadata={"description": "0 sampai 10"})


class PhotoSchema(Schema):
    id = fields.Raw()
    report_id = fields.Raw()
    status = fields.String(metadata={"enum": ["diterima", "diproses", "gagal"]})
    sha256 = fields.String()
    size_bytes = fields.Integer()
    content_type = fields.String()
    declared_type = fields.Raw()
    width = fields.Raw()
    height = fields.Raw()
    taken_at = fields.Raw()
    gps = fields.Raw()
    exif = fields.Raw()
    flags = fields.Raw()
    error = fields.Raw()
    received_at = fields.Raw()
    processed_at = fields.Raw()
    urls = fields.Raw()


class ReportSchema(Schema):
    id = fields.Raw()
    type = fields.String()
    status = fields.String(metadata={"enum": ["menunggu_foto", "lengkap"]})
    review_state = fields.String(metadata={"enum": REVIEW_STATES})
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
    type = fields.String(validate=one_of(REPORT_TYPES))
    team = fields.UUID()
    officer = fields.UUID()
    date_from = fields.Date(metadata={"description": "Tanggal WIB (termasuk)"})
    date_to = fields.Date(metadata={"description": "Tanggal WIB (termasuk)"})
    flag = fields.String(
        metadata={"description": "Nama tanda (mis. outside_zone, photo_no_gps), atau any"}
    )
    review_state = fields.String(validate=one_of(REVIEW_STATES))
    status = fields.String(validate=one_of(["menunggu_foto", "lengkap"]))
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
        required=True, validate=one_of(["diterima", "perlu_perbaikan", "ditolak"])
    )
    note = fields.String(allow_none=True, validate=validate.Length(max=4000))
