"""Validation of import records with the API's own input models.

Each record type extends the write payload the API accepts (``ActorCreate``,
``ClaimCreate``, ...), so that an imported record meets exactly the rules a client's
request meets (lengths, enums, dates, tags, no NUL characters, unknown fields
refused), plus what a record carries and a request never does: its id, version and
timestamps. Related rows are named by id only.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal, Union

from pydantic import Field, StrictInt, TypeAdapter, ValidationError

from app.models.actor import ActorCreate, RelationCreate
from app.models.claim import ClaimCreate, VerdictPut
from app.models.claim_response import ResponseCreate
from app.models.common import InputModel, IsoDateTime, text
from app.models.event import EventCreate
from app.models.evidence import EvidenceCreate
from app.models.source import CitationInput, SourceCreate
from app.services.pagination import MAX_INT64


class RecordMeta(InputModel):
    """Identity, version and timestamps: server-owned in the API, kept by an import."""

    id: uuid.UUID
    version: StrictInt = Field(ge=1, le=MAX_INT64)
    created_at: IsoDateTime
    updated_at: IsoDateTime
    deleted_at: IsoDateTime | None = None


class CitationRecord(CitationInput):
    source_id: uuid.UUID


class ActorRecord(ActorCreate, RecordMeta):
    type: Literal["actor"]


class EventRecord(EventCreate, RecordMeta):
    type: Literal["event"]


class SourceRecord(SourceCreate, RecordMeta):
    type: Literal["source"]
    publisher: uuid.UUID | None = None  # type: ignore[assignment]


class RelationRecord(RelationCreate, RecordMeta):
    type: Literal["relation"]
    subject: uuid.UUID
    object: uuid.UUID  # type: ignore[assignment]


class VerdictRecord(VerdictPut, RecordMeta):
    reviewed_by: text(100) | None = None  # type: ignore[valid-type]
    reviewed_at: IsoDateTime | None = None


class ClaimRecord(ClaimCreate, RecordMeta):
    type: Literal["claim"]
    claimant: uuid.UUID  # type: ignore[assignment]
    accused: list[uuid.UUID] = Field(default_factory=list, max_length=50)  # type: ignore[assignment]
    event: uuid.UUID | None = None  # type: ignore[assignment]
    sources: list[CitationRecord] = Field(default_factory=list, max_length=50)  # type: ignore[assignment]
    verdict: VerdictRecord | None = Field(
        default=None, description="The claim's verdict; a new claim without one is unassessed."
    )


class ResponseRecord(ResponseCreate, RecordMeta):
    type: Literal["response"]
    claim: uuid.UUID
    responder: uuid.UUID  # type: ignore[assignment]
    sources: list[CitationRecord] = Field(default_factory=list, max_length=50)  # type: ignore[assignment]


class EvidenceRecord(EvidenceCreate, RecordMeta):
    type: Literal["evidence"]
    claim: uuid.UUID
    produced_by: uuid.UUID | None = None  # type: ignore[assignment]
    sources: list[CitationRecord] = Field(default_factory=list, max_length=50)  # type: ignore[assignment]


MODELS: dict[str, type[RecordMeta]] = {
    "actor": ActorRecord,
    "event": EventRecord,
    "source": SourceRecord,
    "relation": RelationRecord,
    "claim": ClaimRecord,
    "response": ResponseRecord,
    "evidence": EvidenceRecord,
}
_ADAPTERS = {name: TypeAdapter(model) for name, model in MODELS.items()}
# Every record type at once, told apart by "type": pydantic-core parses and validates the
# line's JSON text in one pass, without building the Python dict first.
_ANY_RECORD: TypeAdapter[RecordMeta] = TypeAdapter(
    Annotated[Union[tuple(MODELS.values())], Field(discriminator="type")]  # type: ignore[arg-type]  # noqa: UP007
)

Record = Annotated[Any, "one of MODELS"]


def validate_json(line: bytes | str) -> RecordMeta | None:
    """The record on a line of JSON text, or None when the line is not a valid record (nor
    anything else: a header, broken JSON); ``validate`` then says what is wrong with it."""
    try:
        return _ANY_RECORD.validate_json(line)
    except ValidationError:
        return None


def validate(type_: str, data: dict[str, Any]) -> RecordMeta:
    """The record as its model, or ValueError naming what is wrong (first three problems)."""
    try:
        return _ADAPTERS[type_].validate_python(data)  # type: ignore[no-any-return]
    except ValidationError as exc:
        problems = []
        for error in exc.errors()[:3]:
            where = ".".join(str(part) for part in error["loc"])
            problems.append(f"{where}: {error['msg']}" if where else error["msg"])
        raise ValueError("; ".join(problems)) from None
