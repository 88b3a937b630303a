"""Health figures from a worker's /metrics, for `newsmon status`: two scrapes a few seconds apart turn
counters into rates and histogram buckets into percentiles, as Prometheus's rate() and
histogram_quantile() would over that window. Reading only; the metric names are those of streams.worker.metrics.
"""

from __future__ import annotations

import math
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from prometheus_client.parser import text_string_to_metric_families

from streams.worker.metrics import STAGES, TARGETS

Labels = tuple[tuple[str, str], ...]
STAGE_COUNTERS = ("consumed", "enriched", "persisted")


class WorkerUnreachable(RuntimeError):
    """A worker's /metrics could not be read; the message says which URL and what to do."""


@dataclass(frozen=True)
class Snapshot:
    """One scrape: sample name -> {labels: value}, and when it was taken (monotonic seconds)."""

    url: str
    at: float
    samples: dict[str, dict[Labels, float]]

    def get(self, name: str) -> dict[Labels, float]:
        return self.samples.get(name, {})

    def total(self, name: str, **match: str) -> float:
        return sum(v for labels, v in self.get(name).items() if _matches(labels, match))


def _matches(labels: Labels, match: dict[str, str]) -> bool:
    d = dict(labels)
    return all(d.get(k) == v for k, v in match.items())


def metrics_url(url: str) -> str:
    """Accept host:port, http://host:port or a full /metrics URL."""
    if "://" not in url:
        url = f"http://{url}"
    parts = urlsplit(url)
    if not parts.hostname:
        raise ValueError(f"not a worker URL: {url!r} (expected e.g. http://127.0.0.1:6066)")
    return url if parts.path not in ("", "/") else f"{parts.scheme}://{parts.netloc}/metrics"


def parse(text: str, url: str = "", at: float | None = None) -> Snapshot:
    """Parse the Prometheus text format into a Snapshot."""
    samples: dict[str, dict[Labels, float]] = defaultdict(dict)
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[s.name][tuple(sorted(s.labels.items()))] = s.value
    return Snapshot(url=url, at=time.monotonic() if at is None else at, samples=dict(samples))


def scrape(url: str, timeout: float = 5.0) -> Snapshot:
    """GET the worker's /metrics; WorkerUnreachable with advice when it cannot be read."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - user-given URL
            body = response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        raise WorkerUnreachable(
            f"{url} answered HTTP {exc.code}: is this a newsmon worker's web port?") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WorkerUnreachable(
            f"cannot reach the worker at {url} ({reason}). Is `newsmon worker` running? Its web server "
            f"listens on NEWSMON_WEB_HOST:NEWSMON_WEB_PORT; pass --url if it is elsewhere.") from exc
    try:
        return parse(body, url)
    except ValueError as exc:
        raise WorkerUnreachable(f"{url} did not return Prometheus metrics ({exc})") from exc


def quantile(q: float, buckets: dict[float, float]) -> float | None:
    """Like PromQL histogram_quantile over cumulative bucket counts {upper bound: count}; None if empty."""
    bounds = sorted(buckets)
    if not bounds or buckets[bounds[-1]] <= 0:
        return None
    total = buckets[bounds[-1]]
    rank = q * total
    lower, below = 0.0, 0.0
    for upper in bounds:
        count = buckets[upper]
        if count >= rank:
            if math.isinf(upper):
                return lower  # in the +Inf bucket: the highest finite bound is all that is known
            if count == below:
                return upper
            return lower + (upper - lower) * (rank - below) / (count - below)
        lower, below = upper, count
    return bounds[-1]


def _bucket_deltas(before: Snapshot, after: Snapshot, name: str, **match: str) -> dict[float, float]:
    """Cumulative bucket counts observed between two scrapes, summed over matching series."""
    out: dict[float, float] = defaultdict(float)
    old = before.get(f"{name}_bucket")
    for labels, value in after.get(f"{name}_bucket").items():
        if not _matches(labels, match):
            continue
        bound = float(dict(labels)["le"])
        out[bound] += max(0.0, value - old.get(labels, 0.0))  # a restart resets counters
    return dict(out)


def _delta(before: Snapshot, after: Snapshot, name: str, **match: str) -> float:
    return max(0.0, after.total(name, **match) - before.total(name, **match))


def _by_label(snapshot: Snapshot, name: str, label: str) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for labels, value in snapshot.get(name).items():
        out[dict(labels).get(label, "")] += value
    return dict(out)


@dataclass
class Partition:
    worker: str
    topic: str
    partition: str
    messages: float
    seconds: float


@dataclass
class Health:
    """What `newsmon status` shows, over the window between two scrapes of each worker."""

    window_s: float
    workers: list[dict] = field(default_factory=list)  # url, up, version, model, rules_version, error
    articles_per_s: dict[str, float] = field(default_factory=dict)  # consumed / enriched / persisted
    lag: list[Partition] = field(default_factory=list)
    stage_p95_s: dict[str, float | None] = field(default_factory=dict)
    end_to_end_p95_s: dict[str, float | None] = field(default_factory=dict)
    events_per_min: dict[str, float] = field(default_factory=dict)  # by type
    events_total: dict[str, float] = field(default_factory=dict)  # by type, since the worker started
    alerts_per_min: dict[str, float] = field(default_factory=dict)  # by topic
    deadletters_total: dict[str, float] = field(default_factory=dict)  # by reason
    deadletters_per_min: float = 0.0
    db_retries_total: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def _build(snapshot: Snapshot) -> dict[str, str]:
    for labels, _ in snapshot.get("newsmon_build_info").items():
        return dict(labels)
    return {}


def compute(pairs: Iterable[tuple[Snapshot, Snapshot]], failed: dict[str, str] | None = None) -> Health:
    """Health over (before, after) scrapes of each reachable worker; `failed` maps unreachable URLs to why."""
    pairs = list(pairs)
    window = max((after.at - before.at for before, after in pairs), default=0.0)
    h = Health(window_s=round(window, 3))
    buckets: dict[tuple[str, str], dict[float, float]] = defaultdict(lambda: defaultdict(float))
    rates: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for before, after in pairs:
        h.workers.append({"url": after.url, "up": True, **_build(after), "error": None})
        span = after.at - before.at
        scale = 1.0 / span if span > 0 else 0.0
        for stage in STAGE_COUNTERS:
            rates["articles"][stage] += _delta(before, after, f"newsmon_articles_{stage}_total") * scale
        for key, value in _by_label(after, "newsmon_events_detected_total", "type").items():
            h.events_total[key] = h.events_total.get(key, 0.0) + value
            old = _by_label(before, "newsmon_events_detected_total", "type").get(key, 0.0)
            rates["events"][key] += max(0.0, value - old) * scale * 60
        for key, value in _by_label(after, "newsmon_alerts_published_total", "topic").items():
            old = _by_label(before, "newsmon_alerts_published_total", "topic").get(key, 0.0)
            rates["alerts"][key] += max(0.0, value - old) * scale * 60
        for key, value in _by_label(after, "newsmon_deadletters_total", "reason").items():
            h.deadletters_total[key] = h.deadletters_total.get(key, 0.0) + value
        h.deadletters_per_min += _delta(before, after, "newsmon_deadletters_total") * scale * 60
        h.db_retries_total += after.total("newsmon_db_retries_total")
        for stage in STAGES:
            for bound, n in _bucket_deltas(before, after, "newsmon_stage_seconds", stage=stage).items():
                buckets[("stage", stage)][bound] += n
        for target in TARGETS:
            deltas = _bucket_deltas(before, after, "newsmon_end_to_end_seconds", target=target)
            for bound, n in deltas.items():
                buckets[("e2e", target)][bound] += n
        h.lag += _lag(after)
    h.articles_per_s = {s: round(rates["articles"][s], 3) for s in STAGE_COUNTERS}
    h.events_per_min = {k: round(v, 3) for k, v in sorted(rates["events"].items())}
    h.alerts_per_min = {k: round(v, 3) for k, v in sorted(rates["alerts"].items())}
    h.deadletters_per_min = round(h.deadletters_per_min, 3)
    h.stage_p95_s = {s: _round(quantile(0.95, buckets[("stage", s)])) for s in STAGES}
    h.end_to_end_p95_s = {t: _round(quantile(0.95, buckets[("e2e", t)])) for t in TARGETS}
    for url, error in (failed or {}).items():
        h.workers.append({"url": url, "up": False, "error": error})
    return h


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _lag(snapshot: Snapshot) -> list[Partition]:
    seconds = snapshot.get("newsmon_consumer_lag_seconds")
    out = []
    for labels, messages in sorted(snapshot.get("newsmon_consumer_lag_messages").items()):
        d = dict(labels)
        out.append(Partition(worker=snapshot.url, topic=d.get("topic", ""), partition=d.get("partition", ""),
                             messages=messages, seconds=round(seconds.get(labels, 0.0), 3)))
    return out
