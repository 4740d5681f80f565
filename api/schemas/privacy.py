"""Blur boxes of the public photo, retention periods, and the rights of a person."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import K3Schema
from k3zones import retention

PX_MAX = 20_000  # the database's bound; the real one is the web image's size (checked)
CODE_PATTERN = r"^[Aa][Dd][Uu]-[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{8}$"


class BlurBoxInSchema(K3Schema):
    x = fields.Integer(
        required=True,
        validate=validate.Range(0, PX_MAX - 1, error="x harus 0 sampai lebar gambar."),
        metadata={"description": "Kiri kotak, piksel gambar web (0 = tepi kiri)"},
    )
    y = fields.Integer(
        required=True,
        validate=validate.Range(0, PX_MAX - 1, error="y harus 0 sampai tinggi gambar."),
        metadata={"description": "Atas kotak, piksel gambar web (0 = tepi atas)"},
    )
    w = fields.Integer(
        required=True,
        validate=validate.Range(1, PX_MAX, error="w harus 1 sampai lebar gambar."),
        metadata={"description": "Lebar kotak (piksel); x + w tidak melebihi lebar gambar"},
    )
    h = fields.Integer(
        required=True,
        validate=validate.Range(1, PX_MAX, error="h harus 1 sampai tinggi gambar."),
        metadata={"description": "Tinggi kotak (piksel); y + h tidak melebihi tinggi gambar"},
    )


class BlurBoxSchema(Schema):
    id = fields.Integer()
    source = fields.String(
        validate=validate.OneOf(["deteksi", "manual"]),
        metadata={"description": "deteksi: ditemukan detektor; manual: digambar peninjau"},
    )
    detector = fields.String(allow_none=True)
    score = fields.Float(allow_none=True, metadata={"description": "Bobot kaskade detektor"})
    x = fields.Integer()
    y = fields.Integer()
    w = fields.Integer()
    h = fields.Integer()
    created_at = fields.DateTime()
    created_by = fields.UUID(allow_none=True)


class BlurViewSchema(Schema):
    photo_id = fields.UUID()
    kind = fields.String(
        validate=validate.OneOf(["laporan", "pengaduan"]),
        metadata={"description": "laporan: foto petugas; pengaduan: foto warga"},
    )
    width = fields.Integer(allow_none=True, metadata={"description": "Lebar gambar web"})
    height = fields.Integer(allow_none=True, metadata={"description": "Tinggi gambar web"})
    detector = fields.String(allow_none=True)
    made_at = fields.DateTime(
        allow_none=True, metadata={"description": "Kapan salinan publik terakhir dibuat"}
    )
    boxes = fields.List(fields.Nested(BlurBoxSchema))


class KecamatanArgsSchema(K3Schema):
    kecamatan = fields.String(
        validate=validate.Regexp(r"^[a-z0-9-]{1,64}$", error="Slug kecamatan tidak valid."),
        metadata={"description": "Slug kecamatan (bawaan: kecamatan pengguna)"},
    )


def _period(name: str, unit: str) -> fields.Integer:
    lo, hi = retention.RANGES[name]
    return fields.Integer(
        required=True,
        validate=validate.Range(lo, hi, error=f"Harus {lo} sampai {hi} {unit}."),
        metadata={"description": f"{lo} sampai {hi} {unit}"},
    )


class RetentionInSchema(K3Schema):
    originals_years = _period("originals_years", "tahun")
    derivatives_years = _period("derivatives_years", "tahun")
    contact_days = _period("contact_days", "hari")
    access_log_days = _period("access_log_days", "hari")


class RetentionPeriodsSchema(Schema):
    originals_years = fields.Integer(
        metadata={"description": "Foto asli: tahun setelah tahun LKIP-nya"}
    )
    derivatives_years = fields.Integer(
        metadata={"description": "Turunan foto (web, kecil, publik): tahun setelah tahun LKIP"}
    )
    contact_days = fields.Integer(
        metadata={"description": "Kontak pelapor: hari setelah pengaduan ditutup"}
    )
    access_log_days = fields.Integer(
        metadata={"description": "Catatan akses (pembukaan foto asli, sesi): hari"}
    )


class RetentionSchema(RetentionPeriodsSchema):
    kecamatan = fields.String()
    is_default = fields.Boolean()
    defaults = fields.Nested(RetentionPeriodsSchema)
    updated_at = fields.DateTime(allow_none=True)
    updated_by = fields.UUID(allow_none=True)


class SubjectSchema(Schema):
    kind = fields.String(validate=validate.OneOf(["petugas", "pelapor"]))
    id = fields.String()
    kecamatan_id = fields.Integer(allow_none=True)


class SectionSchema(Schema):
    table = fields.String()
    count = fields.Integer()
    rows = fields.List(
        fields.Dict(keys=fields.String(), values=fields.String(allow_none=True)),
        metadata={"description": "Baris tabel; setiap nilai sebagai teks (JSON untuk objek)"},
    )


class PersonExportSchema(Schema):
    subject = fields.Nested(SubjectSchema)
    generated_at = fields.DateTime()
    sections = fields.List(fields.Nested(SectionSchema))


class EraseInSchema(K3Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(3, 500, error="Alasan 3 sampai 500 karakter."),
        metadata={"description": "Alasan/nomor surat permintaan penghapusan"},
    )


class EraseResultSchema(Schema):
    code = fields.String()
    erased = fields.List(
        fields.String(
            validate=validate.OneOf(["reporter_name", "reporter_phone", "reporter_email"])
        )
    )
    at = fields.DateTime()
