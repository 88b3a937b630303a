"""The worker's Prometheus metrics: a closed, documented catalogue, built in one place on ONE injected
registry.

| name                             | kind      | labels                        | meaning                     |
|----------------------------------|-----------|-------------------------------|-----------------------------|
| newsmon_articles_consumed_total  | counter   |                               | records read from the       |
|                                  |           |                               | articles and replay topics  |
| newsmon_articles_enriched_total  | counter   |                               | articles published to the   |
|                                  |           |                               | enriched topic              |
| newsmon_articles_persisted_total | counter   |                               | enriched articles written   |
|                                  |           |                               | to the database             |
| newsmon_events_detected_total    | counter   | type, subtype, certainty      | events found (all           |
|                                  |           |                               | certainties)                |
| newsmon_alerts_published_total   | counter   | topic (logical key)           | alerts published (asserted  |
|                                  |           |                               | events only)                |
| newsmon_deadletters_total        | counter   | reason                        | records sent to the         |
|                                  |           |                               | dead-letter topic           |
| newsmon_stage_seconds            | histogram | stage                         | seconds per batch in        |
|                                  |           |                               | decode, nlp, detection,     |
|                                  |           |                               | persist_batch               |
| newsmon_end_to_end_seconds       | histogram | target                        | input broker timestamp ->   |
|                                  |           |                               | persisted / alert published |
| newsmon_batch_size               | histogram | agent                         | records per batch taken by  |
|                                  |           |                               | an agent (enrich, persist)  |
| newsmon_db_retries_total         | counter   |                               | database writes retried     |
|                                  |           |                               | because the database was    |
|                                  |           |                               | unavailable                 |
| newsmon_consumer_lag_messages    | gauge     | topic, partition              | highwater - position,       |
|                                  |           |                               | assigned partitions only    |
| newsmon_consumer_lag_seconds     | gauge     | topic, partition              | age of the newest processed |
|                                  |           |                               | record while lag > 0        |
| newsmon_build_info               | info      | version, model, rules_version | what this worker runs       |

Label values are bounded: event types/subtypes/certainties and dead-letter reasons come from the closed
lists in `schemas`, topics from `schemas.topics`, stages/targets/agents from the tuples below;
never ids or free text.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

STAGES = ("decode", "nlp", "detection", "persist_batch")
TARGETS = ("persisted", "alert")
AGENTS = ("enrich", "persist")

# Per-batch stage times run from milliseconds (decode) to tens of seconds (a large NLP batch on a busy core).
_STAGE_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
# End to end includes queueing behind other batches and database retries.
_E2E_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


@dataclass(frozen=True)
class Metrics:
    """Every metric the worker exports; `Metrics.create(registry)` is the only place they are defined."""

    registry: CollectorRegistry
    articles_consumed: Counter
    articles_enriched: Counter
    articles_persisted: Counter
    events_detected: Counter
    alerts_published: Counter
    deadletters: Counter
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
        kw = {"registry": r}
        return cls(
            registry=r,
            articles_consumed=Counter("newsmon_articles_consumed",
                                      "Input records read from the articles and replay topics.", **kw),
            articles_enriched=Counter("newsmon_articles_enriched",
                                      "Articles analysed and published to the enriched topic.", **kw),
            articles_persisted=Counter("newsmon_articles_persisted",
                                       "Enriched articles written to the database.", **kw),
            events_detected=Counter("newsmon_events_detected", "Events found, by type, subtype, certainty.",
                                    ["type", "subtype", "certainty"], **kw),
            alerts_published=Counter("newsmon_alerts_published", "Alerts published, by logical alert topic.",
                                     ["topic"], **kw),
            deadletters=Counter("newsmon_deadletters", "Records sent to the dead-letter topic, by reason.",
                                ["reason"], **kw),
            stage_seconds=Histogram("newsmon_stage_seconds", "Seconds per batch spent in a pipeline stage.",
                                    ["stage"], buckets=_STAGE_BUCKETS, **kw),
            end_to_end_seconds=Histogram("newsmon_end_to_end_seconds",
                                         "Seconds from the input record's broker timestamp to the target "
                                         "(persisted, alert).", ["target"], buckets=_E2E_BUCKETS, **kw),
            batch_size=Histogram("newsmon_batch_size", "Records per batch taken by an agent.", ["agent"],
                                 buckets=_BATCH_BUCKETS, **kw),
            db_retries=Counter("newsmon_db_retries",
                               "Database writes retried because the database was unavailable.", **kw),
            consumer_lag_messages=Gauge("newsmon_consumer_lag_messages",
                                        "Messages between this worker's position and the highwater.",
                                        ["topic", "partition"], **kw),
            consumer_lag_seconds=Gauge("newsmon_consumer_lag_seconds",
                                       "Age of the newest record processed on a partition that still has "
                                       "lag (0 when caught up).", ["topic", "partition"], **kw),
            build_info=Info("newsmon_build", "What this worker runs: version, spaCy model, rules version.",
                            **kw),
        )

    def names(self) -> set[str]:
        """The metric family names in the registry (as exposed, without _total/_bucket suffixes)."""
        return {m.name for m in self.registry.collect()}


def install_faust_sensors(app: object, registry: CollectorRegistry) -> None:
    """Add Faust's own sensor metrics (faust.sensors.prometheus: messages in/out, commit latency, rebalances,
    send errors, per-partition offsets), named `faust_*`, to our registry, so the same /metrics serves them.

    Kept apart from `Metrics.create`: these names are Faust's, listed in docs/metrics.md, not ours to change.
    """
    from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor

    app.monitor = PrometheusMonitor(metrics=FaustMetrics.create(registry, "faust"))  # type: ignore[attr-defined]
