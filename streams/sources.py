"""Where `newsmon publish` (and POST /articles) get articles from: JSON lines, plain-text files, directories,
RSS/Atom feeds (files or URLs). Each input yields `Item`s: an Article, or an error that says file:line."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemas import Article
from schemas.ids import article_id_for

JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
TEXT_SUFFIXES = {".txt", ".text", ".md"}
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf"}


class ArticleInputError(ValueError):
    """An input that cannot become an Article; the message says what to fix."""


@dataclass(frozen=True)
class Item:
    where: str  # "path:line", "path", "feed-url#n": where to look when it failed
    article: Article | None = None
    error: str | None = None


def article_from_mapping(data: Any) -> Article:
    """A JSON object with at least `text` (optional id, title, url, source, published, language) -> Article.

    Without an id, the id derives from the url, else from the text (schemas.ids.article_id_for)."""
    if not isinstance(data, Mapping):
        raise ArticleInputError(f"expected a JSON object with at least \"text\", got {type(data).__name__}")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ArticleInputError("\"text\" is missing or empty: every article needs its text")
    fields = dict(data)
    fields["id"] = article_id_for(given=data.get("id"), url=data.get("url"), text=text)
    try:
        return Article.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}" for e in exc.errors())
        raise ArticleInputError(problems) from None


def read_jsonl(path: Path) -> Iterator[Item]:
    """One article per line; blank lines and lines starting with # are skipped."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            where = f"{path}:{number}"
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError as exc:
                yield Item(where, error=f"not valid UTF-8 ({exc.reason} at byte {exc.start})")
                continue
            if not line or line.startswith("#"):
                continue
            try:
                data = json.loads(line)
            except ValueError as exc:
                yield Item(where, error=f"not JSON: {exc}")
                continue
            try:
                yield Item(where, article=article_from_mapping(data))
            except ArticleInputError as exc:
                yield Item(where, error=str(exc))


def read_text_file(path: Path) -> Item:
    """One article per file: the first non-blank line is the title, the rest the body."""
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return Item(str(path), error=f"not valid UTF-8 ({exc.reason} at byte {exc.start})")
    lines = content.strip().splitlines()
    if not lines:
        return Item(str(path), error="the file is empty")
    title = lines[0].strip()
    body = "\n".join(lines[1:]).strip() or title
    try:
        return Item(str(path), article=article_from_mapping({"title": title, "text": body}))
    except ArticleInputError as exc:
        return Item(str(path), error=str(exc))


_TAG = re.compile(r"<[^>]+>")


def _plain(markup: str) -> str:
    """Feed summaries are HTML; the processors want text."""
    return " ".join(html.unescape(_TAG.sub(" ", markup)).split())


def _entry_date(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime(*parsed[:6], tzinfo=UTC)


def read_feed(source: str) -> Iterator[Item]:
    """An RSS/Atom feed (file path or http(s) URL): one article per entry."""
    import feedparser

    feed = feedparser.parse(source)
    if feed.bozo and not feed.entries:
        yield Item(source, error=f"not a readable RSS/Atom feed: {feed.get('bozo_exception')}")
        return
    name = feed.feed.get("title") if feed.get("feed") else None
    for number, entry in enumerate(feed.entries, start=1):
        contents = entry.get("content") or []
        body = _plain(contents[0].get("value", "") if contents else entry.get("summary", ""))
        data = {"title": _plain(entry.get("title", "")) or None, "text": body, "url": entry.get("link"),
                "source": name, "published": _entry_date(entry)}
        try:
            article = article_from_mapping({k: v for k, v in data.items() if v})
            yield Item(f"{source}#{number}", article=article)
        except ArticleInputError as exc:
            yield Item(f"{source}#{number}", error=str(exc))


def _looks_like_feed(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(512).lstrip().lower()
    return head.startswith(b"<?xml") or head.startswith(b"<rss") or head.startswith(b"<feed")


def read_path(path: Path) -> Iterator[Item]:
    """A file by its suffix (or content, for feeds), or a directory's files in name order."""
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
            suffix = child.suffix.lower()
            if suffix in JSONL_SUFFIXES | TEXT_SUFFIXES | FEED_SUFFIXES:
                yield from read_path(child)
        return
    if not path.exists():
        yield Item(str(path), error="no such file or directory")
        return
    suffix = path.suffix.lower()
    if suffix in FEED_SUFFIXES or (suffix not in JSONL_SUFFIXES | TEXT_SUFFIXES and _looks_like_feed(path)):
        yield from read_feed(str(path))
    elif suffix in JSONL_SUFFIXES:
        yield from read_jsonl(path)
    else:
        yield read_text_file(path)


def read_sources(sources: Iterable[str]) -> Iterator[Item]:
    """Every input named on the command line, in order: URLs are read as feeds."""
    for source in sources:
        if re.match(r"^https?://", source, re.I):
            yield from read_feed(source)
        else:
            yield from read_path(Path(source))


def _parse_published(value: object, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise ArticleInputError(f"{where}: 'published' is not an ISO date ({value!r}); use YYYY-MM-DD") from exc
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def read_corpus_lines(lines: Iterable[str], source: str) -> Iterator[Article]:
    """Articles from JSON lines that carry their own `id` and `text` (optional `title`, `published`), as
    `newsmon analyze --jsonl` and `newsmon bench --corpus` read them; an ArticleInputError names file:line."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{source}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ArticleInputError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
        if not isinstance(obj, dict) or "id" not in obj or not isinstance(obj.get("text"), str):
            raise ArticleInputError(f"{where}: each line needs an object with 'id' and a string 'text'")
        if not obj["text"].strip():
            raise ArticleInputError(f"{where}: 'text' is empty")
        try:
            yield Article(id=str(obj["id"]), text=obj["text"], title=obj.get("title") or None,
                          published=_parse_published(obj.get("published"), where))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ArticleInputError(f"{where}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
