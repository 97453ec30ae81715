"""/v1/actors/{actor}/track-record and /v1/stats: the figures dashboards come for."""

from __future__ import annotations

from fastapi import APIRouter

from app.api import query
from app.api.actors import ActorPath
from app.api.claim_queries import Filters
from app.api.deps import Reader
from app.models.views import Stats, TrackRecord
from app.services import track_records

router = APIRouter()


@query.get(
    router, "/v1/actors/{actor}/track-record", operation_id="getActorTrackRecord", tags=["actors"]
)
def actor_track_record(actor: ActorPath, conn: Reader, filters: Filters) -> TrackRecord:
    """What the actor alleged and how it held up (verdicts, dispute status), how it answers
    when accused (denial rate, median response lag), and what became of its denials.
    Takes the claim list's filters."""
    return TrackRecord.model_validate(track_records.track_record(conn, actor, filters.filters()))


@query.get(router, "/v1/stats", operation_id="getStats", tags=["stats"])
def get_stats(conn: Reader, filters: Filters) -> Stats:
    """Counts by dispute status and verdict, claims per month, the most frequent claimants
    and accused, and the median response lag, over the claims matching the filters.
    Without filters they are read from counts kept up to date by every write, at the same
    cost whatever the number of claims; with filters they are aggregated over the
    matching claims (narrow them by actor or event to keep that quick)."""
    return Stats.model_validate(track_records.stats(conn, filters.filters()))
