"""Kecamatan, kelurahan, decrees, zones and Renstra targets

Revision ID: 0001
Revises:
Create Date: 2026-11-28 05:59:48.990913
"""

from collections.abc import Sequence

import geoalchemy2  # noqa: F401
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_geospatial_table(
        "kecamatan",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kota", sa.String(length=200), nullable=False),
        sa.Column(
            "extent",
            Geometry(
                geometry_type="POLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("is_sample", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kecamatan")),
        sa.UniqueConstraint("slug", name=op.f("uq_kecamatan_slug")),
    )
    op.create_table(
        "decree",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kecamatan_id", sa.Integer(), nullable=False),
        sa.Column("nomor", sa.String(length=200), nullable=False),
        sa.Column("tanggal", sa.Date(), nullable=False),
        sa.Column("perihal", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "berlaku",
                "dicabut",
                name="decree_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("amends_id", sa.Uuid(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(status = 'dicabut') = (revoked_on IS NOT NULL)",
            name=op.f("ck_decree_revoked_on_matches_status"),
        ),
        sa.CheckConstraint(
            "amends_id IS NULL OR amends_id <> id", name=op.f("ck_decree_not_self_amending")
        ),
        sa.ForeignKeyConstraint(
            ["amends_id", "kecamatan_id"],
            ["decree.id", "decree.kecamatan_id"],
            name="fk_decree_amends_same_kecamatan",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["kecamatan_id"],
            ["kecamatan.id"],
            name=op.f("fk_decree_kecamatan_id_kecamatan"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decree")),
        sa.UniqueConstraint("id", "kecamatan_id", name="uq_decree_id_kecamatan"),
        sa.UniqueConstraint("kecamatan_id", "nomor", name=op.f("uq_decree_kecamatan_id_nomor")),
    )
    op.create_table(
        "kelurahan",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("kecamatan_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["kecamatan_id"],
            ["kecamatan.id"],
            name=op.f("fk_kelurahan_kecamatan_id_kecamatan"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kelurahan")),
        sa.UniqueConstraint("id", "kecamatan_id", name="uq_kelurahan_id_kecamatan"),
        sa.UniqueConstraint("kecamatan_id", "slug", name=op.f("uq_kelurahan_kecamatan_id_slug")),
    )
    op.create_table(
        "renstra_target",
        sa.Column("kecamatan_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("target_pct", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "target_pct BETWEEN 0 AND 100", name=op.f("ck_renstra_target_pct_range")
        ),
        sa.ForeignKeyConstraint(
            ["kecamatan_id"],
            ["kecamatan.id"],
            name=op.f("fk_renstra_target_kecamatan_id_kecamatan"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("kecamatan_id", "year", name=op.f("pk_renstra_target")),
    )
    op.create_table(
        "decree_attachment",
        sa.Column("decree_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column(
            "uploaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["decree_id"],
            ["decree.id"],
            name=op.f("fk_decree_attachment_decree_id_decree"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("decree_id", name=op.f("pk_decree_attachment")),
    )
    op.create_geospatial_table(
        "zone",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kecamatan_id", sa.Integer(), nullable=False),
        sa.Column("decree_id", sa.Uuid(), nullable=False),
        sa.Column("kelurahan_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kategori",
            sa.Enum(
                "merah",
                "kuning",
                name="zone_kategori",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "geom",
            Geometry(
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("radius_m", sa.Integer(), nullable=False),
        sa.Column(
            "monitoring_area",
            Geometry(
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            sa.Computed("ST_Buffer(geom::geography, radius_m)::geometry", persisted=True),
            nullable=False,
        ),
        sa.Column("target_year", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_reason", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("is_sample", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "GeometryType(geom) IN ('POINT','LINESTRING','POLYGON','MULTIPOINT','MULTILINESTRING','MULTIPOLYGON')",
            name=op.f("ck_zone_geom_type"),
        ),
        sa.CheckConstraint(
            "active = (retired_at IS NULL)", name=op.f("ck_zone_retired_matches_active")
        ),
        sa.CheckConstraint("radius_m BETWEEN 0 AND 5000", name=op.f("ck_zone_radius_range")),
        sa.CheckConstraint(
            "target_year IS NULL OR target_year BETWEEN 2000 AND 2100", name=op.f("ck_zone_year")
        ),
        sa.ForeignKeyConstraint(
            ["decree_id", "kecamatan_id"],
            ["decree.id", "decree.kecamatan_id"],
            name="fk_zone_decree_same_kecamatan",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["kecamatan_id"],
            ["kecamatan.id"],
            name=op.f("fk_zone_kecamatan_id_kecamatan"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["kelurahan_id", "kecamatan_id"],
            ["kelurahan.id", "kelurahan.kecamatan_id"],
            name="fk_zone_kelurahan_same_kecamatan",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zone")),
        sa.UniqueConstraint("decree_id", "name", name=op.f("uq_zone_decree_id_name")),
    )
    op.create_geospatial_index(
        "ix_zone_geom", "zone", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_index("ix_zone_kecamatan_active", "zone", ["kecamatan_id", "active"], unique=False)
    op.create_geospatial_index(
        "ix_zone_monitoring_area",
        "zone",
        ["monitoring_area"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )


def downgrade() -> None:
    op.drop_geospatial_index(
        "ix_zone_monitoring_area",
        table_name="zone",
        postgresql_using="gist",
        column_name="monitoring_area",
    )
    op.drop_index("ix_zone_kecamatan_active", table_name="zone")
    op.drop_geospatial_index(
        "ix_zone_geom", table_name="zone", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("zone")
    op.drop_table("decree_attachment")
    op.drop_table("renstra_target")
    op.drop_table("kelurahan")
    op.drop_table("decree")
    op.drop_geospatial_table("kecamatan")
