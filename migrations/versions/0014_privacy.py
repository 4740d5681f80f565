"""Privacy: the public (blurred) photo and its boxes, retention settings and tombstones;
the retention job may delete old rows of the original-read log

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _kecamatan_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["kecamatan_id"],
        ["kecamatan.id"],
        name=op.f(f"fk_{table}_kecamatan_id_kecamatan"),
        ondelete="RESTRICT",
    )


def upgrade() -> None:
    op.create_table(
        "photo_public",
        sa.Column("photo_id", sa.Uuid(), nullable=False),
        sa.Column("photo_kind", sa.String(length=16), nullable=False),
        sa.Column("kecamatan_id", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.String(length=300), nullable=False),
        sa.Column("public_thumb_key", sa.String(length=300), nullable=False),
        sa.Column("web_width", sa.Integer(), nullable=False),
        sa.Column("web_height", sa.Integer(), nullable=False),
        sa.Column("detector", sa.String(length=200), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("boxes", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint(
            "photo_kind IN ('laporan', 'pengaduan')", name=op.f("ck_photo_public_photo_kind")
        ),
        _kecamatan_fk("photo_public"),
        sa.PrimaryKeyConstraint("photo_id", name=op.f("pk_photo_public")),
    )
    op.create_index("ix_photo_public_kecamatan", "photo_public", ["kecamatan_id"], unique=False)

    op.create_table(
        "photo_blur_box",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kecamatan_id", sa.Integer(), nullable=False),
        sa.Column("photo_id", sa.Uuid(), nullable=False),
        sa.Column("photo_kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("detector", sa.String(length=100), nullable=True),
        sa.Column("score", sa.Numeric(precision=10, scale=3), nullable=True),
        sa.Column("x", sa.Integer(), nullable=False),
        sa.Column("y", sa.Integer(), nullable=False),
        sa.Column("w", sa.Integer(), nullable=False),
        sa.Column("h", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "photo_kind IN ('laporan', 'pengaduan')", name=op.f("ck_photo_blur_box_photo_kind")
        ),
        sa.CheckConstraint(
            "source IN ('deteksi', 'manual')", name=op.f("ck_photo_blur_box_source")
        ),
        sa.CheckConstraint(
            "x >= 0 AND y >= 0 AND w > 0 AND h > 0", name=op.f("ck_photo_blur_box_box_positive")
        ),
        sa.CheckConstraint(
            "x + w <= 20000 AND y + h <= 20000", name=op.f("ck_photo_blur_box_box_bounded")
        ),
        _kecamatan_fk("photo_blur_box"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_blur_box")),
    )
    op.create_index("ix_photo_blur_box_photo", "photo_blur_box", ["photo_id", "id"], unique=False)

    op.create_table(
        "retention_setting",
        sa.Column("kecamatan_id", sa.Integer(), nullable=False),
        sa.Column("originals_years", sa.Integer(), nullable=False),
        sa.Column("derivatives_years", sa.Integer(), nullable=False),
        sa.Column("contact_days", sa.Integer(), nullable=False),
        sa.Column("access_log_days", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "originals_years BETWEEN 1 AND 30", name=op.f("ck_retention_setting_originals_range")
        ),
        sa.CheckConstraint(
            "derivatives_years BETWEEN 1 AND 30",
            name=op.f("ck_retention_setting_derivatives_range"),
        ),
        sa.CheckConstraint(
            "contact_days BETWEEN 30 AND 3650", name=op.f("ck_retention_setting_contact_range")
        ),
        sa.CheckConstraint(
            "access_log_days BETWEEN 90 AND 3650",
            name=op.f("ck_retention_setting_access_log_range"),
        ),
        _kecamatan_fk("retention_setting"),
        sa.PrimaryKeyConstraint("kecamatan_id", name=op.f("pk_retention_setting")),
    )

    op.create_table(
        "retention_tombstone",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kecamatan_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column(
            "object_keys",
            postgresql.ARRAY(sa.String(length=300)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("rows", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "rule",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "category IN ('asli', 'turunan', 'kontak', 'log_akses')",
            name=op.f("ck_retention_tombstone_category"),
        ),
        _kecamatan_fk("retention_tombstone"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_tombstone")),
        sa.UniqueConstraint(
            "entity", "entity_id", "category", name=op.f("uq_retention_tombstone_once")
        ),
    )
    op.create_index(
        "ix_retention_tombstone_kecamatan",
        "retention_tombstone",
        ["kecamatan_id", "id"],
        unique=False,
    )
    # Tombstones are a record of deletions: never rewritten or removed.
    op.execute(
        """
        CREATE FUNCTION retention_tombstone_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'retention_tombstone hanya boleh ditambah (append-only)';
        END $$;
        CREATE TRIGGER retention_tombstone_append_only
            BEFORE UPDATE OR DELETE ON retention_tombstone
            FOR EACH ROW EXECUTE FUNCTION retention_tombstone_append_only();
        """
    )
    # The original-read log stays append-only, except that the retention job (which sets
    # k3.retention for its own transaction only, and leaves a tombstone) may delete rows
    # older than the kecamatan's access-log period. Updates are still refused.
    op.execute(
        """
        CREATE OR REPLACE FUNCTION photo_original_read_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND current_setting('k3.retention', true) = 'on' THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'photo_original_read hanya boleh ditambah (append-only)';
        END $$;
        """
    )


def downgrade() -> None:
    op.execute(
        """
        CREATE OR REPLACE FUNCTION photo_original_read_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'photo_original_read hanya boleh ditambah (append-only)';
        END $$;
        """
    )
    op.execute(
        "DROP TRIGGER IF EXISTS retention_tombstone_append_only ON retention_tombstone;"
        "DROP FUNCTION IF EXISTS retention_tombstone_append_only();"
    )
    op.drop_index("ix_retention_tombstone_kecamatan", table_name="retention_tombstone")
    op.drop_table("retention_tombstone")
    op.drop_table("retention_setting")
    op.drop_index("ix_photo_blur_box_photo", table_name="photo_blur_box")
    op.drop_table("photo_blur_box")
    op.drop_index("ix_photo_public_kecamatan", table_name="photo_public")
    op.drop_table("photo_public")
