"""Every topic, declared once as data: name, record schema and version, partitions, retention, dead-letter
twin. The worker, the topic-creation step, the CLI and the JSON Schema export all read this table;
deployments prefix every name (`NEWSMON_TOPIC_PREFIX`, see `TopicSpec.full_name`)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from schemas.alert import Alert
from schemas.article import Article
from schemas.deadletter import DeadLetter
from schemas.enriched import EnrichedArticle
from schemas.incident import IncidentUpdate

DAY_MS = 24 * 3600 * 1000
INPUT_PARTITIONS = 4  # the default of the topics a worker group reads (NEWSMON_ARTICLES_PARTITIONS)


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
    cleanup_policy: str = "delete"  # the topic's cleanup.policy on the broker

    def configs(self) -> dict[str, str]:
        """The topic configs it is created with."""
        out = {"cleanup.policy": self.cleanup_policy}
        if self.retention_ms:
            out["retention.ms"] = str(self.retention_ms)
        return out

    def full_name(self, prefix: str = "") -> str:
        """The name on the broker under a deployment's topic prefix."""
        return f"{prefix}{self.name}"


def declared(input_partitions: int = INPUT_PARTITIONS) -> dict[str, TopicSpec]:
    """The topic table, by logical key; the topics the workers read get `input_partitions` partitions."""
    parts = input_partitions
    specs = [
        TopicSpec("articles", "news.articles", Article, 2, parts, 30 * DAY_MS, "deadletter",
                  "Input articles, key = article id."),
        TopicSpec("replay", "news.articles.replay", Article, 2, parts, 7 * DAY_MS, "deadletter",
                  "Articles re-read by `newsmon replay`; processed like news.articles, beside live traffic."),
        TopicSpec("enriched", "news.enriched", EnrichedArticle, 1, parts, 30 * DAY_MS, "deadletter",
                  "Article + entities + events, key = article id."),
        # Compacted by key (the alert id), so a re-sent alert replaces the earlier record of its id, and
        # deleted after the retention all the same: a new subscriber reads each retained alert once.
        TopicSpec("alerts_sanction", "alerts.sanctions", Alert, 1, 2, 90 * DAY_MS, None,
                  "Asserted sanction events, key = alert id; compacted by key.", "compact,delete"),
        TopicSpec("alerts_diplomacy", "alerts.diplomacy", Alert, 1, 2, 90 * DAY_MS, None,
                  "Asserted diplomacy events, key = alert id; compacted by key.", "compact,delete"),
        TopicSpec("alerts_incidents", "alerts.incidents", IncidentUpdate, 1, 2, 90 * DAY_MS, None,
                  "Incidents (one act across articles) when new, corroborated past the threshold, or escalated; "
                  "key = incident id."),
        TopicSpec("deadletter", "news.deadletter", DeadLetter, 1, 1, 90 * DAY_MS, None,
                  "Records that could not be processed: reason, source topic/partition/offset, original bytes."),
    ]
    return {s.key: s for s in specs}


# A record header (value b"1") on a replay record, carried on to its enriched record: publish the alerts of
# its asserted events even when nothing changed since they were last sent (`newsmon replay --realert`).
REALERT_HEADER = "newsmon-realert"

ALERT_TOPIC_FOR_TYPE = {"sanction": "alerts_sanction", "diplomacy": "alerts_diplomacy"}
