"""claim_accused copies its claim's sort date, dispute status and liveness

The accused filter of the claim list then walks one actor's claims in date order on an
index of claim_accused and stops at the page's end, instead of looking up every claim
of the actor (its cost grew with the actor's claims; docs/benchmarks.md). Triggers keep
the copies in step with the claim on every write, whatever path it takes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COPY = (
    "UPDATE claim_accused SET sort_date = c.sort_date, dispute_status = c.dispute_status, "
    "live = (c.deleted_at IS NULL) FROM claim AS c WHERE c.id = claim_accused.claim_id"
)
# The claim's columns whose copies claim_accused keeps.
CHANGED = (
    "OLD.sort_date IS NOT NEW.sort_date OR OLD.dispute_status IS NOT NEW.dispute_status "
    "OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)"
)
TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER claim_accused_copies_claim AFTER INSERT ON claim_accused BEGIN "
        "UPDATE claim_accused SET "
        "sort_date = (SELECT sort_date FROM claim WHERE id = NEW.claim_id), "
        "dispute_status = (SELECT dispute_status FROM claim WHERE id = NEW.claim_id), "
        "live = (SELECT deleted_at IS NULL FROM claim WHERE id = NEW.claim_id) "
        "WHERE claim_id = NEW.claim_id AND actor_id = NEW.actor_id; END",
        "CREATE TRIGGER claim_updates_claim_accused "
        "AFTER UPDATE OF sort_date, dispute_status, deleted_at ON claim "
        f"WHEN {CHANGED} BEGIN "
        "UPDATE claim_accused SET sort_date = NEW.sort_date, "
        "dispute_status = NEW.dispute_status, live = (NEW.deleted_at IS NULL) "
        "WHERE claim_id = NEW.id; END",
    ],
    "postgresql": [
        "CREATE FUNCTION claim_accused_copies_claim() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN SELECT c.sort_date, c.dispute_status, c.deleted_at IS NULL "
        "INTO NEW.sort_date, NEW.dispute_status, NEW.live FROM claim AS c "
        "WHERE c.id = NEW.claim_id; RETURN NEW; END $$",
        "CREATE TRIGGER claim_accused_copies_claim BEFORE INSERT ON claim_accused "
        "FOR EACH ROW EXECUTE FUNCTION claim_accused_copies_claim()",
        "CREATE FUNCTION claim_updates_claim_accused() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN UPDATE claim_accused SET sort_date = NEW.sort_date, "
        "dispute_status = NEW.dispute_status, live = (NEW.deleted_at IS NULL) "
        "WHERE claim_id = NEW.id; RETURN NULL; END $$",
        "CREATE TRIGGER claim_updates_claim_accused "
        "AFTER UPDATE OF sort_date, dispute_status, deleted_at ON claim FOR EACH ROW "
        f"WHEN ({CHANGED.replace('IS NOT', 'IS DISTINCT FROM')}) "
        "EXECUTE FUNCTION claim_updates_claim_accused()",
    ],
}
DROP = {
    "sqlite": [
        "DROP TRIGGER claim_accused_copies_claim",
        "DROP TRIGGER claim_updates_claim_accused",
    ],
    "postgresql": [
        "DROP TRIGGER claim_accused_copies_claim ON claim_accused",
        "DROP FUNCTION claim_accused_copies_claim()",
        "DROP TRIGGER claim_updates_claim_accused ON claim",
        "DROP FUNCTION claim_updates_claim_accused()",
    ],
}


def upgrade() -> None:
    with op.batch_alter_table("claim_accused", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sort_date", sa.Date(), server_default="0001-01-01", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "dispute_status", sa.String(length=16), server_default="unanswered", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("live", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.drop_index(batch_op.f("ix_claim_accused_actor_id"))
        batch_op.create_index(
            "ix_claim_accused_actor_id_sort_date_claim_id",
            ["actor_id", "sort_date", "claim_id", "dispute_status", "live"],
            unique=False,
        )
    op.execute(COPY)
    for statement in TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP[op.get_bind().dialect.name]:
        op.execute(statement)
    with op.batch_alter_table("claim_accused", schema=None) as batch_op:
        batch_op.drop_index("ix_claim_accused_actor_id_sort_date_claim_id")
        batch_op.create_index(batch_op.f("ix_claim_accused_actor_id"), ["actor_id"], unique=False)
        batch_op.drop_column("live")
        batch_op.drop_column("dispute_status")
        batch_op.drop_column("sort_date")
