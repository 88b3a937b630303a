"""The record of the dead-letter topic: what failed, why, where it came from, and its bytes."""

from __future__ import annotations

import base64
from typing import Literal

from pydantic import Field

from schemas.base import AwareDatetime, Record, utcnow

DEADLETTER_REASONS = (
    "not_json",
    "invalid_utf8",
    "wrong_schema",
    "empty_text",
    "oversize",
    "html_rejected",
    "processing_error",
)


class DeadLetter(Record):
    schema_version: Literal[1] = 1
    reason: str
    detail: str
    topic: str
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    original_b64: str
    received_at: AwareDatetime = Field(default_factory=utcnow)

    @property
    def original(self) -> bytes:
        return base64.b64decode(self.original_b64)

    @staticmethod
    def encode(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")
