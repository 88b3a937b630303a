"""Incidents for the tests: one-event reports built by hand, and the incident corpus of tests/data (20 articles
written for these tests by invented outlets about 4 acts, one of them a threat that is carried out)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from schemas import Analysis, Article, EnrichedArticle, Event, Evidence, event_id_for

CORPUS = Path(__file__).resolve().parents[1] / "data" / "incident_corpus.jsonl"
# 11 articles written for the tests about 4 acts in two pairs: one key (the same parties and subtype) twice in
# one week, two distinct acts that only their evidence tells apart; one of them dated on two days by its outlets.
DISTINCT = CORPUS.with_name("incident_corpus_distinct.jsonl")


def corpus(path: Path = CORPUS) -> list[tuple[str, Article]]:
    """(act label, article) for each article of the corpus, in file order."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(row["act"], Article.model_validate(row["article"])) for row in rows]


def report(article_id: str, outlet: str | None, subtype: str, actors, targets, day: date | None,
           type_: str = "sanction", certainty: str = "asserted", published: datetime | None = None,
           url: str | None = None) -> EnrichedArticle:
    text = f"{' '.join(actors)} {subtype} {' '.join(targets)}."
    ev = Event(id=event_id_for(article_id, type_, subtype, actors, targets, 0, len(text), certainty),
               article_id=article_id, type=type_, subtype=subtype, actors=tuple(actors), targets=tuple(targets),
               certainty=certainty, trigger=subtype, evidence=Evidence(text=text, start=0, end=len(text)),
               event_date=day, confidence=0.9, rules_version="test")
    published = published or datetime(2026, 5, 6, 12, tzinfo=UTC)
    article = Article(id=article_id, text=text, source=outlet, published=published, url=url)
    return EnrichedArticle(article=article, analysis=Analysis(article_id=article_id, events=(ev,), model="m",
                                                              rules_version="test"))
