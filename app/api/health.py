"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from app.services.migrations import is_at_head

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


@router.get("/healthz", operation_id="getHealth")
async def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", operation_id="getReadiness", responses={503: {"model": Health}})
def readyz(request: Request, response: Response) -> Health:
    """The database answers and its schema is at the latest migration."""
    try:
        ready = is_at_head(request.app.state.db.read)
    except Exception:  # any failure to reach the database means "not ready"
        ready = False
    if not ready:
        response.status_code = 503
        return Health(status="unavailable")
    return Health(status="ok")
