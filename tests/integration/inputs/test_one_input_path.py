"""Issue 13's one input path, end to end: every fixture format (tests/fixtures/inputs/good) goes in through
`newsmon publish` (files, a directory, stdin), `POST /articles` on a real worker and `newsmon analyze`, and the
same Articles (id, text, title, published, source, author, extra) come out of all three; the refused records
(tests/fixtures/inputs/bad) are refused by each with the reason, and nothing of them reaches the topic."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request

import pytest

from schemas import Article
from tests.support.inputs import BAD, CONTENT_TYPES, GOOD
from tests.support.kafka import read_topic
from tests.support.workers import NEWSMON, WorkerProcess

FORMATS = sorted(GOOD.iterdir())


def _env(bootstrap: str, prefix: str) -> dict[str, str]:
    return dict(os.environ, NEWSMON_KAFKA_BOOTSTRAP=bootstrap, NEWSMON_TOPIC_PREFIX=prefix,
                NEWSMON_MAX_TEXT_BYTES="20000")


def _newsmon(env: dict[str, str], *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([NEWSMON, *args], env=env, input=stdin, capture_output=True, timeout=180)


def _analyze(env: dict[str, str], *args: str, stdin: bytes | None = None) -> dict[str, Article]:
    result = _newsmon(env, "analyze", *args, "--format", "articles", stdin=stdin)
    assert result.returncode == 0, result.stderr.decode()
    articles = [Article.model_validate_json(line) for line in result.stdout.decode().splitlines()]
    return {a.id: a for a in articles}


def _on_topic(bootstrap: str, topic: str, count: int) -> dict[str, Article]:
    records = read_topic(bootstrap, topic, count)
    out = {}
    for record in records:
        article = Article.model_validate_json(record.value)
        assert record.key == article.id.encode()
        out[article.id] = article
    assert len(records) == count == len(out), [r.key for r in records]
    return out


def _post(port: int, body: bytes, content_type: str | None) -> tuple[int, dict]:
    headers = {"Content-Type": content_type} if content_type else {}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/articles", data=body, headers=headers,
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def post_worker(kafka_bootstrap, unique_prefix, tmp_path):
    worker = WorkerProcess(bootstrap=kafka_bootstrap, prefix=f"{unique_prefix}post.",
                           database_url=f"sqlite:///{tmp_path / 'post.db'}", workdir=tmp_path,
                           extra_env={"NEWSMON_MAX_TEXT_BYTES": "20000"}).start()
    try:
        worker.ready()
        yield worker
    finally:
        worker.stop()


def test_every_format_gives_the_same_articles_through_publish_post_and_analyze(
        kafka_bootstrap, unique_prefix, post_worker):
    env = _env(kafka_bootstrap, f"{unique_prefix}pub.")
    expected = _analyze(env, str(GOOD))
    per_file = {path.name: _analyze(env, str(path)) for path in FORMATS}
    assert sum(len(v) for v in per_file.values()) == len(expected) == 11
    assert all(per_file.values()), "every fixture yields at least one article"

    # publish: the files named one by one, then the directory again (same ids: the topic just gets them twice)
    result = _newsmon(env, "publish", *map(str, FORMATS))
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    assert f"published {len(expected)} article(s)" in result.stdout.decode()
    assert _on_topic(kafka_bootstrap, f"{unique_prefix}pub.news.articles", len(expected)) == expected

    # POST: each file as a request body, with its Content-Type; once more without one (recognised)
    for path in FORMATS:
        status, answer = _post(post_worker.port, path.read_bytes(), CONTENT_TYPES[path.suffix])
        assert status == 202, (path.name, answer)
        assert answer["ids"] == list(per_file[path.name]), path.name
    posted = _on_topic(kafka_bootstrap, f"{unique_prefix}post.news.articles", len(expected))
    assert posted == expected
    status, answer = _post(post_worker.port, (GOOD / "feed.rss").read_bytes(), None)
    assert status == 202 and answer["ids"] == list(per_file["feed.rss"])

    # stdin (`-`) for publish and analyze: a NewsAPI response and a UTF-16 text file
    for n, name in enumerate(("newsapi.json", "utf16.txt")):
        raw = (GOOD / name).read_bytes()
        stdin_env = _env(kafka_bootstrap, f"{unique_prefix}stdin{n}.")
        assert _analyze(stdin_env, "-", stdin=raw) == per_file[name]
        result = _newsmon(stdin_env, "publish", "-", stdin=raw)
        assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
        on_topic = _on_topic(kafka_bootstrap, f"{unique_prefix}stdin{n}.news.articles", len(per_file[name]))
        assert on_topic == per_file[name]


BAD_REASONS = {
    "records.jsonl": ["records.jsonl:1: no article text",
                      "records.jsonl:2: 'published' is not a date newsmon can read", "records.jsonl:3: not JSON",
                      "records.jsonl:4[0]: expected a JSON object",
                      "records.jsonl:5: not an article"],
    "nav.html": ["nav.html: not an article: the HTML page holds no article text"],
    "cp1252.txt": ["cp1252.txt: not UTF-8 (byte 0xe9 at offset 3): it looks like cp125"],
}


def test_bad_records_are_refused_with_the_reason_everywhere(kafka_bootstrap, unique_prefix, post_worker, tmp_path):
    env = _env(kafka_bootstrap, f"{unique_prefix}pub.")
    good = GOOD / "array.json"
    other = tmp_path / "other"
    other.mkdir()
    (other / "scan.pdf").write_bytes(b"%PDF-1.7")

    result = _newsmon(env, "publish", str(BAD), str(good), str(other))
    out = result.stdout.decode()
    assert result.returncode == 1, out
    assert f"skipped {other / 'scan.pdf'}: not a known input type (known: .json" in out  # named, not failed
    for reasons in BAD_REASONS.values():
        for reason in reasons:
            assert reason in out, (reason, out)
    assert "published 2 article(s)" in out and "8 input(s) failed" in out
    published = _on_topic(kafka_bootstrap, f"{unique_prefix}pub.news.articles", 2)

    result = _newsmon(env, "analyze", str(BAD), "--format", "articles")
    err = result.stderr.decode()
    assert result.returncode == 2 and "no article could be read" in err
    for reasons in BAD_REASONS.values():
        for reason in reasons:
            assert f"error: {BAD}/{reason}" in err, (reason, err)

    for path in sorted(BAD.iterdir()):
        status, answer = _post(post_worker.port, path.read_bytes(), CONTENT_TYPES[path.suffix])
        assert status == 400 and answer["error"] == "invalid articles; nothing was published", answer
        details = [f"{path.name}{d['where'].removeprefix('body')}: {d['error']}" for d in answer["details"]]
        for reason in BAD_REASONS[path.name]:
            assert any(d.startswith(reason) for d in details), (reason, details)
    # All or nothing: a body with one bad record among good ones publishes none of them.
    body = json.dumps([json.loads(good.read_text())[0], {"title": "no text"}]).encode()
    status, answer = _post(post_worker.port, body, "application/json")
    assert status == 400 and [d["index"] for d in answer["details"]] == [1]
    status, answer = _post(post_worker.port, good.read_bytes(), "application/json")
    assert status == 202
    assert _on_topic(kafka_bootstrap, f"{unique_prefix}post.news.articles", 2) == published
