"""Assessment rule options: open complaints count as violations, and the days without a
patrol after which a zone is flagged; the channels by which staff record a complaint

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# ComplaintChannel: the public form and Open311, and how a complaint staff record reached
# the office (POST /api/v1/complaints).
_CHANNELS_BEFORE = ("formulir", "open311")
_CHANNELS = (*_CHANNELS_BEFORE, "telepon", "whatsapp", "langsung", "surat", "lainnya")


def _channels(values: tuple[str, ...]) -> None:
    op.drop_constraint(op.f("ck_complaint_complaint_channel"), "complaint", type_="check")
    op.create_check_constraint(
        op.f("ck_complaint_complaint_channel"),
        "complaint",
        "channel IN (" + ", ".join(f"'{v}'" for v in values) + ")",
    )


revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "assessment_rule",
        sa.Column(
            "complaints_violate", sa.Boolean(), server_default=sa.text("true"), nullable=False
        ),
    )
    op.add_column(
        "assessment_rule",
        sa.Column("stale_days", sa.Integer(), server_default=sa.text("7"), nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_assessment_rule_stale_days_range"),
        "assessment_rule",
        "stale_days BETWEEN 1 AND 90",
    )
    _channels(_CHANNELS)


def downgrade() -> None:
    _channels(_CHANNELS_BEFORE)
    op.drop_constraint(
        op.f("ck_assessment_rule_stale_days_range"), "assessment_rule", type_="check"
    )
    op.drop_column("assessment_rule", "stale_days")
    op.drop_column("assessment_rule", "complaints_violate")
