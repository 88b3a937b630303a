"""The input record of the articles topic.

Version 2 adds `author` and `extra` (the fields of the source record that have no place of their own, kept
rather than refused). A version 1 record is read as it is: it has neither, and is upgraded to version 2.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field, JsonValue, field_validator

from schemas.base import AwareDatetime, Record

ARTICLE_SCHEMA_VERSION: Final = 2


class Article(Record):
    """A news article as published on the articles topic (key = id)."""

    schema_version: Literal[1, 2] = ARTICLE_SCHEMA_VERSION
    id: str = Field(min_length=1, max_length=512)
    text: str = Field(min_length=1)
    title: str | None = None
    url: str | None = None
    source: str | None = None
    published: AwareDatetime | None = None
    language: str | None = None
    author: str | None = None
    # Fields of the source record with no place above (NewsAPI's urlToImage, news-please's date_download, ...).
    extra: dict[str, JsonValue] = Field(default_factory=dict)

    @field_validator("schema_version")
    @classmethod
    def _upgrade(cls, value: int) -> int:
        # A v1 record lacks only what v2 added (author, extra): it is the same article, read as v2.
        return ARTICLE_SCHEMA_VERSION

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty or whitespace only")
        return value

    @property
    def full_text(self) -> str:
        """Title and body as the processors read them (the title leads, as in print)."""
        if self.title and not self.text.startswith(self.title):
            return f"{self.title}\n\n{self.text}"
        return self.text
