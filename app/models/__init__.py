"""Table models and their API models. Importing this package registers every table."""

from app.models.actor import Actor, ActorAlias, ActorRelation
from app.models.api_key import ApiKey
from app.models.claim import Claim, Verdict
from app.models.claim_response import ClaimResponse
from app.models.common import metadata
from app.models.event import Event
from app.models.evidence import Evidence
from app.models.idempotency import IdempotencyRecord
from app.models.links import (
    ClaimAccused,
    ClaimSource,
    ClaimTag,
    EvidenceSource,
    RelationSource,
    ResponseSource,
)
from app.models.rate_limit import RateLimitCounter
from app.models.revision import Revision
from app.models.search import SearchDocument
from app.models.source import Source
from app.models.tally import ClaimTally, Tally

__all__ = [
    "Actor",
    "ActorAlias",
    "ActorRelation",
    "ApiKey",
    "Claim",
    "ClaimAccused",
    "ClaimResponse",
    "ClaimSource",
    "ClaimTag",
    "ClaimTally",
    "Event",
    "Evidence",
    "EvidenceSource",
    "IdempotencyRecord",
    "RateLimitCounter",
    "RelationSource",
    "ResponseSource",
    "Revision",
    "SearchDocument",
    "Source",
    "Tally",
    "Verdict",
    "metadata",
]
