"""One document (a file's bytes, stdin, a request body) -> Items, by its kind: json, text, html or feed.

The kind comes from a file's suffix or a request's Content-Type; without one it is recognised from the content.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Iterator
from typing import Any

from streams.inputs import html
from streams.inputs.dates import parse_date
from streams.inputs.encoding import decode
from streams.inputs.items import ArticleInputError, Item
from streams.inputs.mapping import article_from_fields, article_from_mapping
from streams.worker.decode import is_html_page

KINDS = ("json", "text", "html", "feed")
_FEED_HEAD = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]", re.I)


def _item(where: str, make: Any, *args: Any) -> Item:
    try:
        return Item(where, article=make(*args))
    except ArticleInputError as exc:
        return Item(where, error=str(exc))


def _records(data: Any, where: str) -> Iterator[Item]:
    """A JSON value: one object, an array of them, or an envelope {"articles": [...]} (a NewsAPI response)."""
    if isinstance(data, list):
        for index, record in enumerate(data):
            yield _item(f"{where}[{index}]", article_from_mapping, record)
    elif isinstance(data, dict) and isinstance(data.get("articles"), list):
        for index, record in enumerate(data["articles"]):
            yield _item(f"{where}:articles[{index}]", article_from_mapping, record)
    else:
        yield _item(where, article_from_mapping, data)


def _json_lines(text: str) -> list[tuple[int, str]] | None:
    """The numbered lines of JSON-lines text (blank and # lines left out), or None if no line is JSON."""
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1)]
    lines = [(n, line) for n, line in lines if line and not line.startswith("#")]
    for _, line in lines:
        try:
            if isinstance(json.loads(line), dict | list):
                return lines
        except ValueError:
            continue
    return None


def read_json(text: str, where: str) -> Iterator[Item]:
    """A JSON document (object, array, {"articles": [...]}) or JSON lines, one record a line (`where:line`)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        lines = _json_lines(text)
        if lines is None:
            yield Item(where, error=f"not JSON: {exc}")
            return
        for number, line in lines:
            try:
                value = json.loads(line)
            except ValueError as line_exc:
                yield Item(f"{where}:{number}", error=f"not JSON: {line_exc}")
                continue
            yield from _records(value, f"{where}:{number}")
        return
    yield from _records(data, where)


def read_text(text: str, where: str) -> Item:
    """One article: the first non-blank line is the title, the rest the body."""
    lines = text.strip().splitlines()
    if not lines:
        return Item(where, error="the input is empty")
    title = lines[0].strip()
    body = "\n".join(lines[1:]).strip() or title
    return _item(where, article_from_fields, {"title": title, "text": body, "extra": {}})


def read_html(text: str, where: str) -> Item:
    """One article: the page's text and metadata (title, canonical URL, site name, author, date)."""
    try:
        fields = html.extract(text)
        if "published" in fields:
            fields["published"] = parse_date(fields["published"], "the page's date")
    except ArticleInputError as exc:
        return Item(where, error=str(exc))
    return _item(where, article_from_fields, {**fields, "extra": {}})


_TAG = re.compile(r"<[^>]+>")


def _plain(markup: str) -> str:
    """Feed summaries are HTML; the processors want text."""
    return " ".join(html_lib.unescape(_TAG.sub(" ", markup)).split())


_RSS_AUTHOR = re.compile(r"^\S+@\S+\s+\((?P<name>[^)]+)\)$")  # RSS 2.0: "desk@example.org (Name)"


def _author(value: str | None) -> str | None:
    if not value:
        return None
    match = _RSS_AUTHOR.match(value.strip())
    return match.group("name").strip() if match else value.strip()


def _entry_fields(entry: Any, feed_name: str | None) -> dict[str, Any]:
    contents = entry.get("content") or []
    body = _plain(contents[0].get("value", "") if contents else entry.get("summary", ""))
    date = entry.get("published") or entry.get("updated")
    return {"title": _plain(entry.get("title", "")) or None, "text": body, "url": entry.get("link"),
            "source": feed_name, "author": _author(entry.get("author")),
            "published": parse_date(date, "pubDate") if date else None, "extra": {}}


def read_feed(document: bytes | str, where: str) -> Iterator[Item]:
    """An RSS/Atom feed (its bytes, or an http(s) URL): one article per entry (`where#n`)."""
    import feedparser

    feed = feedparser.parse(document)
    if feed.bozo and not feed.entries:
        yield Item(where, error=f"not a readable RSS/Atom feed: {feed.get('bozo_exception')}")
        return
    name = feed.feed.get("title") if feed.get("feed") else None
    for number, entry in enumerate(feed.entries, start=1):
        try:
            fields = _entry_fields(entry, name)
        except ArticleInputError as exc:
            yield Item(f"{where}#{number}", error=str(exc))
            continue
        yield _item(f"{where}#{number}", article_from_fields, fields)


def sniff(text: str) -> str:
    """The kind of a document from its first characters."""
    head = text.lstrip()[:1024]
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "").lstrip()
    if first[:1] in ("{", "["):  # JSON, or JSON lines after # comment lines
        return "json"
    if head.startswith("<?xml") or head.startswith("<rss") or head.startswith("<feed"):
        return "feed" if _FEED_HEAD.search(head.encode()) else "html"
    return "html" if is_html_page(text) else "text"


def _is_feed(raw: bytes) -> bool:
    """XML markup naming an RSS or Atom root near the start (NULs dropped so UTF-16 is seen too)."""
    head = raw[:2048].replace(b"\x00", b"").lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n")
    return head.startswith(b"<") and _FEED_HEAD.search(head) is not None


_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_.:-]+)", re.I)


def _declared_charset(raw: bytes) -> str | None:
    """An HTML page's text in the charset its <meta> declares (older pages are often windows-1252), or None."""
    head = raw[:4096]
    match = _META_CHARSET.search(head)
    if match is None or not is_html_page(head.decode("ascii", errors="replace")):
        return None
    try:
        return raw.decode(match.group(1).decode("ascii"))
    except (LookupError, UnicodeDecodeError):
        return None


def read_document(raw: bytes, where: str, kind: str | None = None) -> Iterator[Item]:
    """Items from one document's bytes; `kind` (json, text, html, feed) when known, else recognised."""
    if kind == "feed" or (kind is None and _is_feed(raw)):
        yield from read_feed(raw, where)  # feedparser reads the XML's own encoding declaration
        return
    try:
        text = decode(raw)
    except ArticleInputError as exc:
        declared = _declared_charset(raw) if kind in (None, "html") else None
        if declared is None:
            yield Item(where, error=str(exc))
            return
        text, kind = declared, "html"
    kind = kind or sniff(text)
    if kind == "json":
        yield from read_json(text, where)
    elif kind == "html":
        yield read_html(text, where)
    elif kind == "feed":
        yield from read_feed(raw, where)
    else:
        yield read_text(text, where)
