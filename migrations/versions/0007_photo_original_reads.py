"""Who downloaded a photo's original (full EXIF and GPS): an append-only read log

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "photo_original_read",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("kecamatan_id", sa.Integer(), nullable=False),
        sa.Column("photo_id", sa.Uuid(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["kecamatan_id"],
            ["kecamatan.id"],
            name=op.f("fk_photo_original_read_kecamatan_id_kecamatan"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["photo.id"],
            name=op.f("fk_photo_original_read_photo_id_photo"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_photo_original_read_user_id_app_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_original_read")),
    )
    op.create_index(
        "ix_photo_original_read_kecamatan_id",
        "photo_original_read",
        ["kecamatan_id", "id"],
        unique=False,
    )
    op.create_index(
        "ix_photo_original_read_photo", "photo_original_read", ["photo_id"], unique=False
    )
    op.create_index("ix_photo_original_read_user", "photo_original_read", ["user_id"], unique=False)
    # Like the audit log: a read once recorded is never rewritten or removed.
    op.execute(
        """
        CREATE FUNCTION photo_original_read_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'photo_original_read hanya boleh ditambah (append-only)';
        END $$;
        CREATE TRIGGER photo_original_read_append_only
            BEFORE UPDATE OR DELETE ON photo_original_read
            FOR EACH ROW EXECUTE FUNCTION photo_original_read_append_only();
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS photo_original_read_append_only ON photo_original_read")
    op.execute("DROP FUNCTION IF EXISTS photo_original_read_append_only()")
    op.drop_index("ix_photo_original_read_user", table_name="photo_original_read")
    op.drop_index("ix_photo_original_read_photo", table_name="photo_original_read")
    op.drop_index("ix_photo_original_read_kecamatan_id", table_name="photo_original_read")
    op.drop_table("photo_original_read")
