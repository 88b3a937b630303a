"""The agents' runtime without Faust, Kafka or a database: a repository that can fail, a publish function that
records what was sent, and records as the agents receive them."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import storage
from schemas import Analysis, Article, EnrichedArticle, Event, Evidence, event_id_for
from streams.settings import Settings
from streams.worker.batch import Incoming
from streams.worker.decode import Origin
from streams.worker.metrics import Metrics
from streams.worker.nlp_executor import ThreadNlp
from streams.worker.runtime import Runtime


class FakeRepository:
    """Remembers what it saved and which alerts were marked sent: an asserted event is due until then (or
    always, for an article in `realert`), as storage.Repository.save_batch says."""

    def __init__(self, outages: int = 0):
        self.outages = outages
        self.saved: list[list[str]] = []
        self.alerted: set[str] = set()
        self.members: list = []
        self.announced: list = []

    def save_batch(self, records, realert=()):
        if self.outages:
            self.outages -= 1
            raise storage.DatabaseUnavailable("connection refused")
        self.saved.append([r.article.id for r in records])
        due = tuple((ev.id, "sha") for r in records for ev in r.analysis.events
                    if ev.alertable and (r.article.id in realert or ev.id not in self.alerted))
        return storage.SaveResult(alerts_due=due)

    def mark_alerted(self, alerts):
        self.alerted.update(event_id for event_id, _ in alerts)

    def update_incidents(self, article_ids, members, cluster, threshold):
        """In memory, the membership only (the incident tables themselves are tested on real databases)."""
        ids = set(article_ids)
        kept = [m for m in self.members if m.article_id not in ids] + list(members)
        self.members, _ = cluster(kept)
        return []

    def mark_incidents_announced(self, sent):
        self.announced.extend(sent)

    def incidents_of(self, events):
        found = {(m.article_id, m.event_id): m.incident_id for m in self.members}
        outlets: dict = {}
        for m in self.members:
            outlets.setdefault(m.incident_id, set()).add(m.outlet)
        return {key: (found[key], outlets[found[key]]) for key in events if key in found}


class Sent:
    """Records published by the pipeline, by logical topic key."""

    def __init__(self):
        self.by_topic: dict[str, list[tuple[bytes, bytes]]] = {}

    async def __call__(self, topic_key, key, value, headers=None):
        self.by_topic.setdefault(topic_key, []).append((key, value))
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def make_runtime(repository=None) -> Runtime:
    settings = Settings(max_text_bytes=10_000)
    return Runtime(settings=settings, metrics=Metrics.create(), nlp=None, rules=None,
                   engine=None, repository=repository or FakeRepository(),
                   nlp_executor=ThreadNlp(None, None, "fake-model", settings.nlp_batch_size),
                   db_executor=ThreadPoolExecutor(1))


def incoming(value: bytes, offset: int) -> Incoming:
    return Incoming(value=value, origin=Origin(topic="p.news.articles", partition=0, offset=offset,
                                               key=b"k", timestamp_ms=1_700_000_000_000))


def article_bytes(article_id: str, text: str) -> bytes:
    return Article(id=article_id, text=text).model_dump_json().encode()


def event(article_id: str, certainty: str, type_="sanction", subtype="impose") -> Event:
    return Event(id=event_id_for(article_id, type_, subtype, ["DEU"], ["IRN"], 0, 10), article_id=article_id,
                 type=type_, subtype=subtype, actors=("DEU",), targets=("IRN",), certainty=certainty,
                 trigger="imposed", evidence=Evidence(text="x", start=0, end=10), confidence=0.9,
                 rules_version="test")


def enriched_bytes(article_id: str, *, events: bool = False) -> bytes:
    """An enriched record; with `events`, one asserted and one hypothetical sanction event."""
    article = Article(id=article_id, text="text")
    found = (event(article_id, "asserted"), event(article_id, "hypothetical", subtype="lift_or_ease")) if events else ()
    analysis = Analysis(article_id=article_id, model="m", rules_version="test", events=found)
    record = EnrichedArticle(article=article, analysis=analysis, source_timestamp_ms=1)
    return record.model_dump_json().encode()


def fake_processors(monkeypatch) -> None:
    """processors without spaCy: parse_batch returns the texts; analyze_doc fails on "BOOM" and finds one asserted
    and one hypothetical sanction event otherwise."""
    import processors

    monkeypatch.setattr(processors, "parse_batch", lambda nlp, texts, batch_size: list(texts))

    def analyze_doc(article, doc, rules, model_name):
        if "BOOM" in doc:
            raise RuntimeError("the parser choked")
        return Analysis(article_id=article.id, model=model_name, rules_version="test",
                        events=(event(article.id, "asserted"),
                                event(article.id, "hypothetical", subtype="lift_or_ease")))

    monkeypatch.setattr(processors, "analyze_doc", analyze_doc)
