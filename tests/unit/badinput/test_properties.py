"""Property-based: no input crashes the decoder or the processors (hypothesis).

The processors run with the real model (few examples, no deadline) because spacy.blank("en") has no parser
and would skip every rule after tokenisation, which is exactly the code a hostile text has to get through.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import Analysis, Article, DeadLetter
from streams.worker.decode import Origin, decode_article

ORIGIN = Origin(topic="t.news.articles", partition=0, offset=0, key=b"k")
LIMIT = 4_000

# Text that looks like news more often than uniform random text does: words, names, punctuation, markup.
WORDS = st.sampled_from([
    "France", "imposed", "sanctions", "on", "Iran", "the", "UN", "Security", "Council", "said", "talks",
    "will", "not", "ambassador", "recalled", "U.S.", "EU", "'s", ",", ".", "\n\n", "<b>", "&amp;", "#39;",
    "Mr.", "Putin", "met", "Xi", "in", "Beijing", "on", "Monday", "2024", "-", "\"", "(", ")", "Türkiye",
    "Москва", "北京", "🙂", "\x00", "\t",
])
NEWSY = st.lists(WORDS, min_size=0, max_size=60).map(" ".join)
ANY_TEXT = st.one_of(NEWSY, st.text(max_size=300))
JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
                       lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                   max_size=4),
                       max_leaves=10)


def _is_decoded(result: object) -> bool:
    return isinstance(result, Article | DeadLetter)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_decoder_survives_any_bytes(raw):
    result = decode_article(raw, ORIGIN, LIMIT)
    assert _is_decoded(result)
    if isinstance(result, DeadLetter):
        assert result.original == raw and result.reason


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["id", "text", "title", "url", "source", "published", "language",
                                        "extra"]), JSONISH, max_size=6))
def test_decoder_survives_any_json_object(data):
    raw = json.dumps(data).encode("utf-8", errors="surrogatepass")
    assert _is_decoded(decode_article(raw, ORIGIN, LIMIT))


@settings(max_examples=300, deadline=None)
@given(text=ANY_TEXT, title=st.none() | ANY_TEXT)
def test_decoded_articles_are_storable(text, title):
    """Whatever the decoder accepts, storage accepts too (no NUL, no lone surrogate): the persist agent never
    meets a record it must reject."""
    from schemas import EnrichedArticle
    from storage.rows import check

    raw = json.dumps({"id": "k", "text": text, "title": title}).encode("utf-8")
    result = decode_article(raw, ORIGIN, LIMIT)
    if isinstance(result, Article):
        analysis = Analysis(article_id="k", language="und", model="m", rules_version="r")
        assert check(EnrichedArticle(article=result, analysis=analysis)) == []
        assert result.text.strip()


@pytest.fixture(scope="module")
def nlp_and_rules():
    from processors import load_nlp, load_rules
    from streams.settings import Settings

    return load_nlp(Settings().spacy_model), load_rules()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=ANY_TEXT.filter(lambda t: t.strip()), title=st.none() | NEWSY)
def test_processors_survive_any_text(nlp_and_rules, text, title):
    from processors import process_article

    nlp, rules = nlp_and_rules
    analysis = process_article(Article(id="p-1", text=text, title=title), nlp, rules)
    assert analysis.article_id == "p-1" and analysis.language in ("en", "und")
    full = Article(id="p-1", text=text, title=title).full_text
    for mention in analysis.mentions:  # offsets point into the text the user sent
        assert 0 <= mention.start <= mention.end <= len(full)
    for event in analysis.events:
        assert event.evidence.text.strip() and event.article_id == "p-1"


def test_non_english_text_is_marked_and_gets_no_english_rules(nlp_and_rules):
    from processors import process_article

    nlp, rules = nlp_and_rules
    text = ("Frankreich hat am Montag neue Sanktionen gegen den Iran verhängt und den Botschafter "
            "zurückgerufen, teilte das Außenministerium in Paris mit.")
    analysis = process_article(Article(id="de-1", text=text), nlp, rules)
    assert analysis.language == "und"
    assert analysis.events == () and analysis.entities == ()
