"""What the RSS and JSON-endpoint connectors share: one conditional GET of the source's URL."""

from __future__ import annotations

from streams.feeds.config import Source, resolve_url
from streams.feeds.connectors import Context, Cursor, Document, Fetched, FetchError
from streams.feeds.connectors.http import HttpError


def fetch_url(source: Source, context: Context, cursor: Cursor, kind: str | None) -> Fetched:
    url = resolve_url(source, context.feeds_file)
    try:
        response = context.http.get(url, cursor, source.resolved_headers())
    except HttpError as exc:
        raise FetchError(str(exc)) from None
    new_cursor = {k: v for k, v in (("etag", response.etag), ("last_modified", response.last_modified)) if v}
    if response.status == 304:
        return Fetched([], dict(cursor), not_modified=True)
    return Fetched([Document(url, response.body, kind)], new_cursor, one_answer=True)
