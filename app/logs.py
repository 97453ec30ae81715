"""Logging: one JSON object per line on stderr (or plain text), each record carrying the
id of the request it was written for.

The request id lives in a context variable set by the request-id middleware, so that a
log call anywhere below it (a route, a service, a thread of the threadpool) is tagged
without passing the id around.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

current_request_id: ContextVar[str | None] = ContextVar("contested_request_id", default=None)

# The attributes every LogRecord has; anything else on a record came in through
# ``extra=`` and is written out as a field of its own.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (the current request's, or None) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id,
    the record's ``extra`` fields, and the traceback as text when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        fields = record.__dict__
        for key in fields.keys() - _STANDARD:  # a set difference: cheaper than a loop
            entry.setdefault(key, fields[key])
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def log_config(level: str, log_format: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the server (uvicorn takes it as ``log_config``):
    every logger, uvicorn's included, writes to stderr through one handler."""
    formatter = (
        {"()": f"{__name__}.JsonFormatter"} if log_format == "json" else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": f"{__name__}.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
        # uvicorn's own loggers carry handlers of their own by default: send them to root.
        "loggers": {
            **{
                name: {"handlers": [], "propagate": True, "level": level.upper()}
                for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
            },
            # Alembic announces its plugins at info each time a worker checks the schema.
            "alembic": {"level": "WARNING"},
        },
    }
