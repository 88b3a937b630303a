"""Any storable text comes back exactly as it went in, on both databases; large batches are chunked."""

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import Repository, make_engine, upgrade
from tests.support.records import counts, make_batch, make_record

# Every code point except NUL and lone surrogates (check() refuses those with a clear error).
storable = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1,
                   max_size=200).filter(lambda s: s.strip())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=storable, sentence=storable, source=storable)
def test_arbitrary_text_round_trips_verbatim(database_url, title, sentence, source):
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        repo = Repository(engine, migrate=False)
        article_id = f"h-{uuid.uuid4().hex}"
        record = make_record(article_id, title=title, extra_sentence=sentence)
        record = record.model_copy(update={"article": record.article.model_copy(update={"source": source})})
        repo.save_batch([record])
        stored = repo.get_article(article_id)
        assert (stored.title, stored.text, stored.source) == (title, record.article.text, source)
    finally:
        engine.dispose()


def test_a_batch_larger_than_one_statement_chunk_is_stored_whole(repo):
    batch = make_batch(1200)  # above the 500-id chunk of IN lists and multi-row statements
    result = repo.save_batch(batch)
    assert len(result.inserted) == 1200
    before = counts(repo)
    assert before["articles"] == 1200 and before["events"]["total"] == 1200
    assert len(repo.save_batch(batch).updated) == 1200
    assert counts(repo) == before
