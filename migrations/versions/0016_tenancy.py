"""Kota tenancy and kecamatan onboarding: a `kota` table (BPS code, name, province) owns
its kecamatan; kota-level users (kota, the new admin_kota) carry kota_id; a kecamatan's
service area may be a MultiPolygon

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROLES_BEFORE = ("petugas", "trantib", "pimpinan", "admin", "kota")
_ROLES = (*_ROLES_BEFORE, "admin_kota")
# Kota names already in kecamatan.kota that have a known BPS code; any other name gets a
# placeholder code 99nn (to be corrected by hand: the code is what onboarding matches on).
_KNOWN = {"Kota Bekasi": ("3275", "Jawa Barat")}


def _roles(values: tuple[str, ...]) -> None:
    op.drop_constraint(op.f("ck_app_user_user_role"), "app_user", type_="check")
    op.create_check_constraint(
        op.f("ck_app_user_user_role"),
        "app_user",
        "role IN (" + ", ".join(f"'{v}'" for v in values) + ")",
    )


def upgrade() -> None:
    op.create_table(
        "kota",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("kode", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("provinsi", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("kode ~ '^[0-9]{4}$'", name=op.f("ck_kota_kode_bps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kota")),
        sa.UniqueConstraint("kode", name=op.f("uq_kota_kode")),
    )
    # Data: one kota row per distinct kecamatan.kota text.
    for name, (kode, provinsi) in _KNOWN.items():
        op.execute(
            sa.text(
                "INSERT INTO kota (kode, name, provinsi) SELECT :kode, :name, :provinsi "
                "WHERE EXISTS (SELECT 1 FROM kecamatan WHERE kota = :name)"
            ).bindparams(kode=kode, name=name, provinsi=provinsi)
        )
    op.execute(
        "INSERT INTO kota (kode, name, provinsi) "
        "SELECT '99' || lpad(row_number() OVER (ORDER BY kota)::text, 2, '0'), kota, '-' "
        "FROM (SELECT DISTINCT kota FROM kecamatan "
        "      WHERE kota NOT IN (SELECT name FROM kota)) AS k"
    )
    op.add_column("kecamatan", sa.Column("kota_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE kecamatan SET kota_id = (SELECT id FROM kota WHERE kota.name = kecamatan.kota)"
    )
    op.alter_column("kecamatan", "kota_id", nullable=False)
    op.create_foreign_key(
        op.f("fk_kecamatan_kota_id_kota"),
        "kecamatan",
        "kota",
        ["kota_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.create_index(op.f("ix_kecamatan_kota_id"), "kecamatan", ["kota_id"], unique=False)
    op.drop_column("kecamatan", "kota")
    op.alter_column(
        "kecamatan",
        "extent",
        type_=Geometry("MULTIPOLYGON", srid=4326, spatial_index=False),
        postgresql_using="ST_Multi(extent)",
    )

    _roles(_ROLES)
    op.add_column("app_user", sa.Column("kota_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_app_user_kota_id_kota"),
        "app_user",
        "kota",
        ["kota_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    # Existing city readers belong to the (first) kota of the deployment.
    op.execute("UPDATE app_user SET kota_id = (SELECT min(id) FROM kota) WHERE role = 'kota'")
    op.drop_constraint(op.f("ck_app_user_kota_has_no_kecamatan"), "app_user", type_="check")
    op.create_check_constraint(
        op.f("ck_app_user_kota_has_no_kecamatan"),
        "app_user",
        "(role IN ('kota', 'admin_kota')) = (kecamatan_id IS NULL)",
    )
    op.create_check_constraint(
        op.f("ck_app_user_kota_role_has_kota"),
        "app_user",
        "(role IN ('kota', 'admin_kota')) = (kota_id IS NOT NULL)",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_app_user_kota_role_has_kota"), "app_user", type_="check")
    op.drop_constraint(op.f("ck_app_user_kota_has_no_kecamatan"), "app_user", type_="check")
    # A city administrator falls back to a city reader (the role 0015 knows).
    op.execute("UPDATE app_user SET role = 'kota' WHERE role = 'admin_kota'")
    op.create_check_constraint(
        op.f("ck_app_user_kota_has_no_kecamatan"),
        "app_user",
        "(role = 'kota') = (kecamatan_id IS NULL)",
    )
    op.drop_constraint(op.f("fk_app_user_kota_id_kota"), "app_user", type_="foreignkey")
    op.drop_column("app_user", "kota_id")
    _roles(_ROLES_BEFORE)

    # A multi-part service area keeps its outline (the envelope of its parts).
    op.alter_column(
        "kecamatan",
        "extent",
        type_=Geometry("POLYGON", srid=4326, spatial_index=False),
        postgresql_using=(
            "CASE WHEN ST_NumGeometries(extent) = 1 THEN ST_GeometryN(extent, 1) "
            "ELSE ST_Envelope(extent) END"
        ),
    )
    op.add_column("kecamatan", sa.Column("kota", sa.String(length=200), nullable=True))
    op.execute(
        "UPDATE kecamatan SET kota = (SELECT name FROM kota WHERE kota.id = kecamatan.kota_id)"
    )
    op.alter_column("kecamatan", "kota", nullable=False)
    op.drop_index(op.f("ix_kecamatan_kota_id"), table_name="kecamatan")
    op.drop_constraint(op.f("fk_kecamatan_kota_id_kota"), "kecamatan", type_="foreignkey")
    op.drop_column("kecamatan", "kota_id")
    op.drop_table("kota")
