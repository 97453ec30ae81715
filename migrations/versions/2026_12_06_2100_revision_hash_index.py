"""revision hashes unique by a named index instead of a table constraint

A bulk import into empty tables (app.services.import_bulk) drops the indexes of what it
loads and builds them once at the end, by sorting. SQLite cannot drop the index behind a
UNIQUE table constraint, so every revision's hash went into a B-tree at a random place,
row by row, and at a million claims (7 million revisions) that index outgrew the
import's page cache (docs/benchmarks.md). As an index of its own, the bulk load drops
it too, and CREATE UNIQUE INDEX checks the hashes again when it builds it. On SQLite the
revision table is copied once, with its rows, to lose the constraint, and its
append-only triggers are created again.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite drops a table's triggers with it, and a batch operation copies the table.
SQLITE_APPEND_ONLY = [
    "CREATE TRIGGER revision_no_update BEFORE UPDATE ON revision "
    "BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END",
    "CREATE TRIGGER revision_no_delete BEFORE DELETE ON revision "
    "BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END",
]


def _restore_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_APPEND_ONLY:
            op.execute(statement)


def upgrade() -> None:
    with op.batch_alter_table("revision") as batch_op:
        batch_op.drop_constraint("uq_revision_hash", type_="unique")
        batch_op.create_index("uq_revision_hash", ["hash"], unique=True)
    _restore_triggers()


def downgrade() -> None:
    with op.batch_alter_table("revision") as batch_op:
        batch_op.drop_index("uq_revision_hash")
        batch_op.create_unique_constraint("uq_revision_hash", ["hash"])
    _restore_triggers()
