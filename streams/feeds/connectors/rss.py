"""kind: rss: an RSS or Atom feed at a URL, fetched with If-None-Match / If-Modified-Since. Every fetch returns
the whole feed; which entries are new is decided by the poller from their ids (streams.inputs gives each
entry the id of its link), so an entry seen before is not sent again."""

from __future__ import annotations

from streams.feeds.config import Source
from streams.feeds.connectors import Context, Cursor, Fetched
from streams.feeds.connectors._http_feed import fetch_url


class RssConnector:
    def __init__(self, source: Source, context: Context):
        self.source, self.context = source, context

    def fetch(self, cursor: Cursor) -> Fetched:
        return fetch_url(self.source, self.context, cursor, "feed")
