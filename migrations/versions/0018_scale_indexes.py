"""Indexes for city-scale reads (bench/scale.py: 40 kecamatan, 4.4 million reports)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28 22:30:00

Reports arrive in time order, so one zone's (or kecamatan's) reports lie on nearly every
heap page of their years: what reads many of them must read them from an index.

- ix_report_zone_counts replaces ix_report_zone_started (same keys, zone_id and
  started_at) and carries kecamatan_id, type, review_state and violation_total: a zone's
  status counts, its last patrol and the indicator's per-zone counts
  (zone_status.counts_at, stale_zones) read the index alone.
- ix_report_review_queue: the review queue (menunggu, oldest first) of a kecamatan without
  walking its years of accepted reports; small, it holds only what waits.
- ix_report_flagged: the flagged reports of a kecamatan, newest first (a few percent).
- Statistics on (officer_id, kecamatan_id) and (zone_id, kecamatan_id): an officer or a
  zone belongs to one kecamatan, so the planner must not multiply the two selectivities
  (it then chose to read all of an officer's reports for a page of 50).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_report_zone_counts",
        "report",
        ["zone_id", "started_at"],
        postgresql_include=["kecamatan_id", "type", "review_state", "violation_total"],
    )
    op.drop_index("ix_report_zone_started", table_name="report")
    op.create_index(
        "ix_report_review_queue",
        "report",
        ["kecamatan_id", "started_at", "id"],
        postgresql_where="review_state = 'menunggu'",
    )
    op.create_index(
        "ix_report_flagged",
        "report",
        ["kecamatan_id", "started_at", "id"],
        postgresql_where="flags <> '{}'::jsonb",
    )
    op.execute(
        "CREATE STATISTICS st_report_officer_kecamatan (dependencies) "
        "ON officer_id, kecamatan_id FROM report"
    )
    op.execute(
        "CREATE STATISTICS st_report_zone_kecamatan (dependencies) "
        "ON zone_id, kecamatan_id FROM report"
    )


def downgrade() -> None:
    op.execute("DROP STATISTICS st_report_zone_kecamatan")
    op.execute("DROP STATISTICS st_report_officer_kecamatan")
    op.drop_index("ix_report_flagged", table_name="report")
    op.drop_index("ix_report_review_queue", table_name="report")
    op.create_index("ix_report_zone_started", "report", ["zone_id", "started_at"])
    op.drop_index("ix_report_zone_counts", table_name="report")
