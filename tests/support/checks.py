"""What the fault tests measure: row counts in the database, the alert ids on the alert topics, and the
events a clean run would produce (the processors run in the test process on the same articles)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence

from kafka import KafkaConsumer, TopicPartition

from schemas import Article, alert_id_for
from tests.support.pipeline import db_rows

ALERT_TOPICS = ("alerts.sanctions", "alerts.diplomacy")


def counts(database_url: str) -> dict[str, int]:
    """Rows and distinct ids per table that a duplicate would show up in."""
    out: dict[str, int] = {}
    for table, key in (("articles", "id"), ("events", "id"), ("entities", "article_id || '/' || id")):
        rows = db_rows(database_url, f"SELECT COUNT(*), COUNT(DISTINCT {key}) FROM {table}")
        out[table], out[f"{table}_distinct"] = rows[0] if rows else (0, 0)
    return out


def expected_events(articles: Sequence[Article]) -> tuple[set[str], set[str]]:
    """(every event id, the alertable ones) a clean run over `articles` stores and alerts on."""
    import processors
    from streams.settings import Settings

    nlp = processors.load_nlp(Settings().spacy_model)
    analyses = processors.process_batch(list(articles), nlp, processors.load_rules())
    events = [e for a in analyses for e in a.events]
    return {e.id for e in events}, {e.id for e in events if e.alertable}


def alert_ids(bootstrap: str, prefix: str) -> Counter[str]:
    """How often each alert id (the record key) is on the alert topics, from the beginning to the end."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        tps = [TopicPartition(f"{prefix}{name}", p) for name in ALERT_TOPICS
               for p in sorted(consumer.partitions_for_topic(f"{prefix}{name}") or ())]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        seen: Counter[str] = Counter()
        deadline = time.monotonic() + 60
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            assert time.monotonic() < deadline, "alert topics not read to their end within 60 s"
            for batch in consumer.poll(timeout_ms=1000).values():
                seen.update(r.key.decode() for r in batch)
        return seen
    finally:
        consumer.close()


def assert_exactly_once(database_url: str, articles: Sequence[Article],
                        event_ids: set[str]) -> dict[str, int]:
    """Every article stored once, every expected event stored once and no other; returns the counts."""
    from tests.support.pipeline import article_ids

    assert article_ids(database_url) == {a.id for a in articles}
    stored = counts(database_url)
    assert stored["articles"] == stored["articles_distinct"] == len(articles)
    assert stored["events"] == stored["events_distinct"] == len(event_ids)
    assert {r[0] for r in db_rows(database_url, "SELECT id FROM events")} == event_ids
    return stored


def assert_alerts_published(bootstrap: str, prefix: str, alertable: set[str]) -> Counter[str]:
    """Every alertable event's alert id is on an alert topic at least once (re-publication is allowed)."""
    seen = alert_ids(bootstrap, prefix)
    missing = {alert_id_for(e) for e in alertable} - set(seen)
    assert not missing, f"{len(missing)} alert ids never published"
    return seen
