"""A test-only app whose startup always fails, to show that a server whose workers keep
dying stops instead of starting them again forever (tests/test_serving.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    raise RuntimeError("this app never starts")
    yield


app = FastAPI(lifespan=lifespan)
