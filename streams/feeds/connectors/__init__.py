"""The connector seam: one small interface every kind of feed implements.

    connector.fetch(cursor) -> Fetched(documents, cursor, not_modified)

`cursor` is what the previous fetch returned (a JSON-able dict; {} the first time): ETag and Last-Modified for
an HTTP feed, the files already read for a directory. A connector only FETCHES: it returns raw documents
(bytes + the kind streams.inputs should read them as) and the cursor to persist. The poller reads the documents
through the one input path, publishes the new articles, and only then persists the returned cursor, so a crash
between the two re-reads rather than loses (and the content-derived ids recognise what was already sent).

A further kind of feed is a new module here with a class like these three and a line in `CONNECTORS`; then
`kind: <name>` in feeds.yaml (and the kind in streams/feeds/config.py). See docs/feeds.md.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from streams.feeds.config import Source
from streams.feeds.connectors.http import HttpClient

Cursor = Mapping[str, Any]


class FetchError(RuntimeError):
    """The source could not be read this time (network, HTTP status, missing directory); retried with backoff."""


@dataclass(frozen=True)
class Document:
    where: str  # what errors name: the URL, the file
    raw: bytes
    kind: str | None = None  # json | text | html | feed, as streams.inputs.read_document takes; None: recognise


@dataclass(frozen=True)
class Fetched:
    documents: list[Document]
    cursor: dict[str, Any] = field(default_factory=dict)  # persisted once the documents' articles are sent
    not_modified: bool = False  # the source said nothing changed (HTTP 304, same Last-Modified)
    # The documents are one answer of the source (an HTTP body): if nothing in it is readable (an error page
    # instead of the feed), the poll failed and is retried with backoff. False (a directory's files): each
    # unreadable document is dead-lettered once and the cursor moves on.
    one_answer: bool = False


class Connector(Protocol):
    def fetch(self, cursor: Cursor) -> Fetched: ...


@dataclass(frozen=True)
class Context:
    """What a connector is built with: the HTTP client (timeout, User-Agent, per-host limit) and where
    feeds.yaml is (directory paths are relative to it)."""

    http: HttpClient
    feeds_file: str


# kind -> "module:Class"; imported when a source of that kind is built.
CONNECTORS = {
    "rss": "streams.feeds.connectors.rss:RssConnector",
    "directory": "streams.feeds.connectors.directory:DirectoryConnector",
    "json": "streams.feeds.connectors.json_endpoint:JsonEndpointConnector",
}


def build(source: Source, context: Context) -> Connector:
    module, _, name = CONNECTORS[source.kind].partition(":")
    cls = getattr(importlib.import_module(module), name)
    return cls(source, context)  # type: ignore[no-any-return]
