"""The input record of the articles topic."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field, field_validator

from schemas.base import AwareDatetime, Record

ARTICLE_SCHEMA_VERSION: Final = 1


class Article(Record):
    """A news article as published on the articles topic (key = id)."""

    schema_version: Literal[1] = ARTICLE_SCHEMA_VERSION
    id: str = Field(min_length=1, max_length=512)
    text: str = Field(min_length=1)
    title: str | None = None
    url: str | None = None
    source: str | None = None
    published: AwareDatetime | None = None
    language: str | None = None

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
