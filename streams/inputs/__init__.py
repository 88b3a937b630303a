"""The one input path: every way in (`newsmon publish`, `POST /articles`, `newsmon analyze`, the benchmark's
corpus) reads through these readers and the same admission check, so what is accepted, and the Article and id
it becomes, is the same everywhere.

- sources: files, directories, `-` (stdin), feed URLs -> documents
- formats: a document by kind (json, text, html, feed) -> records
- mapping: a record (NewsAPI, news-please, newspaper, plain) -> Article, unknown keys kept in `extra`
- dates, encoding, html: publication dates, bytes to text, article text out of HTML pages
- `admit`: the worker's own edge check (streams.worker.decode), so nothing accepted here is dead-lettered there
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from schemas import Article, DeadLetter
from streams.inputs.formats import read_document
from streams.inputs.items import ArticleInputError, Item
from streams.inputs.mapping import FIELDS, article_from_mapping
from streams.inputs.sources import KIND_BY_SUFFIX, read_path, read_sources, read_stdin
from streams.worker.decode import Origin, decode_article

__all__ = ["FIELDS", "KIND_BY_SUFFIX", "ArticleInputError", "Item", "admit", "article_from_mapping",
           "articles_or_raise", "kind_for_content_type", "read_document", "read_path", "read_sources",
           "read_stdin"]

_CONTENT_TYPES = {
    "application/json": "json", "application/x-ndjson": "json", "application/jsonl": "json",
    "application/x-jsonlines": "json", "application/ld+json": "json",
    "text/plain": "text", "text/markdown": "text",
    "text/html": "html", "application/xhtml+xml": "html",
    "application/rss+xml": "feed", "application/atom+xml": "feed", "application/rdf+xml": "feed",
    "application/xml": "feed", "text/xml": "feed",
}


def kind_for_content_type(content_type: str | None) -> str | None:
    """The document kind a request's Content-Type names; None (recognise it from the body) for others."""
    if not content_type:
        return None
    return _CONTENT_TYPES.get(content_type.split(";", 1)[0].strip().lower())


def admit(items: Iterable[Item], max_text_bytes: int, topic: str = "news.articles") -> Iterator[Item]:
    """Each article as the worker will read it (control characters stripped), or the error the worker would
    dead-letter it with (oversize, html_rejected, ...), as `reason: detail`."""
    for item in items:
        if item.article is None:
            yield item
            continue
        letter = decode_article(item.article.model_dump_json().encode("utf-8"), Origin(topic=topic),
                                max_text_bytes)
        if isinstance(letter, DeadLetter):
            yield Item(item.where, error=f"{letter.reason}: {letter.detail}")
        else:
            yield Item(item.where, article=letter)


def articles_or_raise(items: Iterable[Item]) -> list[Article]:
    """Every article, or ArticleInputError naming the first input that failed (skipped files are ignored)."""
    out = []
    for item in items:
        if item.article is not None:
            out.append(item.article)
        elif not item.skipped:
            raise ArticleInputError(f"{item.where}: {item.error}")
    return out
