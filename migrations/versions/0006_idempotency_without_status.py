"""Idempotency records keep the first answer, not its HTTP status (the API picks that)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_column("idempotency_record", "status")


def downgrade() -> None:
    # Every record so far answered a create.
    op.add_column(
        "idempotency_record",
        sa.Column("status", sa.Integer(), nullable=False, server_default="201"),
    )
