"""Assessment rules, zone status and its history, indicator snapshots, manual years

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 07:07:22.948313
"""

from collections.abc import Sequence

import geoalchemy2  # noqa: F401
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessment_rule",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("kecamatan_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("min_penertiban", sa.Integer(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("min_patrols", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "min_patrols >= 0 AND min_penertiban >= 0",
            name=op.f("ck_assessment_rule_counts_positive"),
        ),
        sa.CheckConstraint(
            "window_days BETWEEN 1 AND 366", name=op.f("ck_assessment_rule_window_range")
        ),
        sa.ForeignKeyConstraint(
            ["kecamatan_id"],
            ["kecamatan.id"],
            name=op.f("fk_assessment_rule_kecamatan_id_kecamatan"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_rule")),
        sa.UniqueConstraint(
            "kecamatan_id", "version", name=op.f("uq_assessment_rule_kecamatan_id_version")
        ),
    )
    op.create_table(
        "indicator_manual",
        sa.Column("kecamatan_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("target_pct", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("realisasi_pct", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("capaian_pct", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["kecamatan_id"],
            ["kecamatan.id"],
            name=op.f("fk_indicator_manual_kecamatan_id_kecamatan"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("kecamatan_id", "year", name=op.f("pk_indicator_manual")),
    )
    op.create_table(
        "indicator_snapshot",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kecamatan_id", sa.Integer(), nullable=False),
        sa.Column("period_kind", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("zones_designated", sa.Integer(), nullable=False),
        sa.Column("zones_tertib", sa.Integer(), nullable=False),
        sa.Column("realisasi_pct", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("target_pct", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("zones_needed", sa.Integer(), nullable=True),
        sa.Column("capaian_pct", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("zones", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("approved_by", sa.Uuid(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "period_kind IN ('month', 'quarter', 'year')", name=op.f("ck_indicator_snapshot_kind")
        ),
        sa.ForeignKeyConstraint(
            ["kecamatan_id"],
            ["kecamatan.id"],
            name=op.f("fk_indicator_snapshot_kecamatan_id_kecamatan"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_snapshot")),
    )
    op.create_index(
        "ix_indicator_snapshot_period",
        "indicator_snapshot",
        ["kecamatan_id", "period_kind", "period_start"],
        unique=False,
    )
    op.create_table(
        "zone_status",
        sa.Column("zone_id", sa.Uuid(), nullable=False),
        sa.Column("kecamatan_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "belum_tertib",
                "dalam_penertiban",
                "layak_tertib",
                "tertib",
                name="zone_status_value",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "kategori",
            sa.Enum(
                "baik",
                "cukup",
                "kurang",
                name="tertib_kategori",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("evidence", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_by", sa.Uuid(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verification_note", sa.Text(), nullable=True),
        sa.Column(
            "verified_without_evidence",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["kecamatan_id"],
            ["kecamatan.id"],
            name=op.f("fk_zone_status_kecamatan_id_kecamatan"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"], ["zone.id"], name=op.f("fk_zone_status_zone_id_zone"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("zone_id", name=op.f("pk_zone_status")),
    )
    op.create_table(
        "zone_status_change",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("zone_id", sa.Uuid(), nullable=False),
        sa.Column("kecamatan_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("kategori", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("evidence", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["kecamatan_id"],
            ["kecamatan.id"],
            name=op.f("fk_zone_status_change_kecamatan_id_kecamatan"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["zone.id"],
            name=op.f("fk_zone_status_change_zone_id_zone"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zone_status_change")),
    )
    op.create_index(
        "ix_zone_status_change_zone_at", "zone_status_change", ["zone_id", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_zone_status_change_zone_at", table_name="zone_status_change")
    op.drop_table("zone_status_change")
    op.drop_table("zone_status")
    op.drop_index("ix_indicator_snapshot_period", table_name="indicator_snapshot")
    op.drop_table("indicator_snapshot")
    op.drop_table("indicator_manual")
    op.drop_table("assessment_rule")
