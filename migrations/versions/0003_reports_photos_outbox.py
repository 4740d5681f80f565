"""Reports, their versions and photos; idempotency records; the outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 06:29:43.294728
"""

from collections.abc import Sequence

import geoalchemy2  # noqa: F401
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_unique_constraint("uq_zone_id_kecamatan", "zone", ["id", "kecamatan_id"])
    op.create_table(
        "idempotency_record",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_idempotency_record")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("task", sa.String(length=200), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["id"],
        unique=False,
        postgresql_where=sa.text("dispatched_at IS NULL"),
    )
    op.create_index(
        "uq_outbox_pending_dedup",
        "outbox",
        ["dedup_key"],
        unique=True,
        postgresql_where=sa.text("dispatched_at IS NULL AND dedup_key IS NOT NULL"),
    )
    op.create_geospatial_table(
        "report",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kecamatan_id", sa.Integer(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "patroli",
                "penertiban",
                name="report_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("officer_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column(
            "units",
            postgresql.ARRAY(sa.String(length=32)),
            server_default=sa.text("'{}'::varchar[]"),
            nullable=False,
        ),
        sa.Column("zone_id", sa.Uuid(), nullable=True),
        sa.Column("zone_match", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_offset_min", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_offset_min", sa.Integer(), nullable=True),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "gps",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("gps_accuracy_m", sa.Numeric(precision=8, scale=1), nullable=True),
        sa.Column(
            "findings",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'"),
            nullable=False,
        ),
        sa.Column(
            "actions",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'"),
            nullable=False,
        ),
        sa.Column("violation_total", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("photos_expected", sa.Integer(), nullable=False),
        sa.Column("photos_received", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "status",
            sa.String(length=16),
            sa.Computed(
                "CASE WHEN photos_received >= photos_expected THEN 'lengkap' ELSE 'menunggu_foto' END",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "flags",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "review_state",
            sa.Enum(
                "menunggu",
                "diterima",
                "perlu_perbaikan",
                "ditolak",
                name="review_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="menunggu",
            nullable=False,
        ),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("first_response", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("source", sa.String(length=16), server_default=sa.text("'api'"), nullable=False),
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
            "ended_at IS NULL OR ended_at >= started_at", name=op.f("ck_report_ends_after_start")
        ),
        sa.CheckConstraint(
            "photos_expected BETWEEN 0 AND 10", name=op.f("ck_report_photos_expected_range")
        ),
        sa.CheckConstraint("photos_received >= 0", name=op.f("ck_report_photos_received_positive")),
        sa.CheckConstraint("violation_total >= 0", name=op.f("ck_report_violations_positive")),
        sa.ForeignKeyConstraint(
            ["kecamatan_id"],
            ["kecamatan.id"],
            name=op.f("fk_report_kecamatan_id_kecamatan"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["officer_id", "kecamatan_id"],
            ["app_user.id", "app_user.kecamatan_id"],
            name="fk_report_officer_same_kecamatan",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["team_id", "kecamatan_id"],
            ["team.id", "team.kecamatan_id"],
            name="fk_report_team_same_kecamatan",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["zone_id", "kecamatan_id"],
            ["zone.id", "zone.kecamatan_id"],
            name="fk_report_zone_same_kecamatan",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
        sa.UniqueConstraint("id", "kecamatan_id", name="uq_report_id_kecamatan"),
    )
    op.create_index("ix_report_flags", "report", ["flags"], unique=False, postgresql_using="gin")
    op.create_geospatial_index(
        "ix_report_gps", "report", ["gps"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_index(
        "ix_report_kecamatan_started", "report", ["kecamatan_id", "started_at"], unique=False
    )
    op.create_index(
        "ix_report_officer_started", "report", ["officer_id", "started_at"], unique=False
    )
    op.create_index("ix_report_team_started", "report", ["team_id", "started_at"], unique=False)
    op.create_index("ix_report_zone_started", "report", ["zone_id", "started_at"], unique=False)
    op.create_geospatial_table(
        "photo",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("kecamatan_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "diterima",
                "diproses",
                "gagal",
                name="photo_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("original_key", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("declared_type", sa.String(length=100), nullable=True),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column(
            "exif",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "gps",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("thumb_key", sa.String(length=300), nullable=True),
        sa.Column("web_key", sa.String(length=300), nullable=True),
        sa.Column("phash", sa.BigInteger(), nullable=True),
        sa.Column("phash_bands", postgresql.ARRAY(sa.Integer()), nullable=True),
        sa.Column(
            "flags",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["kecamatan_id"],
            ["kecamatan.id"],
            name=op.f("fk_photo_kecamatan_id_kecamatan"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["report_id", "kecamatan_id"],
            ["report.id", "report.kecamatan_id"],
            name="fk_photo_report_same_kecamatan",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo")),
    )
    op.create_index(
        "ix_photo_phash_bands", "photo", ["phash_bands"], unique=False, postgresql_using="gin"
    )
    op.create_index("ix_photo_report", "photo", ["report_id"], unique=False)
    op.create_index("ix_photo_sha256", "photo", ["sha256"], unique=False)
    op.create_table(
        "report_version",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("review_state", sa.String(length=32), nullable=False),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column(
            "replaced_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_report_version_report_id_report"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("report_id", "version", name=op.f("pk_report_version")),
    )


def downgrade() -> None:
    op.drop_table("report_version")
    op.drop_index("ix_photo_sha256", table_name="photo")
    op.drop_index("ix_photo_report", table_name="photo")
    op.drop_index("ix_photo_phash_bands", table_name="photo", postgresql_using="gin")
    op.drop_geospatial_table("photo")
    op.drop_index("ix_report_zone_started", table_name="report")
    op.drop_index("ix_report_team_started", table_name="report")
    op.drop_index("ix_report_officer_started", table_name="report")
    op.drop_index("ix_report_kecamatan_started", table_name="report")
    op.drop_geospatial_index(
        "ix_report_gps", table_name="report", postgresql_using="gist", column_name="gps"
    )
    op.drop_index("ix_report_flags", table_name="report", postgresql_using="gin")
    op.drop_geospatial_table("report")
    op.drop_index(
        "uq_outbox_pending_dedup",
        table_name="outbox",
        postgresql_where=sa.text("dispatched_at IS NULL AND dedup_key IS NOT NULL"),
    )
    op.drop_index(
        "ix_outbox_pending", table_name="outbox", postgresql_where=sa.text("dispatched_at IS NULL")
    )
    op.drop_table("outbox")
    op.drop_table("idempotency_record")
    op.drop_constraint("uq_zone_id_kecamatan", "zone", type_="unique")
