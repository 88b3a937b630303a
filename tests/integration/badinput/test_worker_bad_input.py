"""A real worker fed a mix of every kind of bad input and good articles: each bad record gets its dead letter
and reason (counted in newsmon_deadletters_total{reason}), awkward-but-valid ones are stored as documented in
streams/worker/decode.py, and the worker keeps going."""

from __future__ import annotations

import json

import pytest

from schemas import DeadLetter
from tests.support.kafka import produce, read_topic
from tests.support.pipeline import MAX_TEXT_BYTES, article_ids, bulk_articles, db_rows
from tests.support.workers import wait_for

HTML = ("<!DOCTYPE html><html><head><title>News</title></head><body><p>Chile and Peru signed a fisheries "
        "accord in Lima.</p></body></html>")
SQL = "Robert'); DROP TABLE articles;-- and ' OR '1'='1 were quoted in the court filing about Chile."
MARKUP = "Ministers from Chile and Peru met; the page read <script>alert('x')</script> <img src=x onerror=1>."
GERMAN = ("Frankreich hat am Montag neue Sanktionen gegen den Iran verhängt und den Botschafter "
          "zurückgerufen, teilte das Außenministerium in Paris mit.")
RUSSIAN = "Министры иностранных дел Чили и Перу провели переговоры в Лиме в понедельник."


def rec(**fields) -> bytes:
    return json.dumps(fields).encode()


# (key, value, dead-letter reason or None when it is stored)
MIX = [
    ("bad-notjson", b"Chile and Peru signed an accord", "not_json"),
    ("bad-array", b'["Chile", "Peru"]', "wrong_schema"),
    ("bad-missing", rec(id="bad-missing", title="A title and no text"), "wrong_schema"),
    ("bad-empty", rec(id="bad-empty", text=""), "empty_text"),
    ("bad-blank", rec(id="bad-blank", text=" \n\t "), "empty_text"),
    ("bad-big", rec(id="bad-big", text="word " * (MAX_TEXT_BYTES // 4)), "oversize"),
    ("bad-utf8", b'{"id": "bad-utf8", "text": "Chile \xff Peru"}', "invalid_utf8"),
    ("bad-html", rec(id="bad-html", text=HTML), "html_rejected"),
    ("ctrl-1", rec(id="ctrl-1", text="Chile\x00 and Peru\x07 signed\x1b an accord."), None),
    ("de-1", rec(id="de-1", text=GERMAN), None),
    ("ru-1", rec(id="ru-1", text=RUSSIAN), None),
    ("sql-1", rec(id="sql-1", text=SQL, title="'; DELETE FROM events; --"), None),
    ("markup-1", rec(id="markup-1", text=MARKUP), None),
    ("dup-1", rec(id="dup-1", text="First version: Chile and Peru held talks."), None),
    ("dup-1", rec(id="dup-1", text="Second version: Chile and Peru signed an accord."), None),
]


def deadletters_by_reason(worker) -> dict[str, float]:
    _, body = worker.get("/metrics")
    out = {}
    for line in body.splitlines():
        if line.startswith("newsmon_deadletters_total{"):
            labels, value = line.rsplit(" ", 1)
            out[labels.split('reason="', 1)[1].split('"', 1)[0]] = float(value)
    return out


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_worker_survives_a_mix_of_bad_input(make_worker, kafka_bootstrap, unique_prefix, database_url):
    worker = make_worker(database_url)
    worker.ready()
    good = bulk_articles(20)
    topic = f"{unique_prefix}news.articles"
    # The bad records first, then the good ones: everything after a bad record must still be processed.
    produce(kafka_bootstrap, topic, [(k.encode(), v) for k, v, _ in MIX]
            + [(a.id.encode(), a.model_dump_json().encode()) for a in good])

    stored_ids = {a.id for a in good} | {k for k, _, reason in MIX if reason is None}
    wait_for("every storable record in the database", lambda: article_ids(database_url) == stored_ids,
             180, worker.log_tail)
    assert worker.proc.poll() is None, "the worker kept going"

    expected: dict[str, int] = {}
    for _, _, reason in MIX:
        if reason:
            expected[reason] = expected.get(reason, 0) + 1
    records = read_topic(kafka_bootstrap, f"{unique_prefix}news.deadletter", sum(expected.values()))
    letters = [DeadLetter.model_validate_json(r.value) for r in records]
    got: dict[str, int] = {}
    for letter in letters:
        got[letter.reason] = got.get(letter.reason, 0) + 1
        sent = dict((k, v) for k, v, _ in MIX)[letter.key]
        assert letter.original == sent and letter.detail
    assert got == expected
    assert deadletters_by_reason(worker) == {k: float(v) for k, v in expected.items()}

    text = dict(db_rows(database_url, "SELECT id, text FROM articles"))
    assert text["ctrl-1"] == "Chile and Peru signed an accord."  # control characters stripped
    assert text["sql-1"] == SQL and text["markup-1"] == MARKUP  # stored verbatim, never executed
    titles = dict(db_rows(database_url, "SELECT id, title FROM articles"))
    assert titles["sql-1"] == "'; DELETE FROM events; --"
    assert text["dup-1"].startswith("Second version")  # same id: the later record wins
    languages = dict(db_rows(database_url, "SELECT id, language FROM articles"))
    # Not English: marked undetermined, stored, and no English rule produced an event from it.
    assert languages["de-1"] == languages["ru-1"] == "und" and languages[good[0].id] == "en"
    assert db_rows(database_url, "SELECT COUNT(*) FROM events WHERE article_id IN ('de-1', 'ru-1')") == [(0,)]
    assert db_rows(database_url, "SELECT COUNT(*) FROM events WHERE article_id LIKE 'bulk-%'")[0][0] > 0
    print(f"\n[bad input] dead letters by reason: {got}; stored {len(stored_ids)} articles")


def test_publish_cli_refuses_bad_inputs_with_clear_errors(kafka_bootstrap, unique_prefix, tmp_path):
    """`newsmon publish` says, per input line, what is wrong, publishes the rest and exits 1."""
    import os
    import subprocess

    from tests.support.workers import NEWSMON

    lines = [json.dumps({"id": "big", "text": "word " * 5000}), json.dumps({"id": "page", "text": HTML}),
             "{broken", json.dumps({"id": "blank", "text": "  "}),
             json.dumps({"id": "fine", "text": "Chile and Peru signed an accord."})]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    env = dict(os.environ, NEWSMON_KAFKA_BOOTSTRAP=kafka_bootstrap, NEWSMON_TOPIC_PREFIX=unique_prefix,
               NEWSMON_MAX_TEXT_BYTES="20000")
    result = subprocess.run([str(NEWSMON), "publish", str(path)], env=env, capture_output=True, text=True,
                            timeout=120)
    out = result.stdout
    assert result.returncode == 1, result.stderr
    assert f"{path}:1: oversize: record is" in out and "NEWSMON_MAX_TEXT_BYTES" in out
    assert f"{path}:3: not JSON" in out and f"{path}:4:" in out
    # The HTML page is not refused at the door: its article text is extracted (streams/inputs/html.py).
    assert "published 2 article(s)" in out and "3 input(s) failed" in out
    records = read_topic(kafka_bootstrap, f"{unique_prefix}news.articles", 2)
    assert sorted(r.key for r in records) == [b"fine", b"page"]
    page = next(json.loads(r.value) for r in records if r.key == b"page")
    assert page["text"] == "Chile and Peru signed a fisheries accord in Lima." and page["title"] == "News"
