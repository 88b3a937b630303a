"""Turning a batch into rows: one record per article, duplicates resolved deterministically."""

from datetime import UTC, datetime

import pytest

from schemas import Evidence, Mention
from storage.errors import InvalidBatch
from storage.rows import check, choose, to_rows
from tests.support.records import make_record

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_the_last_record_for_an_article_wins():
    first = make_record("a", target="Russia")
    last = make_record("a", target="Iran")
    chosen, superseded = choose([first, make_record("b"), last])
    assert chosen["a"] is last
    assert superseded == 1


def test_an_earlier_record_with_newer_rules_beats_a_later_one():
    newer = make_record("a", rules_version="rules.v3")
    older = make_record("a", rules_version="rules.v2")
    chosen, _ = choose([newer, older])
    assert chosen["a"] is newer


def test_a_batch_must_hold_enriched_articles():
    with pytest.raises(InvalidBatch, match="EnrichedArticle"):
        choose([{"article": {}}])


def test_duplicate_child_keys_within_an_article_keep_the_last():
    record = make_record("a")
    m = record.analysis.mentions[0]
    relabelled = Mention(entity_id="ent-other", text=m.text, label=m.label, start=m.start, end=m.end)
    analysis = record.analysis.model_copy(update={"mentions": (*record.analysis.mentions, relabelled)})
    rows = to_rows(record.model_copy(update={"analysis": analysis}), NOW)
    assert len(rows.mentions) == 2
    assert [r["entity_id"] for r in rows.mentions if r["start"] == m.start] == ["ent-other"]


def test_event_parties_list_each_actor_and_target_code_once():
    record = make_record("a", actor="United States", target="Russia")
    event = record.analysis.events[0].model_copy(update={"targets": ("RUS", "RUS", "IRN")})
    analysis = record.analysis.model_copy(update={"events": (event,)})
    rows = to_rows(record.model_copy(update={"analysis": analysis}), NOW)
    assert sorted((p["role"], p["code"]) for p in rows.parties) == [
        ("actor", "USA"), ("target", "IRN"), ("target", "RUS")]


def test_an_event_of_another_article_is_reported():
    record = make_record("a")
    stray = record.analysis.events[0].model_copy(update={"article_id": "b"})
    analysis = record.analysis.model_copy(update={"events": (stray,)})
    problems = check(record.model_copy(update={"analysis": analysis}))
    assert problems and "names article 'b'" in problems[0]


def test_nul_characters_are_reported_wherever_they_are():
    record = make_record("a")
    event = record.analysis.events[0]
    bad = event.model_copy(update={"evidence": Evidence(text="x\x00y", start=0, end=3)})
    analysis = record.analysis.model_copy(update={"events": (bad,)})
    assert any("NUL" in p for p in check(record.model_copy(update={"analysis": analysis})))
    assert check(record) == []


def test_lone_surrogates_are_reported():
    """Validation refuses them, but model_copy/model_construct bypass it; the database would fail later."""
    record = make_record("a")
    record = record.model_copy(update={"article": record.article.model_copy(update={"title": "bad \ud800"})})
    assert any("surrogate" in p for p in check(record))
