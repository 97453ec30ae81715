"""stats tallies: counts of live claims kept on write, filled from the existing rows

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 19:56:07.403035
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tally",
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actor.id"], name=op.f("fk_tally_actor_id_actor")
        ),
        sa.PrimaryKeyConstraint("dimension", "key", name=op.f("pk_tally")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "claim_tally",
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("keys", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
            name=op.f("fk_claim_tally_claim_id_claim"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_claim_tally")),
        sqlite_with_rowid=False,
    )

    from app.services.tallies import rebuild

    rebuild(op.get_bind())  # count the claims that already exist


def downgrade() -> None:
    op.drop_table("claim_tally")
    op.drop_table("tally")
