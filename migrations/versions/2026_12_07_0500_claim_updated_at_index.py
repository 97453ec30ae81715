"""claim loses its index on updated_at alone

``ix_claim_updated_at_id`` (updated_at, id) serves every read by updated_at, ranges and
orders alike; the index on updated_at alone, which every other table keeps, repeated it
for claims, and was written with every claim.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 05:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_claim_updated_at", table_name="claim")


def downgrade() -> None:
    op.create_index("ix_claim_updated_at", "claim", ["updated_at"])
