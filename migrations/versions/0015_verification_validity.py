"""Assessment rule option: how long a Seksi Trantib verification holds (NULL: until the end
of triwulan I of the year after it; a number: that many days)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "assessment_rule", sa.Column("verification_valid_days", sa.Integer(), nullable=True)
    )
    op.create_check_constraint(
        op.f("ck_assessment_rule_verification_valid_days_range"),
        "assessment_rule",
        "verification_valid_days IS NULL OR verification_valid_days BETWEEN 30 AND 1095",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_assessment_rule_verification_valid_days_range"), "assessment_rule", type_="check"
    )
    op.drop_column("assessment_rule", "verification_valid_days")
