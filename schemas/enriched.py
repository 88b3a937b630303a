"""The record of the enriched topic: an article with what the processors found."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.article import Article
from schemas.base import AwareDatetime, Record, utcnow
from schemas.nlp import Analysis


class EnrichedArticle(Record):
    schema_version: Literal[1] = 1
    article: Article
    analysis: Analysis
    processed_at: AwareDatetime = Field(default_factory=utcnow)
    # Broker timestamp (ms) of the input record, carried for end-to-end latency.
    source_timestamp_ms: int | None = None
