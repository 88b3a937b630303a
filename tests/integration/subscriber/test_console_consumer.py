"""A subscriber without Python: Kafka's own console consumer (`deploy/local/kafka.sh console-consumer`, from the
kafka-tools jar the script fetches beside the broker) reads the alert topics a real worker wrote, and every
record it prints is valid against the JSON Schema that `newsmon schemas export` gives subscribers; the console
producer writes an article the worker then processes."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from jsonschema import Draft202012Validator

from schemas import Article
from tests.support.kafka import read_topic
from tests.support.pipeline import article_ids, bulk_articles, publish
from tests.support.workers import NEWSMON, ROOT, wait_for

KAFKA_SH = ROOT / "deploy" / "local" / "kafka.sh"
ALERT_TOPICS = ("alerts.sanctions", "alerts.diplomacy")


def console(tool: str, bootstrap: str, topic: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """`deploy/local/kafka.sh console-consumer|console-producer TOPIC ARGS` on the test broker."""
    host, _, port = bootstrap.rpartition(":")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "NEWSMON_"))}
    env.update(KAFKA_HOST=host, KAFKA_PORT=port)
    return subprocess.run(["bash", str(KAFKA_SH), tool, topic, *args], env=env, cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


def exported_schemas(tmp_path) -> dict[str, Draft202012Validator]:
    """topic name -> a validator of the schema `newsmon schemas export` wrote for it (formats checked)."""
    out_dir = tmp_path / "schemas"
    result = subprocess.run([NEWSMON, "schemas", "export", str(out_dir)], capture_output=True, text=True,
                            timeout=60, env={k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")})
    assert result.returncode == 0, result.stderr
    index = json.loads((out_dir / "index.json").read_text())
    return {entry["topic"]: Draft202012Validator(json.loads((out_dir / entry["schema"]).read_text()),
                                                 format_checker=Draft202012Validator.FORMAT_CHECKER)
            for entry in index["topics"]}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_console_consumer_reads_the_alerts_and_they_match_the_exported_schema(make_worker, kafka_bootstrap,
                                                                              unique_prefix, database_url,
                                                                              tmp_path):
    worker = make_worker(database_url)
    worker.ready()
    articles = bulk_articles(8)  # sanctions, talks and articles without an event
    publish(kafka_bootstrap, f"{unique_prefix}news.articles", articles)
    wait_for("the articles in the database", lambda: article_ids(database_url) == {a.id for a in articles},
             180, worker.log_tail)
    written = {name: read_topic(kafka_bootstrap, f"{unique_prefix}{name}", 1, timeout=60) for name in ALERT_TOPICS}
    validators = exported_schemas(tmp_path)

    for name, records in written.items():
        result = console("console-consumer", kafka_bootstrap, f"{unique_prefix}{name}", "--from-beginning",
                                  "--max-messages", str(len(records)), "--timeout-ms", "30000",
                                  "--formatter-property", "print.key=true", "--formatter-property", "key.separator=\t")
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert len(lines) == len(records), result.stdout + result.stderr
        for line in lines:
            key, _, value = line.partition("\t")
            record = json.loads(value)
            errors = sorted(validators[name].iter_errors(record), key=str)
            assert not errors, f"{name}: {value} does not match its exported schema: {errors[0].message}"
            assert key == record["id"], "an alert is keyed by its id"
        assert sorted(json.loads(line.partition("\t")[2])["id"] for line in lines) == \
            sorted(json.loads(r.value)["id"] for r in records)

    # And the other way: an article written by Kafka's console producer, keyed by its id, is processed.
    article = Article(id="console-1", title="Console", text="Norway imposed sanctions on Belarus on Friday over "
                      "its border policy, officials said.")
    produced = console("console-producer", kafka_bootstrap, f"{unique_prefix}news.articles",
                       "--reader-property", "parse.key=true", "--reader-property", "key.separator=\t",
                       stdin=f"{article.id}\t{article.model_dump_json()}\n")
    assert produced.returncode == 0, produced.stderr
    wait_for("the console producer's article in the database", lambda: article.id in article_ids(database_url),
             120, worker.log_tail)
