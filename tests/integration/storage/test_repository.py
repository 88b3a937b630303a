"""save_batch on SQLite and PostgreSQL: idempotent, atomic, newest rules win, strings verbatim."""

from datetime import date, datetime, timedelta, timezone

import pytest

from schemas import Article, EnrichedArticle, Event
from storage import InvalidBatch, Repository
from tests.support.records import counts, make_batch, make_record


def test_a_batch_is_stored_with_its_entities_mentions_events_and_parties(repo):
    result = repo.save_batch(make_batch(5))
    assert len(result.inserted) == 5 and result.updated == () and result.skipped == ()
    assert (result.entities, result.mentions, result.events) == (10, 10, 5)
    assert counts(repo) == {"articles": 5, "entities": 10, "mentions": 10, "event_parties": 10,
                            "events": {"total": 5, "by_type": {"sanction": 5},
                                       "by_certainty": {"asserted": 5}},
                            "alerts": {"sent": 0, "due": 5}}
    assert repo.article_count() == 5


def test_an_empty_batch_writes_nothing(repo):
    assert repo.save_batch([]).written == ()
    assert repo.article_count() == 0


def test_the_same_batch_twice_changes_no_count(repo):
    batch = make_batch(20)
    repo.save_batch(batch)
    before = counts(repo)
    again = repo.save_batch(batch)
    assert len(again.updated) == 20 and again.inserted == ()
    assert counts(repo) == before


def test_the_same_article_twice_in_a_batch_is_stored_once(repo):
    record = make_record("dup")
    result = repo.save_batch([record, record, make_record("other")])
    assert result.superseded == 1
    assert counts(repo)["articles"] == 2
    assert counts(repo)["events"]["total"] == 2


def test_duplicates_with_different_content_keep_the_last(repo):
    repo.save_batch([make_record("a", target="Russia"), make_record("a", target="Iran")])
    [event] = repo.events_for("a")
    assert event.targets == ("IRN",)


def test_reprocessing_replaces_entities_mentions_and_events(repo):
    repo.save_batch([make_record("a", target="Russia", certainty="asserted")])
    old_event = repo.events_for("a")[0]
    repo.save_batch([make_record("a", target="China", certainty="hypothetical",
                                 extra_sentence="Talks continue.")])
    [event] = repo.events_for("a")
    assert event.id != old_event.id and event.targets == ("CHN",)
    assert event.certainty == "hypothetical"
    stats = counts(repo)
    assert (stats["entities"], stats["mentions"], stats["event_parties"]) == (2, 2, 2)
    assert repo.events_involving("RUS") == []
    assert [e.id for e in repo.events_involving("CHN", role="target")] == [event.id]
    assert repo.get_article("a").text.endswith("Talks continue.")


def test_an_older_rules_version_does_not_replace_a_newer_one(repo):
    repo.save_batch([make_record("a", target="Russia", rules_version="sanction_rules.v10")])
    result = repo.save_batch([make_record("a", target="Iran", rules_version="sanction_rules.v9")])
    assert result.skipped == ("a",) and result.written == ()
    [event] = repo.events_for("a")
    assert event.targets == ("RUS",) and event.rules_version == "sanction_rules.v10"
    assert repo.article_rules_version("a") == "sanction_rules.v10"


def test_a_newer_rules_version_replaces_an_older_one(repo):
    repo.save_batch([make_record("a", target="Russia", rules_version="sanction_rules.v9")])
    result = repo.save_batch([make_record("a", target="Iran", rules_version="sanction_rules.v10")])
    assert result.updated == ("a",)
    assert repo.events_for("a")[0].targets == ("IRN",)


def test_a_mixed_batch_writes_the_newer_and_skips_the_older(repo):
    repo.save_batch([make_record("old", rules_version="r.v5"), make_record("new", rules_version="r.v1")])
    result = repo.save_batch([make_record("old", target="Iran", rules_version="r.v4"),
                              make_record("new", target="Iran", rules_version="r.v2"),
                              make_record("fresh", rules_version="r.v1")])
    assert (result.inserted, result.updated, result.skipped) == (("fresh",), ("new",), ("old",))


def test_first_seen_and_event_created_at_survive_reprocessing(repo, engine):
    import sqlalchemy as sa

    from storage.models import articles, events

    repo.save_batch([make_record("a")])
    with engine.connect() as conn:
        first_seen, updated = conn.execute(sa.select(articles.c.first_seen_at, articles.c.updated_at)).one()
        created = conn.execute(sa.select(events.c.created_at)).scalar_one()
    repo.save_batch([make_record("a")])
    with engine.connect() as conn:
        first_seen2, updated2 = conn.execute(sa.select(articles.c.first_seen_at, articles.c.updated_at)).one()
        created2 = conn.execute(sa.select(events.c.created_at)).scalar_one()
    assert first_seen2 == first_seen and created2 == created
    assert updated2 > updated
    assert first_seen.tzinfo is not None and first_seen.utcoffset().total_seconds() == 0


def test_timestamps_and_dates_come_back_timezone_aware_and_equal(repo):
    published = datetime(2026, 3, 2, 13, 30, tzinfo=timezone(timedelta(hours=2)))  # not UTC on purpose
    record = make_record("tz")
    record = record.model_copy(update={"article": record.article.model_copy(update={"published": published})})
    repo.save_batch([record])
    stored = repo.get_article("tz")
    assert stored.published == published and stored.published.tzinfo is not None
    assert repo.events_for("tz")[0].event_date == date(2026, 3, 2)


HOSTILE = [
    "Robert'); DROP TABLE articles;--",
    "' OR '1'='1",
    '"; DELETE FROM events WHERE ""="',
    "100% of _under_scores_ and \\backslashes\\ and $1 :name %(x)s ?",
    "Ünïcödé — مرحبا — 中文 — 🚀",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_strings_are_stored_verbatim(repo, hostile):
    record = make_record("x", extra_sentence=hostile, title=hostile)
    event = record.analysis.events[0].model_copy(update={"trigger": hostile, "actors": (hostile,),
                                                         "plover": hostile})
    analysis = record.analysis.model_copy(update={"events": (event,), "model": hostile})
    article_id = hostile  # ids are user data too
    article = record.article.model_copy(update={"id": article_id})
    analysis = analysis.model_copy(update={"article_id": article_id, "events": (
        event.model_copy(update={"article_id": article_id}),)})
    repo.save_batch([EnrichedArticle(article=article, analysis=analysis)])
    stored: Article = repo.get_article(article_id)
    assert stored.title == hostile and stored.text == article.text and stored.id == hostile
    [stored_event] = repo.events_for(article_id)
    assert stored_event == event.model_copy(update={"article_id": article_id})
    assert [e.id for e in repo.events_involving(hostile, role="actor")] == [event.id]
    assert counts(repo)["articles"] == 1


def test_events_round_trip_field_for_field(repo):
    record = make_record("rt")
    repo.save_batch([record])
    assert repo.events_for("rt") == list(record.analysis.events)


def test_bad_records_are_refused_whole_with_their_ids(repo):
    good = make_record("good")
    bad = make_record("bad", title="nul\x00byte")
    with pytest.raises(InvalidBatch, match="NUL") as info:
        repo.save_batch([good, bad])
    assert info.value.article_ids == ("bad",)
    assert not getattr(info.value, "retryable", False)
    assert repo.article_count() == 0


def test_a_database_error_mid_batch_rolls_back_the_whole_batch(repo):
    repo.save_batch([make_record("first")])
    taken = repo.events_for("first")[0].id
    clash = make_record("second")
    event: Event = clash.analysis.events[0].model_copy(update={"id": taken})  # an id another article owns
    clash = clash.model_copy(update={"analysis": clash.analysis.model_copy(update={"events": (event,)})})
    before = counts(repo)
    with pytest.raises(InvalidBatch, match="rejected"):
        repo.save_batch([make_record("innocent"), clash])
    assert counts(repo) == before
    assert repo.get_article("innocent") is None


def test_a_repository_on_an_existing_database_sees_the_stored_rows(repo, engine):
    repo.save_batch(make_batch(3))
    assert Repository(engine).article_count() == 3
