"""Kelurahan boundaries: the map's reference layer and the open-data collection

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 16:10:00
"""

from collections.abc import Sequence

import geoalchemy2  # noqa: F401
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Multipolygon: a kelurahan may own an island of land across a river or road.
    op.add_column(
        "kelurahan",
        sa.Column(
            "boundary",
            Geometry("MULTIPOLYGON", srid=4326, spatial_index=False),
            nullable=True,
        ),
    )
    # Drawn boundaries (sample data) are approximate and must say so wherever shown.
    op.add_column(
        "kelurahan",
        sa.Column("boundary_approximate", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("kelurahan", sa.Column("boundary_source", sa.String(500), nullable=True))
    op.create_index("ix_kelurahan_boundary", "kelurahan", ["boundary"], postgresql_using="gist")


def downgrade() -> None:
    op.drop_index("ix_kelurahan_boundary", table_name="kelurahan")
    op.drop_column("kelurahan", "boundary_source")
    op.drop_column("kelurahan", "boundary_approximate")
    op.drop_column("kelurahan", "boundary")
