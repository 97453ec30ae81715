"""Column types, enums and the row base shared by every table."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

import uuid6
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)
from sqlalchemy import DateTime, MetaData, String, TypeDecorator, event
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

# Constraint names that Alembic can drop by name on both databases.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def new_id() -> uuid.UUID:
    """A time-ordered UUIDv7, so that ids sort in creation order."""
    return uuid.UUID(int=uuid6.uuid7().int)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Precision(StrEnum):
    """How much of a date is known: journalists often know only the month or the year."""

    day = "day"
    month = "month"
    year = "year"


UNDATED = date(1, 1, 1)


def sort_date(known: date | None) -> date:
    """The date a row sorts by: its own, or 0001-01-01 when unknown (undated rows sort oldest)."""
    return known or UNDATED


def default_precision(on: date | None, precision: Precision | str | None) -> str | None:
    """A date without a precision is exact to the day; no date has no precision."""
    if on is None:
        return None
    return Precision(precision or Precision.day).value


def keep_dates_consistent(model: Any, *fields: str, sort_by: str | None = None) -> None:
    """On every flush: a date without a precision is exact to the day, no date has no
    precision, and ``sort_date`` (when ``sort_by`` names a field) follows that date."""

    @event.listens_for(model, "before_insert")
    @event.listens_for(model, "before_update")
    def _sync(_mapper: Any, _connection: Any, target: Any) -> None:
        for name in fields:
            precision = default_precision(
                getattr(target, name), getattr(target, f"{name}_precision")
            )
            setattr(target, f"{name}_precision", precision)
        if sort_by is not None:
            target.sort_date = sort_date(getattr(target, sort_by))


class Reliability(StrEnum):
    """Admiralty source reliability: A completely reliable ... E unreliable, F cannot be judged."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"


def enum_check(column: str, enum: type[StrEnum]) -> str:
    """SQL for a CHECK constraint that keeps ``column`` inside ``enum``."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return f"{column} IN ({values})"


def enum_type(length: int = 32) -> Any:
    return String(length)


class Row(SQLModel):
    """Columns every mutable table has: identity, optimistic version, audit, soft delete."""

    id: uuid.UUID = SQLField(default_factory=new_id, primary_key=True)
    version: int = SQLField(default=1, nullable=False)
    created_at: datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = SQLField(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True
    )
    deleted_at: datetime | None = SQLField(default=None, sa_type=UTCDateTime)
    created_by: uuid.UUID | None = SQLField(default=None, foreign_key="api_key.id")


# ---- input field types shared by the write models ---------------------------------------


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def text(max_length: int, min_length: int = 1) -> Any:
    """A stripped, NUL-free string between ``min_length`` and ``max_length`` characters."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
    ]


Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=1, max_length=100),
    Field(examples=["fsb"]),
]
Country = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2}$"),
    Field(description="ISO 3166-1 alpha-2 code.", examples=["RU"]),
]
Language = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$", max_length=35),
    Field(description="BCP 47 language tag.", examples=["ru"]),
]
WikidataId = Annotated[str, StringConstraints(pattern=r"^Q[1-9][0-9]{0,11}$")]
Reference = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_nul),
    Field(description="A row named by its UUID or, for actors and events, its slug."),
]
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}.*")


def _iso_date_text(value: Any) -> Any:
    """Only the ISO text form: pydantic alone would read 0 or "1.5" as a Unix timestamp,
    which the OpenAPI document (``format: date``) does not promise."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("must be an ISO 8601 date, YYYY-MM-DD")


def _iso_datetime_text(value: Any) -> Any:
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATETIME.fullmatch(value)):
        return value
    raise ValueError("must be an ISO 8601 date and time, such as 2021-02-01T12:00:00Z")


IsoDate = Annotated[
    date, BeforeValidator(_iso_date_text), Field(description="ISO 8601 date, YYYY-MM-DD.")
]
IsoDateTime = Annotated[
    datetime,
    BeforeValidator(_iso_datetime_text),
    Field(description="ISO 8601 date and time; UTC if it has no offset."),
]


class InputModel(BaseModel):
    """Base of every request body: unknown fields (and so server-owned ones) are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class OutputModel(BaseModel):
    """Base of every response body."""

    # A field with a default is still always sent, so the OpenAPI document marks it
    # required: generated clients then type it ``int``, not "int or absent".
    model_config = ConfigDict(
        from_attributes=True, json_schema_serialization_defaults_required=True
    )


ItemT = TypeVar("ItemT")


class Page(BaseModel, Generic[ItemT]):
    """A page of a list; pass ``next_cursor`` back as ``?cursor=`` for the next one.

    Subclass it per resource (``class ClaimPage(Page[ClaimSummary])``) so that the
    OpenAPI schema gets a readable name.
    """

    items: list[ItemT]
    next_cursor: str | None = Field(
        description="Opaque cursor of the next page, or null on the last page."
    )
