"""How long save_batch takes: `python -m streams.bench.storage --url URL [--articles 200] [--rounds 5]`.

Writes synthetic articles (text made up here) under a unique id prefix, measures a batch of new
articles and a re-save of the same batch (the replace path a replay takes), prints the figures, and
deletes its rows again. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from schemas import (
    Analysis,
    Article,
    EnrichedArticle,
    Entity,
    Event,
    Evidence,
    Mention,
    content_id,
    event_id_for,
)
from storage.engine import make_engine, mask_url
from storage.models import articles
from storage.repository import Repository

_PARTIES = [("Canada", "CAN"), ("Japan", "JPN"), ("Brazil", "BRA"), ("Kenya", "KEN"), ("Norway", "NOR"),
            ("Chile", "CHL")]


def synthetic_record(article_id: str, i: int) -> EnrichedArticle:
    """An article with six entities, six mentions and two events: roughly what a news item yields."""
    sentences = [f"{a} announced new sanctions against {b} on day {i}." for (a, _), (b, _)
                 in zip(_PARTIES, _PARTIES[1:] + _PARTIES[:1], strict=True)]
    text = " ".join(sentences)
    entities, mentions, events = [], [], []
    for name, code in _PARTIES:
        start = text.index(name)
        entity_id = content_id(article_id, name, prefix="ent-")
        entities.append(Entity(id=entity_id, name=name, label="GPE", mentions=2, actor=code))
        mentions.append(Mention(entity_id=entity_id, text=name, label="GPE", start=start,
                                end=start + len(name)))
    offset = 0
    for k, sentence in enumerate(sentences[:2]):
        actors, targets = (_PARTIES[k][1],), (_PARTIES[k + 1][1],)
        span = (offset, offset + len(sentence))
        events.append(Event(
            id=event_id_for(article_id, "sanction", "impose", actors, targets, *span), article_id=article_id,
            type="sanction", subtype="impose", actors=actors, targets=targets, trigger="sanctions",
            evidence=Evidence(text=sentence, start=span[0], end=span[1]), confidence=0.8,
            rules_version="bench_rules.v1"))
        offset += len(sentence) + 1
    return EnrichedArticle(
        article=Article(id=article_id, text=text, title=f"Benchmark article {i}", source="benchmark"),
        analysis=Analysis(article_id=article_id, entities=tuple(entities), mentions=tuple(mentions),
                          events=tuple(events), model="benchmark", rules_version="bench_rules.v1"))


def _timed(repo: Repository, batch: Sequence[EnrichedArticle]) -> float:
    start = time.perf_counter()
    repo.save_batch(batch)
    return time.perf_counter() - start


def run(url: str, articles_per_batch: int = 200, rounds: int = 5) -> dict[str, float]:
    """Median seconds per batch for new articles and for re-saving them; cleans up after itself."""
    engine = make_engine(url)
    repo = Repository(engine)
    prefix = f"bench-{uuid.uuid4().hex[:8]}-"
    fresh, again = [], []
    try:
        for r in range(rounds):
            batch = [synthetic_record(f"{prefix}{r}-{i}", i) for i in range(articles_per_batch)]
            fresh.append(_timed(repo, batch))
            again.append(_timed(repo, batch))
    finally:
        with engine.begin() as conn:
            conn.execute(articles.delete().where(articles.c.id.startswith(prefix, autoescape=True)))
        engine.dispose()
    return {"new_s": statistics.median(fresh), "resave_s": statistics.median(again)}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--articles", type=int, default=200, help="articles per batch")
    parser.add_argument("--rounds", type=int, default=5, help="batches to time (the median is printed)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        figures = run(url, args.articles, args.rounds)
    n = args.articles
    print(f"save_batch on {mask_url(url)} ({sa.engine.make_url(url).get_backend_name()}), {n} articles/batch "
          f"(6 entities, 6 mentions, 2 events each), median of {args.rounds}:")
    for label, key in (("new articles", "new_s"), ("re-save (replace)", "resave_s")):
        seconds = figures[key]
        print(f"  {label:18s} {seconds * 1000:8.1f} ms/batch  {n / seconds:9.0f} articles/s")


if __name__ == "__main__":
    main()
