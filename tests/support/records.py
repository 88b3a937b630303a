"""Enriched-article records for storage tests, built from text written for these tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

import storage
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

PARTIES = {"United States": ("USA", "GPE"), "Russia": ("RUS", "GPE"), "European Union": ("IGO:EU", "ORG"),
           "Iran": ("IRN", "GPE"), "China": ("CHN", "GPE")}


def make_record(
    article_id: str = "art-1",
    *,
    actor: str = "United States",
    target: str = "Russia",
    rules_version: str = "sanction_rules.v1",
    certainty: str = "asserted",
    extra_sentence: str = "",
    title: str | None = "Sanctions announced",
    subtype: str = "impose",
) -> EnrichedArticle:
    """An article in which `actor` imposes sanctions on `target`, with its entities, mentions and one
    sanction event, as the processors would produce them."""
    sentence = f"The {actor} imposed new sanctions on {target} on Monday."
    text = f"{sentence} {extra_sentence}".strip()
    mentions, entities = [], []
    for name in (actor, target):
        code, label = PARTIES[name]
        start = text.index(name)
        entity_id = content_id(article_id, name, label, prefix="ent-")
        mentions.append(Mention(entity_id=entity_id, text=name, label=label, start=start,
                                end=start + len(name)))
        entities.append(Entity(id=entity_id, name=name, label=label, mentions=1, actor=code))
    actors, targets = (PARTIES[actor][0],), (PARTIES[target][0],)
    event = Event(
        id=event_id_for(article_id, "sanction", subtype, actors, targets, 0, len(sentence)),
        article_id=article_id, type="sanction", subtype=subtype, actors=actors, targets=targets,
        certainty=certainty, trigger="imposed",
        evidence=Evidence(text=sentence, start=0, end=len(sentence)),
        event_date=date(2026, 3, 2), confidence=0.9, cameo="163", goldstein=-8.0, plover="SANCTION",
        rules_version=rules_version,
    )
    article = Article(id=article_id, text=text, title=title, url=f"https://news.example/{article_id}",
                      source="example-wire", published=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
                      language="en")
    analysis = Analysis(article_id=article_id, entities=tuple(entities), mentions=tuple(mentions),
                        events=(event,), model="test-model", rules_version=rules_version)
    return EnrichedArticle(article=article, analysis=analysis)


def make_batch(n: int, prefix: str = "art", **kw) -> list[EnrichedArticle]:
    """n records with distinct article ids, cycling through the known parties."""
    names = list(PARTIES)
    return [make_record(f"{prefix}-{i:05d}", actor=names[i % len(names)],
                        target=names[(i + 1) % len(names)], **kw)
            for i in range(n)]


def counts(repo: storage.Repository) -> dict:
    """Every row count of a repository's database, event_parties included."""
    import sqlalchemy as sa

    from storage.models import event_parties

    stats = repo.stats()
    with repo.engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(event_parties)
        stats["event_parties"] = conn.execute(query).scalar_one()
    return stats
