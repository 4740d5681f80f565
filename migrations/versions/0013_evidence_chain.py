"""Evidence chain: an append-only hash chain over report versions, photos, reviews, zone
status changes, verifications and indicator snapshots

Writers insert unsealed entries (kind, ref, payload_hash) in their own transaction; a
sealer later assigns consecutive positions and entry hashes under one advisory lock, so
writers never wait on each other.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chain_entry",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("kecamatan_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("entry_hash", sa.String(length=64), nullable=True),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_entry")),
        sa.UniqueConstraint("position", name=op.f("uq_chain_entry_position")),
        sa.CheckConstraint(
            "(position IS NULL) = (entry_hash IS NULL)", name=op.f("ck_chain_entry_sealed")
        ),
    )
    op.create_index("ix_chain_entry_ref", "chain_entry", ["kind", "ref", "id"], unique=False)
    op.create_index(
        "ix_chain_entry_unsealed",
        "chain_entry",
        ["id"],
        unique=False,
        postgresql_where=sa.text("position IS NULL"),
    )
    # Append-only: no DELETE ever; the only UPDATE allowed is the sealer's one-time fill of
    # position/prev_hash/entry_hash/sealed_at on a row that has none, leaving the rest as is.
    op.execute(
        """
        CREATE FUNCTION chain_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE'
               AND OLD.position IS NULL AND OLD.entry_hash IS NULL
               AND NEW.position IS NOT NULL AND NEW.entry_hash IS NOT NULL
               AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.kind = OLD.kind
               AND NEW.ref = OLD.ref AND NEW.payload_hash = OLD.payload_hash
               AND NEW.kecamatan_id IS NOT DISTINCT FROM OLD.kecamatan_id THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'chain_entry hanya boleh ditambah (append-only)';
        END $$;
        CREATE TRIGGER chain_entry_append_only
            BEFORE UPDATE OR DELETE ON chain_entry
            FOR EACH ROW EXECUTE FUNCTION chain_entry_append_only();
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS chain_entry_append_only ON chain_entry")
    op.execute("DROP FUNCTION IF EXISTS chain_entry_append_only()")
    op.drop_index("ix_chain_entry_unsealed", table_name="chain_entry")
    op.drop_index("ix_chain_entry_ref", table_name="chain_entry")
    op.drop_table("chain_entry")
