"""The worker's Prometheus metrics: a closed catalogue, `CATALOGUE`, the one place they are defined. The
registry is built from it (`Metrics.create`, on ONE injected registry), the table in docs/metrics.md is
generated from it (deploy/grafana/build_dashboards.py) and the tests compare both with it.

Label values are bounded: event types/subtypes/certainties and dead-letter reasons come from the closed
lists in `schemas`, topics from schemas/topics.py, stages/targets/agents from the tuples below; never ids or
free text.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from schemas import CERTAINTIES, EVENT_TYPES
from schemas.deadletter import DEADLETTER_REASONS
from schemas.incident import INCIDENT_REASONS
from schemas.topics import ALERT_TOPIC_FOR_TYPE

STAGES = ("decode", "nlp", "detection", "persist_batch")
TARGETS = ("persisted", "alert")
AGENTS = ("enrich", "persist")

# Per-batch stage times run from milliseconds (decode) to tens of seconds (a large NLP batch on a busy core).
_STAGE_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
# End to end includes queueing behind other batches and database retries.
_E2E_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)

_KINDS = {"counter": Counter, "gauge": Gauge, "histogram": Histogram, "info": Info}
_EXPOSED_SUFFIX = {"counter": "_total", "info": "_info"}  # what prometheus_client adds to the family name


@dataclass(frozen=True)
class Label:
    name: str
    values: tuple[str, ...] = ()  # the closed list of values, where the code has one
    note: str = ""  # what the values are, where it is not a closed list

    def doc(self) -> str:
        extra = ", ".join(self.values) if self.values else self.note
        return f"`{self.name}`" + (f" ({extra})" if extra else "")


@dataclass(frozen=True)
class MetricSpec:
    """One metric: its attribute on `Metrics`, its name before prometheus_client's suffix, kind, labels, the
    HELP text, what docs/metrics.md says it means, and a histogram's buckets."""

    attr: str
    name: str
    kind: str
    help: str
    meaning: str
    labels: tuple[Label, ...] = ()
    buckets: tuple[float, ...] | None = None

    @property
    def exposed(self) -> str:
        """The family name as /metrics and PromQL show it (newsmon_articles_consumed_total, newsmon_build_info)."""
        return self.name + _EXPOSED_SUFFIX.get(self.kind, "")

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels)

    def create(self, registry: CollectorRegistry) -> Counter | Gauge | Histogram | Info:
        kwargs: dict = {"registry": registry}
        if self.buckets is not None:
            kwargs["buckets"] = self.buckets
        if self.kind == "info":  # an Info's labels are the keys of the dict it is given
            return Info(self.name, self.help, **kwargs)
        return _KINDS[self.kind](self.name, self.help, list(self.label_names), **kwargs)


_PARTITION = (Label("topic", note="full broker name, with prefix"), Label("partition"))

CATALOGUE: tuple[MetricSpec, ...] = (
    MetricSpec("articles_consumed", "newsmon_articles_consumed", "counter",
               "Input records read from the articles and replay topics.",
               "input records read from the articles and replay topics (valid or not)"),
    MetricSpec("articles_enriched", "newsmon_articles_enriched", "counter",
               "Articles analysed and published to the enriched topic.",
               "articles analysed and published to the enriched topic"),
    MetricSpec("articles_persisted", "newsmon_articles_persisted", "counter",
               "Enriched articles written to the database.", "enriched articles written to the database"),
    MetricSpec("events_detected", "newsmon_events_detected", "counter",
               "Events found, by type, subtype, certainty.",
               "events found; all are stored, only asserted ones raise alerts",
               (Label("type", EVENT_TYPES), Label("subtype"), Label("certainty", CERTAINTIES))),
    MetricSpec("alerts_published", "newsmon_alerts_published", "counter",
               "Alerts published, by logical alert topic.", "alerts published, by logical alert topic",
               (Label("topic", tuple(ALERT_TOPIC_FOR_TYPE.values())),)),
    MetricSpec("incidents_published", "newsmon_incidents_published", "counter",
               "Incident updates published to alerts.incidents, by event type and reason.",
               "incident updates published to alerts.incidents: new incidents, incidents reaching the "
               "corroboration threshold, escalations",
               (Label("type", EVENT_TYPES), Label("reason", INCIDENT_REASONS))),
    MetricSpec("deadletters", "newsmon_deadletters", "counter",
               "Records sent to the dead-letter topic, by reason.", "records sent to the dead-letter topic",
               (Label("reason", DEADLETTER_REASONS),)),
    MetricSpec("deadletter_window_share", "newsmon_deadletter_window_share", "gauge",
               "Share of the last NEWSMON_DEADLETTER_BRAKE_WINDOW articles an agent sent to the dead-letter topic.",
               "share of the last `NEWSMON_DEADLETTER_BRAKE_WINDOW` articles an agent dead-lettered; the brake "
               "stops the worker above `NEWSMON_DEADLETTER_BRAKE_SHARE` (streams/worker/brake.py)",
               (Label("agent", AGENTS),)),
    MetricSpec("deadletter_brake_engaged", "newsmon_deadletter_brake_engaged", "gauge",
               "1 once the dead-letter brake stopped an agent; the worker exits (code 71) soon after.",
               "1 once the dead-letter brake stopped an agent: it consumes no more, leaves the batch that tipped "
               "the brake uncommitted and exits with code 71 after `NEWSMON_DEADLETTER_BRAKE_HOLD_S`",
               (Label("agent", AGENTS),)),
    MetricSpec("stage_seconds", "newsmon_stage_seconds", "histogram",
               "Seconds per batch spent in a pipeline stage.", "seconds per batch spent in a stage",
               (Label("stage", STAGES),), _STAGE_BUCKETS),
    MetricSpec("end_to_end_seconds", "newsmon_end_to_end_seconds", "histogram",
               "Seconds from the input record's broker timestamp to the target (persisted, alert).",
               "seconds from the input record's broker timestamp to the row persisted / the alert published",
               (Label("target", TARGETS),), _E2E_BUCKETS),
    MetricSpec("batch_size", "newsmon_batch_size", "histogram", "Records per batch taken by an agent.",
               "records per batch taken by an agent", (Label("agent", AGENTS),), _BATCH_BUCKETS),
    MetricSpec("db_retries", "newsmon_db_retries", "counter",
               "Database writes retried because the database was unavailable.",
               "database writes retried because the database was unavailable"),
    MetricSpec("consumer_lag_messages", "newsmon_consumer_lag_messages", "gauge",
               "Messages between this worker's position and the highwater.",
               "highwater minus this worker's position, per assigned partition (refreshed every 5 s)", _PARTITION),
    MetricSpec("consumer_lag_seconds", "newsmon_consumer_lag_seconds", "gauge",
               "Age of the newest record processed on a partition that still has lag (0 when caught up).",
               "how far behind in time: age of the newest record processed on a partition that still has lag; "
               "0 when caught up", (Label("topic"), Label("partition"))),
    MetricSpec("build_info", "newsmon_build", "info", "What this worker runs: version, spaCy model, rules version.",
               "what the worker runs", (Label("version"), Label("model"), Label("rules_version"))),
)


@dataclass(frozen=True)
class Metrics:
    """Every metric the worker exports, one attribute per `CATALOGUE` entry, created by `Metrics.create`."""

    registry: CollectorRegistry
    articles_consumed: Counter
    articles_enriched: Counter
    articles_persisted: Counter
    events_detected: Counter
    alerts_published: Counter
    incidents_published: Counter
    deadletters: Counter
    deadletter_window_share: Gauge
    deadletter_brake_engaged: Gauge
    stage_seconds: Histogram
    end_to_end_seconds: Histogram
    batch_size: Histogram
    db_retries: Counter
    consumer_lag_messages: Gauge
    consumer_lag_seconds: Gauge
    build_info: Info

    @classmethod
    def create(cls, registry: CollectorRegistry | None = None) -> Metrics:
        """Register the catalogue on `registry` (a fresh one by default, never the process-global one)."""
        r = registry if registry is not None else CollectorRegistry(auto_describe=True)
        return cls(registry=r, **{spec.attr: spec.create(r) for spec in CATALOGUE})


FEED_OUTCOMES = ("seen", "new", "rejected")
FEED_RESULTS = ("ok", "not_modified", "error")
_FEED_SOURCE = Label("source", note="a source name from feeds.yaml (a bounded, configured list)")
_FETCH_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60)

# `newsmon feeds run` (streams/feeds/poller.py) exports these on its own /metrics (NEWSMON_FEEDS_METRICS_PORT).
FEEDS_CATALOGUE: tuple[MetricSpec, ...] = (
    MetricSpec("items", "newsmon_feed_items", "counter",
               "Feed items by outcome: seen (read), new (published), rejected (dead-lettered with the reason).",
               "items read from a source: seen, new (published to the articles topic), rejected (dead-lettered)",
               (_FEED_SOURCE, Label("outcome", FEED_OUTCOMES))),
    MetricSpec("fetches", "newsmon_feed_fetches", "counter", "Polls of a source by result.",
               "polls of a source: ok, not_modified (HTTP 304 / no new file), error",
               (_FEED_SOURCE, Label("result", FEED_RESULTS))),
    MetricSpec("last_success", "newsmon_feed_last_success_timestamp_seconds", "gauge",
               "Unix time of the source's last successful poll.", "unix time of the last successful poll",
               (_FEED_SOURCE,)),
    MetricSpec("consecutive_failures", "newsmon_feed_consecutive_failures", "gauge",
               "Polls of the source that failed in a row (0 after a success).",
               "failed polls in a row (0 after a success)", (_FEED_SOURCE,)),
    MetricSpec("interval", "newsmon_feed_interval_seconds", "gauge", "The source's poll interval (feeds.yaml).",
               "the configured poll interval, for rules in units of intervals", (_FEED_SOURCE,)),
    MetricSpec("fetch_seconds", "newsmon_feed_fetch_seconds", "histogram", "Seconds per fetch of a source.",
               "seconds per fetch (request and read), failed ones included", (_FEED_SOURCE,), _FETCH_BUCKETS),
)


@dataclass(frozen=True)
class FeedMetrics:
    """The feed poller's metrics, one attribute per `FEEDS_CATALOGUE` entry."""

    registry: CollectorRegistry
    items: Counter
    fetches: Counter
    last_success: Gauge
    consecutive_failures: Gauge
    interval: Gauge
    fetch_seconds: Histogram

    @classmethod
    def create(cls, registry: CollectorRegistry | None = None) -> FeedMetrics:
        r = registry if registry is not None else CollectorRegistry(auto_describe=True)
        return cls(registry=r, **{spec.attr: spec.create(r) for spec in FEEDS_CATALOGUE})


def markdown_table(catalogue: tuple[MetricSpec, ...] = CATALOGUE) -> str:
    """The metrics table of docs/metrics.md, from a catalogue."""
    rows = ["| name | type | labels | meaning |", "|------|------|--------|---------|"]
    for spec in catalogue:
        kind = "gauge (info), always 1" if spec.kind == "info" else spec.kind
        labels = ", ".join(label.doc() for label in spec.labels)
        rows.append(f"| `{spec.exposed}` | {kind} | {labels} | {spec.meaning} |")
    return "\n".join(rows)


def install_faust_sensors(app: object, registry: CollectorRegistry) -> None:
    """Add Faust's own sensor metrics (faust.sensors.prometheus: messages in/out, commit latency, rebalances,
    send errors, per-partition offsets), named `faust_*`, to our registry, so the same /metrics serves them.

    Kept apart from `Metrics.create`: these names are Faust's, listed in docs/metrics.md, not ours to change.
    """
    from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor

    app.monitor = PrometheusMonitor(metrics=FaustMetrics.create(registry, "faust"))  # type: ignore[attr-defined]
