"""What the export routes share: a read snapshot held for a whole streamed response, and
the base URL claims are published under."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection

from app.api.deps import PrincipalDep
from app.config import Settings
from app.db import Database
from app.models.api_key import Role


async def get_snapshot_reader(
    request: Request, principal: PrincipalDep
) -> AsyncIterator[Connection]:
    """A read connection that lives until the last byte of a streamed response is sent
    (the default dependency scope), inside one snapshot, so that an export read in
    batches sees one state of the database: SQLite's deferred transaction gives that,
    PostgreSQL needs REPEATABLE READ (READ COMMITTED takes a new snapshot per statement).
    Reads are public unless CONTESTED_PUBLIC_READ=false, as on every read route."""
    if not request.app.state.settings.public_read:
        principal.require(Role.viewer)
    database: Database = request.app.state.db
    with database.read.connect() as conn:
        if not database.is_sqlite:
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            yield conn


SnapshotReader = Annotated[Connection, Depends(get_snapshot_reader)]


def base_url(request: Request, settings: Settings) -> str:
    """CONTESTED_PUBLIC_BASE_URL, or the base URL this request came to."""
    return (settings.public_base_url or str(request.base_url)).rstrip("/")
