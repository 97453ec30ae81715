"""The query strings of the claim list and of the routes that take its filters, each
read as one model (app.api.query)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, Field

from app.api.deps import Cursor, Limit, SearchQuery
from app.api.query import query_model
from app.models.claim import ClaimSort, DisputeStatus, Rating
from app.models.claim_response import Stance
from app.models.common import IsoDate, IsoDateTime
from app.services.claim_list import ClaimFilters

ActorFilter = Annotated[str | None, Field(max_length=200, description="Actor id or slug.")]


class SortQuery(BaseModel):
    sort: Annotated[ClaimSort, Field(description="Order; a leading '-' is descending.")] = (
        ClaimSort.stated_on_desc
    )


class PageQuery(SortQuery):
    limit: Limit = 50
    cursor: Cursor = None


class ClaimFilterQuery(BaseModel):
    q: SearchQuery = None
    claimant: ActorFilter = None
    accused: ActorFilter = None
    # Named apart from the {actor} path parameter of the routes that also take these filters.
    actor_filter: Annotated[
        str | None,
        Field(
            alias="actor", max_length=200, description="Actor id or slug, as claimant or accused."
        ),
    ] = None
    event: Annotated[str | None, Field(max_length=200, description="Event id or slug.")] = None
    verdict: Rating | None = None
    status: Annotated[
        DisputeStatus | None, Field(description="Dispute status: how the accused answered.")
    ] = None
    stance: Annotated[
        Stance | None, Field(description="Claims with at least one response of this stance.")
    ] = None
    tag: Annotated[str | None, Field(max_length=64)] = None
    language: Annotated[
        str | None, Field(max_length=35, description="Language of the claim's quote (BCP 47).")
    ] = None
    stated_from: Annotated[
        IsoDate | None, Field(description="Stated on or after (YYYY-MM-DD).")
    ] = None
    stated_to: Annotated[IsoDate | None, Field(description="Stated on or before (YYYY-MM-DD).")] = (
        None
    )
    updated_since: Annotated[
        IsoDateTime | None, Field(description="Changed at or after this instant (ISO 8601).")
    ] = None

    def filters(self) -> ClaimFilters:
        # By alias, the fields are ClaimFilters' own ("actor" for actor_filter).
        return ClaimFilters(**self.model_dump(by_alias=True, include=FILTER_FIELDS))


FILTER_FIELDS = set(ClaimFilterQuery.model_fields)
# Each route has always documented sort (and the page) before the filters, and listed
# the filters' problems first: pydantic puts the fields of the last base first, and
# ``reported_first`` orders the problems.
FILTER_PARAMETERS = tuple(f.alias or n for n, f in ClaimFilterQuery.model_fields.items())


class ClaimCsvQuery(ClaimFilterQuery, SortQuery):
    reported_first: ClassVar[tuple[str, ...]] = FILTER_PARAMETERS


class ClaimListQuery(ClaimFilterQuery, PageQuery):
    reported_first: ClassVar[tuple[str, ...]] = FILTER_PARAMETERS


Filters = Annotated[ClaimFilterQuery, query_model(ClaimFilterQuery)]
CsvQuery = Annotated[ClaimCsvQuery, query_model(ClaimCsvQuery)]
ListQuery = Annotated[ClaimListQuery, query_model(ClaimListQuery)]
