"""schema.org ClaimReview, as the API publishes it for fact-check aggregators.

These models describe the JSON-LD (their field names are schema.org's property names)
so that the OpenAPI document and generated clients know its shape; the values are built
by ``app.services.claimreview``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_ORG = "https://schema.org"


class SchemaOrgModel(BaseModel):
    """Base of the JSON-LD models: ``@type`` and ``@context`` are read and written by alias."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class ClaimReviewParty(SchemaOrgModel):
    """A schema.org Person or Organization: who made a claim, published a source or a review."""

    type: Literal["Organization", "Person"] = Field(
        alias="@type",
        description="Person for an actor of kind `person`; Organization for every other kind.",
    )
    name: str = Field(description="The actor's or organisation's name.")
    url: str | None = Field(default=None, description="Its web site, when known.")
    sameAs: str | None = Field(
        default=None, description="Its Wikidata page, when the actor has a wikidata_id."
    )


class ClaimReviewAppearance(SchemaOrgModel):
    """A schema.org CreativeWork: one source the claim was published in."""

    type: Literal["CreativeWork"] = Field(alias="@type", description="Always CreativeWork.")
    name: str = Field(description="The source's title.")
    url: str | None = Field(default=None, description="The source's URL, when it has one.")
    datePublished: str | None = Field(
        default=None,
        description="When the source was published, cut to its precision: YYYY-MM-DD, "
        "YYYY-MM or YYYY.",
    )
    publisher: ClaimReviewParty | None = Field(
        default=None, description="The source's publisher, when known."
    )
    inLanguage: str | None = Field(
        default=None, description="The source's language (BCP 47), when known."
    )


class ClaimReviewClaim(SchemaOrgModel):
    """A schema.org Claim: the statement that was reviewed, as its claimant made it."""

    type: Literal["Claim"] = Field(alias="@type", description="Always Claim.")
    author: ClaimReviewParty = Field(description="The claimant.")
    datePublished: str | None = Field(
        default=None,
        description="When the claim was stated, cut to its precision: YYYY-MM-DD, YYYY-MM "
        "(known to the month) or YYYY (known to the year); absent when unknown.",
    )
    appearance: list[ClaimReviewAppearance] = Field(
        description="The sources the claim was published in, in citation order."
    )


class ClaimReviewRating(SchemaOrgModel):
    """A schema.org Rating: the verdict on a 1 (refuted) to 5 (substantiated) scale."""

    type: Literal["Rating"] = Field(alias="@type", description="Always Rating.")
    ratingValue: int = Field(
        description="refuted 1, misleading 2, disputed / unverified / unprovable 3, "
        "substantiated 5 (4 is not used)."
    )
    bestRating: int = Field(description="The best value of the scale: 5.")
    worstRating: int = Field(description="The worst value of the scale: 1.")
    alternateName: str = Field(description="The verdict in words, e.g. Refuted.")


class ClaimReview(SchemaOrgModel):
    """A schema.org ClaimReview of one claim that has a verdict other than unassessed."""

    context: Literal["https://schema.org"] = Field(
        alias="@context", description="The schema.org JSON-LD context."
    )
    type: Literal["ClaimReview"] = Field(alias="@type", description="Always ClaimReview.")
    url: str = Field(description="The claim's canonical URL.")
    claimReviewed: str = Field(description="The claim's proposition.")
    itemReviewed: ClaimReviewClaim = Field(description="The claim as its claimant made it.")
    author: ClaimReviewParty = Field(
        description="The organisation publishing the review (CONTESTED_PUBLISHER_NAME)."
    )
    datePublished: str | None = Field(
        default=None, description="When the verdict was given (UTC date and time, ISO 8601)."
    )
    reviewRating: ClaimReviewRating = Field(description="The verdict as a rating.")
    reviewBody: str | None = Field(
        default=None, description="The verdict's rationale, when one was written."
    )
