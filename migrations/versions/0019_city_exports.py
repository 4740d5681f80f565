"""City recap exports in the export queue: an export job is either a kecamatan's LKIP
(kind lkip, kecamatan_id) or a kota's recap (kind kota, kota_id, and the figures' source).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 01:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "export_job",
        sa.Column("kind", sa.String(length=8), server_default=sa.text("'lkip'"), nullable=False),
    )
    op.add_column("export_job", sa.Column("kota_id", sa.Integer(), nullable=True))
    op.add_column("export_job", sa.Column("source", sa.String(length=16), nullable=True))
    op.alter_column("export_job", "kecamatan_id", existing_type=sa.Integer(), nullable=True)
    op.create_foreign_key(
        op.f("fk_export_job_kota_id_kota"),
        "export_job",
        "kota",
        ["kota_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.create_check_constraint(op.f("ck_export_job_kind"), "export_job", "kind IN ('lkip', 'kota')")
    op.create_check_constraint(
        op.f("ck_export_job_one_owner"),
        "export_job",
        "(kind = 'lkip' AND kecamatan_id IS NOT NULL AND kota_id IS NULL AND source IS NULL)"
        " OR (kind = 'kota' AND kota_id IS NOT NULL AND kecamatan_id IS NULL"
        " AND source IS NOT NULL AND source IN ('langsung', 'snapshot'))",
    )


def downgrade() -> None:
    # A kota recap has no kecamatan to belong to before this revision: its jobs go.
    op.execute("DELETE FROM export_job WHERE kind = 'kota'")
    op.drop_constraint(op.f("ck_export_job_one_owner"), "export_job", type_="check")
    op.drop_constraint(op.f("ck_export_job_kind"), "export_job", type_="check")
    op.drop_constraint(op.f("fk_export_job_kota_id_kota"), "export_job", type_="foreignkey")
    op.alter_column("export_job", "kecamatan_id", existing_type=sa.Integer(), nullable=False)
    op.drop_column("export_job", "source")
    op.drop_column("export_job", "kota_id")
    op.drop_column("export_job", "kind")
