"""Photo processing claim/lease: `photo.claimed_until`, set by the worker that takes a photo
(one UPDATE ... WHERE claimed_until IS NULL OR claimed_until < now()), cleared when it is
done; a crashed worker's lease runs out and the sweeper queues the photo again

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("photo", sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("photo", "claimed_until")
