"""Every topic, declared once as data. The Faust app, the topic-creation step, the CLI and the JSON Schema
export all read this table; `NEWSMON_TOPIC_PREFIX` prefixes every name (and the consumer group)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from schemas import Alert, Article, DeadLetter, EnrichedArticle
from streams.settings import Settings

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    key: str  # logical name used in code
    name: str  # name on the broker, before the prefix
    schema: type[BaseModel]
    schema_version: int
    partitions: int
    retention_ms: int | None  # None: the broker's default
    deadletter: str | None  # logical key of the dead-letter twin
    description: str

    def full_name(self, settings: Settings) -> str:
        return settings.topic(self.name)


def declared(settings: Settings) -> dict[str, TopicSpec]:
    """The topic table; partitions of the input topic come from settings (default 4)."""
    parts = settings.articles_partitions
    specs = [
        TopicSpec("articles", "news.articles", Article, 1, parts, 30 * DAY_MS, "deadletter",
                  "Input articles, key = article id."),
        TopicSpec("replay", "news.articles.replay", Article, 1, parts, 7 * DAY_MS, "deadletter",
                  "Articles re-read by `newsmon replay`; processed like news.articles, beside live traffic."),
        TopicSpec("enriched", "news.enriched", EnrichedArticle, 1, parts, 30 * DAY_MS, "deadletter",
                  "Article + entities + events, key = article id."),
        TopicSpec("alerts_sanction", "alerts.sanctions", Alert, 1, 2, 90 * DAY_MS, None,
                  "Asserted sanction events, key = alert id."),
        TopicSpec("alerts_diplomacy", "alerts.diplomacy", Alert, 1, 2, 90 * DAY_MS, None,
                  "Asserted diplomacy events, key = alert id."),
        TopicSpec("deadletter", "news.deadletter", DeadLetter, 1, 1, 90 * DAY_MS, None,
                  "Records that could not be processed: reason, source topic/partition/offset, original bytes."),
    ]
    return {s.key: s for s in specs}


ALERT_TOPIC_FOR_TYPE = {"sanction": "alerts_sanction", "diplomacy": "alerts_diplomacy"}
