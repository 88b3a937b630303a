"""What every reader yields: an article, an error that says where and why, or a file skipped and why."""

from __future__ import annotations

from dataclasses import dataclass

from schemas import Article


class ArticleInputError(ValueError):
    """An input that cannot become an Article; the message says what to fix."""


@dataclass(frozen=True)
class Item:
    where: str  # "path:line", "path[3]", "feed-url#n", "<stdin>": where to look when it failed
    article: Article | None = None
    error: str | None = None  # why it failed, or why it was skipped
    skipped: bool = False  # a file not read at all (unknown type, hidden): named, but not a failure

    @property
    def failed(self) -> bool:
        return self.article is None and not self.skipped
