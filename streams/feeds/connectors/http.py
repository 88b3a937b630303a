"""GET with conditional headers, a timeout, a User-Agent naming the project and a per-host concurrency limit."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import streams

MAX_BODY = 20 * 1024 * 1024


def user_agent() -> str:
    return f"newsmon/{streams.version()} (+https://github.com/newsmon; news monitoring feed poller)"


@dataclass(frozen=True)
class Response:
    status: int  # 200, or 304 (not modified)
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None


class HttpError(RuntimeError):
    """A request that failed: the status or the network error, and the URL."""


class HttpClient:
    def __init__(self, timeout_s: float, per_host: int, agent: str | None = None):
        self.timeout_s = timeout_s
        self.agent = agent or user_agent()
        self._limits: dict[str, threading.BoundedSemaphore] = defaultdict(
            lambda: threading.BoundedSemaphore(max(1, per_host)))
        self._lock = threading.Lock()

    def _limit(self, url: str) -> threading.BoundedSemaphore:
        with self._lock:
            return self._limits[urlsplit(url).netloc.lower()]

    def get(self, url: str, cursor: Mapping[str, Any], headers: Mapping[str, str]) -> Response:
        """GET `url`, conditional on the cursor's etag / last_modified. file:// URLs are read too (a local
        copy of a feed): unchanged when their Last-Modified is the cursor's."""
        request_headers = {"User-Agent": self.agent, "Accept-Encoding": "identity", **headers}
        if cursor.get("etag"):
            request_headers["If-None-Match"] = cursor["etag"]
        if cursor.get("last_modified"):
            request_headers["If-Modified-Since"] = cursor["last_modified"]
        request = urllib.request.Request(url, headers=request_headers)
        with self._limit(url):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as resp:  # noqa: S310 - checked scheme
                    body = resp.read(MAX_BODY + 1)
                    status, info = resp.status or 200, resp.headers
            except urllib.error.HTTPError as exc:
                if exc.code == 304:
                    return Response(304, b"", None, cursor.get("etag"), cursor.get("last_modified"))
                raise HttpError(f"{url}: HTTP {exc.code} {exc.reason}") from None
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise HttpError(f"{url}: {reason}") from None
        if len(body) > MAX_BODY:
            raise HttpError(f"{url}: the answer is larger than {MAX_BODY // 1_048_576} MB")
        etag, modified = info.get("ETag"), info.get("Last-Modified")
        if url.lower().startswith("file:") and modified and modified == cursor.get("last_modified"):
            status = 304
        return Response(status, body, info.get("Content-Type"), etag, modified)

