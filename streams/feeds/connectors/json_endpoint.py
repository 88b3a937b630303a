"""kind: json: an HTTP endpoint answering JSON in a format streams.inputs reads (a NewsAPI response
{"articles": [...]}, an array of records, one record, or JSON lines), with the source's headers (an API key by
environment variable name) and the same conditional GET as an RSS feed."""

from __future__ import annotations

from streams.feeds.config import Source
from streams.feeds.connectors import Context, Cursor, Fetched
from streams.feeds.connectors._http_feed import fetch_url


class JsonEndpointConnector:
    def __init__(self, source: Source, context: Context):
        self.source, self.context = source, context

    def fetch(self, cursor: Cursor) -> Fetched:
        return fetch_url(self.source, self.context, cursor, "json")
