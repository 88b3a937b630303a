"""`newsmon feeds run`: poll each source on its interval, send what is new once, dead-letter what is refused.

One poll of a source (`Poller.poll`): the connector fetches documents since the stored cursor; they are read
through streams.inputs (read_document + admit, the worker's own edge check) like `newsmon publish`; refused
items go to the dead-letter topic with the reason; articles whose id or canonical URL the database has seen
before are left out; the rest are published (key = article id) and, once the broker has acknowledged them,
recorded as sent together with the new cursor. A failed poll keeps the cursor and is retried after an
exponential backoff with jitter (tenacity's wait_exponential_jitter); a success returns to the interval.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from tenacity import wait_exponential_jitter

from schemas import Article, DeadLetter
from schemas.deadletter import DEADLETTER_REASONS
from schemas.ids import canonical_url
from storage.errors import StorageError
from storage.feeds import FeedState
from streams.feeds.config import Source
from streams.feeds.connectors import Connector, Context, Fetched, FetchError, build
from streams.inputs import Item, admit, read_document
from streams.worker.metrics import FeedMetrics

log = logging.getLogger("newsmon.feeds")


@dataclass(frozen=True)
class PollResult:
    source: str
    ok: bool
    not_modified: bool = False
    seen: int = 0
    new: int = 0
    rejected: int = 0
    error: str | None = None
    refused: tuple[tuple[str, str], ...] = ()  # (where, reason) of each refused item


class Sink:
    """Where a poll's output goes: the articles topic and the dead-letter topic (a kafka-python producer)."""

    def __init__(self, producer: Any, articles_topic: str, deadletter_topic: str):
        self.producer, self.articles_topic, self.deadletter_topic = producer, articles_topic, deadletter_topic

    def publish(self, articles: Sequence[Article]) -> None:
        """Send and wait for the broker's acknowledgement of every article (raises if one is not sent)."""
        futures = [self.producer.send(self.articles_topic, key=a.id.encode(),
                                      value=a.model_dump_json().encode("utf-8")) for a in articles]
        self.producer.flush()
        for future in futures:
            future.get(timeout=30)

    def dead_letter(self, letters: Sequence[DeadLetter]) -> None:
        futures = [self.producer.send(self.deadletter_topic, key=(letter.key or "").encode() or None,
                                      value=letter.model_dump_json().encode("utf-8")) for letter in letters]
        self.producer.flush()
        for future in futures:
            future.get(timeout=30)


def reason_of(error: str) -> str:
    """The dead-letter reason (schemas.deadletter) of an input error's message."""
    head = error.split(":", 1)[0].strip()
    if head in DEADLETTER_REASONS:
        return head
    lowered = error.lower()
    if lowered.startswith("not json") or "not a readable rss" in lowered:
        return "not_json" if lowered.startswith("not json") else "wrong_schema"
    if "utf-8" in lowered or "decode" in lowered or "encoding" in lowered:
        return "invalid_utf8"
    if "empty" in lowered or "no article text" in lowered:
        return "empty_text"
    return "wrong_schema"


def _backoff(initial_s: float, max_s: float) -> wait_exponential_jitter:
    """initial * 2^(n-1) plus up to `initial` of jitter, at most `max` in all, for the n-th failure in a row. Newer
    tenacity releases name `initial` `multiplier`; both are in the range pyproject.toml allows."""
    if "multiplier" in inspect.signature(wait_exponential_jitter).parameters:
        return wait_exponential_jitter(multiplier=initial_s, max=max_s, jitter=initial_s)
    return wait_exponential_jitter(initial=initial_s, max=max_s, jitter=initial_s)


class Poller:
    def __init__(self, sources: Sequence[Source], context: Context, state: FeedState, sink: Sink,
                 metrics: FeedMetrics, *, max_text_bytes: int, backoff_initial_s: float, backoff_max_s: float,
                 concurrency: int = 8, connectors: dict[str, Connector] | None = None):
        self.sources = list(sources)
        self.state, self.sink, self.metrics = state, sink, metrics
        self.max_text_bytes = max_text_bytes
        self.connectors = connectors or {s.name: build(s, context) for s in self.sources}
        self.concurrency = concurrency
        self._failures: dict[str, int] = {}  # failed polls in a row, as last recorded
        self._wait = _backoff(backoff_initial_s, backoff_max_s)
        for source in self.sources:
            metrics.interval.labels(source.name).set(source.interval)
            stored = state.source(source.name)
            metrics.consecutive_failures.labels(source.name).set(stored.consecutive_failures)
            if stored.last_success_at is not None:
                metrics.last_success.labels(source.name).set(stored.last_success_at.timestamp())
            for outcome in ("seen", "new", "rejected"):
                metrics.items.labels(source.name, outcome)
            for result in ("ok", "not_modified", "error"):
                metrics.fetches.labels(source.name, result)

    # -- one poll -------------------------------------------------------------------------------------------

    def fetch(self, source: Source) -> Fetched | FetchError:
        cursor = self.state.source(source.name).cursor
        started = time.monotonic()
        try:
            return self.connectors[source.name].fetch(cursor)
        except FetchError as exc:
            return exc
        except Exception as exc:  # noqa: BLE001 - a connector's bug must not stop the other sources
            return FetchError(f"{type(exc).__name__}: {exc}")
        finally:
            self.metrics.fetch_seconds.labels(source.name).observe(time.monotonic() - started)

    def poll(self, source: Source) -> PollResult:
        return self.handle(source, self.fetch(source))

    def handle(self, source: Source, fetched: Fetched | FetchError) -> PollResult:
        """Read, dead-letter, de-duplicate, publish and record one fetch's outcome; a database or broker outage
        on the way is a failed poll (retried), never an exception that stops the other sources."""
        try:
            return self._handle(source, fetched)
        except StorageError as exc:
            return self._failed(source, f"database: {exc}")

    def _handle(self, source: Source, fetched: Fetched | FetchError) -> PollResult:
        name = source.name
        if isinstance(fetched, FetchError):
            return self._failed(source, str(fetched))
        if fetched.not_modified:
            self.state.record(name, cursor=fetched.cursor, ok=True)
            self._succeeded(name, "not_modified")
            return PollResult(name, ok=True, not_modified=True)
        raws = {d.where: d.raw for d in fetched.documents}
        items = [item for item in admit(self._read(fetched), self.max_text_bytes, self.sink.articles_topic)
                 if not item.skipped]
        refused = [item for item in items if item.failed]
        articles = self._unique([item.article for item in items if item.article is not None])
        if fetched.one_answer and not articles and refused and all(i.where in raws for i in refused):
            # Nothing readable in the answer at all (an error page instead of the feed): the source is failing;
            # the reason is the poll's error (log, `newsmon feeds list`, metrics), and the next poll retries.
            return self._failed(source, f"nothing readable: {refused[0].error}")
        try:
            candidates = [(a.id, canonical_url(a.url) if a.url else None) for a in articles]
            unseen = self.state.unseen(candidates)
            new = [a for a in articles if a.id in unseen]
            self._dead_letter(source, refused, raws)
            self.sink.publish(new)
            self.state.mark_sent(name, [(a.id, canonical_url(a.url) if a.url else None) for a in new])
        except Exception as exc:  # noqa: BLE001 - the broker or database is down: retried like a fetch error
            return self._failed(source, f"not sent: {exc}")
        self.state.record(name, cursor=fetched.cursor, ok=True, new=len(new), rejected=len(refused))
        self.metrics.items.labels(name, "seen").inc(len(items))
        self.metrics.items.labels(name, "new").inc(len(new))
        self.metrics.items.labels(name, "rejected").inc(len(refused))
        self._succeeded(name, "ok")
        for item in refused:
            log.warning("%s: refused %s: %s (dead-lettered)", name, item.where, item.error)
        if new:
            log.info("%s: %d new article(s) published, %d seen, %d refused", name, len(new), len(items),
                     len(refused))
        return PollResult(name, ok=True, seen=len(items), new=len(new), rejected=len(refused),
                          refused=tuple((i.where, i.error or "") for i in refused))

    def _read(self, fetched: Fetched) -> Iterator[Item]:
        for document in fetched.documents:
            yield from read_document(document.raw, document.where, document.kind)

    @staticmethod
    def _unique(articles: list[Article]) -> list[Article]:
        """One article per id and per canonical URL within a fetch (a feed can list an entry twice)."""
        out, ids, urls = [], set(), set()
        for article in articles:
            url = canonical_url(article.url) if article.url else None
            if article.id in ids or (url and url in urls):
                continue
            ids.add(article.id)
            if url:
                urls.add(url)
            out.append(article)
        return out

    def _dead_letter(self, source: Source, refused: list[Item], raws: dict[str, bytes]) -> None:
        letters = []
        for item in refused:
            document = next((w for w in raws if item.where == w or item.where.startswith(w)), None)
            raw = raws.get(document, b"") if document else b""
            letters.append(DeadLetter(reason=reason_of(item.error or ""), detail=f"{item.where}: {item.error}",
                                      topic=self.sink.articles_topic, key=f"feed:{source.name}",
                                      original_b64=DeadLetter.encode(raw)))
        if letters:
            self.sink.dead_letter(letters)

    def _succeeded(self, name: str, result: str) -> None:
        self.metrics.fetches.labels(name, result).inc()
        self.metrics.consecutive_failures.labels(name).set(0)
        self.metrics.last_success.labels(name).set(time.time())

    def _failed(self, source: Source, error: str) -> PollResult:
        try:
            failures = self.state.record(source.name, ok=False, error=error).consecutive_failures
        except StorageError:  # the database is down too: count in memory until it is back
            failures = int(self.metrics.registry.get_sample_value(
                "newsmon_feed_consecutive_failures", {"source": source.name}) or 0) + 1
        self._failures[source.name] = failures
        self.metrics.fetches.labels(source.name, "error").inc()
        self.metrics.consecutive_failures.labels(source.name).set(failures)
        log.warning("%s: poll failed (%d in a row): %s", source.name, failures, error)
        return PollResult(source.name, ok=False, error=error)

    # -- the schedule -----------------------------------------------------------------------------------------

    def delay_after(self, source: Source, result: PollResult) -> float:
        """The interval after a success; after the n-th failure in a row, exponential backoff with jitter."""
        if result.ok:
            self._failures[source.name] = 0
            return source.interval
        failures = self._failures.get(source.name, 1)
        return float(self._wait(SimpleNamespace(attempt_number=max(1, failures))))  # type: ignore[arg-type]

    def run(self, stop: threading.Event, on_result: Callable[[PollResult], None] | None = None,
            max_polls: int | None = None) -> int:
        """Poll until `stop` is set (or `max_polls` polls are done); fetches run in threads (a per-host limit
        inside the HTTP client), publishing in this thread. Returns the number of polls."""
        due = {s.name: time.monotonic() for s in self.sources}
        by_name = {s.name: s for s in self.sources}
        polls = 0
        with ThreadPoolExecutor(max_workers=max(1, self.concurrency), thread_name_prefix="feed") as pool:
            while not stop.is_set():
                now = time.monotonic()
                ready = [by_name[n] for n, t in due.items() if t <= now]
                futures: list[tuple[Source, Future]] = [(s, pool.submit(self.fetch, s)) for s in ready]
                for source, future in futures:
                    result = self.handle(source, future.result())
                    due[source.name] = time.monotonic() + self.delay_after(source, result)
                    polls += 1
                    if on_result is not None:
                        on_result(result)
                    if max_polls is not None and polls >= max_polls:
                        return polls
                if not due:
                    stop.wait(1.0)
                    continue
                stop.wait(max(0.0, min(min(due.values()) - time.monotonic(), 1.0)))
        return polls
