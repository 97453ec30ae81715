"""Idempotency keys: a POST retried with the same key gets the first answer again.

The rules (DESIGN §4, RELIABILITY R7-R11), with no HTTP in them:

* A key is 1-255 printable ASCII characters (0x20-0x7E), scoped to the API key that
  sent it: two callers may use the same key without ever seeing each other's answers.
* The request is fingerprinted (SHA-256 of method, path, query and body). The same key
  with another fingerprint is refused (422), not replayed: the client has a bug, and
  answering with the response to a different request would hide it. 422 rather than
  Zalando's 400 because the request is well-formed; it conflicts with what the key
  already stands for (the IETF idempotency-key draft and Stripe choose the same).
* The first request claims the key in a short transaction of its own (``in_flight``);
  a second one arriving meanwhile gets 409 and may retry. When the first completes
  with a status below 500 its status, a few headers and its body are kept (``done``) and
  replayed byte for byte; a 5xx (or a crash of the handler) releases the key, so that a
  retry runs again.
* A record older than the TTL is forgotten: the key is treated as new.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.db import Database
from app.errors import BadRequest, IdempotencyKeyInFlight, IdempotencyKeyReused, ProblemItem
from app.models.idempotency import IdempotencyRecord, IdempotencyState

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Response headers worth replaying; the rest (date, server, request id) belong to
# the response that carries them, not to the result.
KEPT_HEADERS = frozenset({"content-type", "etag", "location", "cache-control"})


@dataclass(frozen=True)
class StoredResponse:
    """What a client saw the first time: status, the headers that matter, the body bytes."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Claimed:
    """The key is new: the caller runs the request, then ``complete``s or ``release``s it."""

    record_id: int


@dataclass(frozen=True)
class Replay:
    """The key has a stored response for the same request: send it again."""

    response: StoredResponse


def _invalid(detail: str) -> BadRequest:
    return BadRequest(
        f"invalid {HEADER}: {detail}", errors=[ProblemItem(detail=detail, parameter=HEADER)]
    )


def valid_key(values: list[str]) -> str:
    """The one ``Idempotency-Key`` value, or 400 naming the header.

    ``values`` are the header's values as received (decoded as Latin-1, as ASGI does).
    """
    if len(values) != 1:
        raise _invalid("send the header once")
    # Whitespace around a field value is not part of it (RFC 9110 §5.5).
    value = values[0].strip(" \t")
    if not value:
        raise _invalid("must not be empty")
    if len(value) > MAX_KEY_LENGTH:
        raise _invalid(f"at most {MAX_KEY_LENGTH} characters")
    if not all(" " <= ch <= "~" for ch in value):
        raise _invalid("only printable ASCII characters (0x20-0x7E) are allowed")
    return value


def fingerprint(method: str, path: bytes, query: bytes, body: bytes) -> str:
    """SHA-256 over the request; each part is length-prefixed, so no two requests collide
    by moving bytes from one part to the next."""
    digest = hashlib.sha256()
    for part in (method.encode("ascii"), path, query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def claim(
    db: Database,
    key_id: uuid.UUID,
    key: str,
    request_hash: str,
    now: datetime,
    ttl: timedelta,
) -> Claimed | Replay:
    """Claim ``key`` for this request, or find what it already stands for.

    Raises ``IdempotencyKeyReused`` (422) when the key was used for another request and
    ``IdempotencyKeyInFlight`` (409) while the first request with it is still running.
    """
    try:
        with db.unit_of_work() as session:
            row = session.execute(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.key_id == key_id,
                    IdempotencyRecord.idempotency_key == key,
                )
            ).scalar_one_or_none()
            if row is not None and row.created_at <= now - ttl:
                session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == row.id))
                row = None
            if row is not None:
                return _existing(row, request_hash)
            record = IdempotencyRecord(
                key_id=key_id,
                idempotency_key=key,
                request_hash=request_hash,
                state=IdempotencyState.in_flight.value,
                created_at=now,
            )
            session.add(record)
            session.flush()
            assert record.id is not None
            return Claimed(record.id)
    except IntegrityError:
        # Another request inserted the same key between our read and our insert
        # (PostgreSQL; SQLite's BEGIN IMMEDIATE serialises the two): it owns the key.
        raise _in_flight() from None


def _in_flight() -> IdempotencyKeyInFlight:
    return IdempotencyKeyInFlight(
        f"a request with this {HEADER} is still being processed; retry in a moment",
        headers={"Retry-After": "1"},
    )


def _existing(row: IdempotencyRecord, request_hash: str) -> Replay:
    if row.request_hash != request_hash:
        raise IdempotencyKeyReused(
            f"this {HEADER} was already used for a different request (another path, "
            "query or body); use a new key for a new request",
            errors=[ProblemItem(detail="already used for a different request", parameter=HEADER)],
        )
    if row.state != IdempotencyState.done.value or row.status is None:
        raise _in_flight()
    headers = [(str(name), str(value)) for name, value in json.loads(row.response_headers or "[]")]
    return Replay(StoredResponse(row.status, headers, row.response_body or b""))


def complete(db: Database, record_id: int, response: StoredResponse) -> None:
    """Keep the response of a claimed key, for its retries."""
    kept = [(name, value) for name, value in response.headers if name.lower() in KEPT_HEADERS]
    with db.unit_of_work() as session:
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == record_id)
            .values(
                state=IdempotencyState.done.value,
                status=response.status,
                response_headers=json.dumps(kept),
                response_body=response.body,
            )
        )


def release(db: Database, record_id: int) -> None:
    """Forget a claimed key whose request failed (5xx), so that a retry runs it again."""
    with db.unit_of_work() as session:
        session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))


def purge_expired(db: Database, now: datetime, ttl: timedelta) -> int:
    """Delete every record older than the TTL; returns how many went."""
    with db.unit_of_work() as session:
        result = session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= now - ttl)
        )
        return int(result.rowcount or 0)
