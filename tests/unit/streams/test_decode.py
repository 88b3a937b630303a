"""Edge validation: each kind of bad input becomes a DeadLetter with its reason, origin and original bytes."""

import json

import pytest

from schemas import Article, DeadLetter, EnrichedArticle
from streams.worker.decode import Origin, decode_article, decode_record

ORIGIN = Origin(topic="t.news.articles", partition=2, offset=41, key=b"a-1", timestamp_ms=1_700_000_000_000)
LIMIT = 10_000


def _article(**fields) -> bytes:
    return json.dumps({"id": "a-1", "text": "The EU imposed sanctions on Russia.", **fields}).encode()


def test_good_article_decodes():
    article = decode_article(_article(title="EU sanctions"), ORIGIN, LIMIT)
    assert isinstance(article, Article)
    assert article.id == "a-1" and article.title == "EU sanctions"


@pytest.mark.parametrize(
    ("raw", "reason", "detail_part"),
    [
        (b"\xff\xfe not utf-8", "invalid_utf8", "UTF-8"),
        (b"{not json", "not_json", "not JSON"),
        (b"", "not_json", "not JSON"),
        (b"[1, 2]", "wrong_schema", "JSON object"),
        (json.dumps({"id": "a-1"}).encode(), "wrong_schema", "text"),
        (_article(colour="blue"), "wrong_schema", "colour"),
        (_article(published="yesterday-ish"), "wrong_schema", "published"),
        (json.dumps({"id": "a-1", "text": "   \n\t"}).encode(), "empty_text", "empty"),
        (json.dumps({"id": "a-1", "text": ""}).encode(), "empty_text", "empty"),
        (_article(text="x" * (LIMIT + 1)), "oversize", "NEWSMON_MAX_TEXT_BYTES"),
    ],
)
def test_bad_input_becomes_a_dead_letter(raw, reason, detail_part):
    letter = decode_article(raw, ORIGIN, LIMIT)
    assert isinstance(letter, DeadLetter)
    assert letter.reason == reason
    assert detail_part in letter.detail
    # Enough to find and replay it: where it came from and its exact bytes.
    assert (letter.topic, letter.partition, letter.offset, letter.key) == ("t.news.articles", 2, 41, "a-1")
    assert letter.original == raw


def test_dead_letter_round_trips_as_json():
    letter = decode_article(b"\x00\x01garbage", ORIGIN, LIMIT)
    again = DeadLetter.model_validate_json(letter.model_dump_json())
    assert again.original == b"\x00\x01garbage"


def test_record_without_key_or_value():
    letter = decode_article(None, Origin(topic="t"), LIMIT)
    assert isinstance(letter, DeadLetter) and letter.key is None and letter.original == b""


def test_enriched_record_schema_is_checked():
    letter = decode_record(json.dumps({"article": {"id": "x"}}).encode(), ORIGIN, EnrichedArticle)
    assert isinstance(letter, DeadLetter) and letter.reason == "wrong_schema"
    assert "EnrichedArticle" in letter.detail
