"""A local HTTP server for the feed tests: 127.0.0.1, a port of its own, answering from what the test sets
(body, ETag / Last-Modified, failures to give first, a header it requires), recording every request. It is
bounded: it stops by itself after `max_requests` requests or `lifetime_s` seconds, whichever comes first."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    at: float
    status: int


@dataclass
class Script:
    body: bytes = b""
    content_type: str = "application/rss+xml"
    etag: str | None = None
    last_modified: str | None = None
    fail_next: int = 0  # answer this many requests with `fail_status` first
    fail_status: int = 500
    require_header: tuple[str, str] | None = None  # (name, value), else 401
    delay_s: float = 0.0  # hold each answer this long (for the concurrency test)


@dataclass
class FeedServer:
    max_requests: int = 50
    lifetime_s: float = 120.0
    script: Script = field(default_factory=Script)
    requests: list[Seen] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                # In flight: from the request's arrival until its answer starts (a client only sends the next
                # request to this host once it has read the answer, so this never overlaps under a limit of 1).
                with server._lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    status, headers, body = server._answer(self)
                    if server.script.delay_s:
                        time.sleep(server.script.delay_s)
                finally:
                    with server._lock:
                        server.in_flight -= 1
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                finally:
                    if len(server.requests) >= server.max_requests:
                        threading.Thread(target=server.stop, daemon=True).start()

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True)
        self._timer = threading.Timer(self.lifetime_s, self.stop)
        self._timer.daemon = True
        self._stopped = False

    def url(self, path: str = "/feed") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> FeedServer:
        self._thread.start()
        self._timer.start()
        return self

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._timer.cancel()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        s = self.script
        headers = {k: v for k, v in handler.headers.items()}
        with self._lock:
            if s.require_header and handler.headers.get(s.require_header[0]) != s.require_header[1]:
                status: int = 401
            elif s.fail_next > 0:
                s.fail_next -= 1
                status = s.fail_status
            elif (s.etag and handler.headers.get("If-None-Match") == s.etag) or (
                    not s.etag and s.last_modified and handler.headers.get("If-Modified-Since") == s.last_modified):
                status = 304
            else:
                status = 200
            self.requests.append(Seen(handler.path, headers, time.monotonic(), status))
        if status != 200:
            return status, {}, b""
        out = {"Content-Type": s.content_type}
        if s.etag:
            out["ETag"] = s.etag
        if s.last_modified:
            out["Last-Modified"] = s.last_modified
        return 200, out, s.body


def rss(*items: tuple[str, str, str]) -> bytes:
    """An RSS 2.0 document of (title, link, description) items."""
    entries = "".join(f"<item><title>{t}</title><link>{link}</link><description>{d}</description></item>"
                      for t, link, d in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Test Desk</title>'
            f"<link>https://desk.example.net/</link>{entries}</channel></rss>").encode()
