"""The page count of a decree scan, read by parsing the PDF when it is uploaded

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 14:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Null for scans stored before the check: they were never parsed.
    op.add_column("decree_attachment", sa.Column("page_count", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("decree_attachment", "page_count")
