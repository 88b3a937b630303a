"""Every kind of bad or awkward input at the edge (streams.worker.decode): the reason it is dead-lettered under, or
what is kept of it. The decisions themselves are documented in streams/worker/decode.py."""

from __future__ import annotations

import json

import pytest

from schemas import Article, DeadLetter
from schemas.deadletter import DEADLETTER_REASONS
from streams.worker.decode import Origin, decode_article

ORIGIN = Origin(topic="t.news.articles", partition=0, offset=7, key=b"k-1")
LIMIT = 1_000_000  # the default NEWSMON_MAX_TEXT_BYTES


def record(**fields) -> bytes:
    return json.dumps({"id": "k-1", **fields}).encode("utf-8")


HTML_PAGE = ("<!DOCTYPE html>\n<html lang=\"en\"><head><title>World news</title></head>"
             "<body><p>France recalled its ambassador from Mali.</p></body></html>")

CASES = {
    "not JSON": (b"France recalled its ambassador", "not_json", "not JSON"),
    "JSON array": (b'["France", "Mali"]', "wrong_schema", "JSON object"),
    "JSON string": (b'"just a string"', "wrong_schema", "JSON object"),
    "text is a number": (record(text=42), "wrong_schema", "text"),
    "missing text": (record(title="Only a title"), "wrong_schema", "text: Field required"),
    "missing id": (json.dumps({"text": "Peru and Chile signed a treaty."}).encode(), "wrong_schema",
                   "id"),
    "empty text": (record(text=""), "empty_text", "empty"),
    "whitespace text": (record(text=" \t\n\u00a0 "), "empty_text", "empty"),
    "control characters only": (record(text="\x00\x01\x07 \x1b"), "empty_text", "control characters"),
    "over the size limit": (record(text="a" * (LIMIT + 1)), "oversize", "limit is 1000000"),
    "invalid UTF-8": (b'{"id": "k-1", "text": "caf\xe9 au lait"}', "invalid_utf8",
                      "not valid UTF-8 at byte 26"),
    "unpaired surrogate": (b'{"id": "k-1", "text": "half a pair \\ud83d here"}', "invalid_utf8",
                           "surrogate"),
    "HTML page": (record(text=HTML_PAGE), "html_rejected", "extract the article text"),
    "HTML body fragment": (record(text="<body><p>Talks resumed.</p></body>"), "html_rejected", "HTML page"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_dead_lettered_with_a_clear_reason(name):
    raw, reason, detail = CASES[name]
    letter = decode_article(raw, ORIGIN, LIMIT)
    assert isinstance(letter, DeadLetter), f"{name}: decoded instead of rejected"
    assert letter.reason == reason and reason in DEADLETTER_REASONS
    assert detail in letter.detail
    assert letter.original == raw and letter.key == "k-1" and letter.offset == 7


def test_text_just_under_the_limit_is_accepted():
    raw = record(text="word " * 1000)
    assert isinstance(decode_article(raw, ORIGIN, len(raw)), Article)
    assert isinstance(decode_article(raw, ORIGIN, len(raw) - 1), DeadLetter)


def test_control_characters_are_stripped_from_text_and_title():
    article = decode_article(record(text="Chile\x00 and Peru\x07 signed\x1b a treaty.\x7f\x85",
                                    title="Treaty\x0c signed"), ORIGIN, LIMIT)
    assert isinstance(article, Article)
    assert article.text == "Chile and Peru signed a treaty."
    assert article.title == "Treaty signed"


def test_tabs_and_line_breaks_are_kept():
    text = "Line one.\r\n\tLine two.\nLine three."
    article = decode_article(record(text=text), ORIGIN, LIMIT)
    assert isinstance(article, Article) and article.text == text


@pytest.mark.parametrize("text", [
    "Robert'); DROP TABLE articles;-- was named in the filing.",
    "' OR '1'='1' UNION SELECT password FROM users --",
    "The page showed <script>alert('sanctions')</script> and <img src=x onerror=alert(1)>.",
    "Ministers met in {{7*7}} ${jndi:ldap://127.0.0.1/a} %s%s%n.",
])
def test_injection_strings_are_kept_verbatim(text):
    article = decode_article(record(text=text), ORIGIN, LIMIT)
    assert isinstance(article, Article) and article.text == text


def test_non_english_text_is_accepted_at_the_edge():
    text = "Die Bundesregierung hat neue Sanktionen gegen den Iran beschlossen, teilte das Ministerium mit."
    article = decode_article(record(text=text), ORIGIN, LIMIT)
    assert isinstance(article, Article) and article.text == text
