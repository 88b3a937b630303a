"""`newsmon topics create|list` against the real broker: declared partitions and retention, idempotent."""

from __future__ import annotations

import json
import os
import subprocess

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from streams.settings import Settings
from tests.support.workers import NEWSMON


def _newsmon(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(NEWSMON), *args], env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120)


def test_topics_create_makes_the_declared_topics_once(kafka_bootstrap, unique_prefix):
    env = {"NEWSMON_KAFKA_BOOTSTRAP": kafka_bootstrap, "NEWSMON_TOPIC_PREFIX": unique_prefix}
    before = _newsmon("topics", "list", env=env)
    assert before.returncode == 0 and "missing" in before.stdout

    first = _newsmon("topics", "create", env=env)
    assert first.returncode == 0, first.stderr
    specs = Settings(topic_prefix=unique_prefix).topics()
    assert f"{len(specs)} topic(s) created" in first.stdout

    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        names = [spec.full_name(unique_prefix) for spec in specs.values()]
        described = {d["name"]: len(d["partitions"]) for d in admin.describe_topics(names)}
        resources = [ConfigResource(ConfigResourceType.TOPIC, n) for n in names]
        configs = admin.describe_configs(resources)["topic"]
    finally:
        admin.close()
    for spec, name in zip(specs.values(), names, strict=True):
        assert described[name] == spec.partitions
        assert configs[name]["retention.ms"]["value"] == str(spec.retention_ms)
        assert configs[name]["cleanup.policy"]["value"] == spec.cleanup_policy
    alert_topics = [n for spec, n in zip(specs.values(), names, strict=True) if spec.schema.__name__ == "Alert"]
    assert alert_topics and all(configs[n]["cleanup.policy"]["value"] == "compact,delete" for n in alert_topics)

    again = _newsmon("topics", "create", env=env)
    assert again.returncode == 0 and "already exist" in again.stdout
    listed = _newsmon("topics", "list", env=env)
    assert "missing" not in listed.stdout and unique_prefix + "news.articles" in listed.stdout


def test_unreachable_broker_is_a_clear_error(unique_prefix):
    env = {"NEWSMON_KAFKA_BOOTSTRAP": "127.0.0.1:1", "NEWSMON_TOPIC_PREFIX": unique_prefix}
    result = _newsmon("worker", env=env)
    assert result.returncode == 2
    assert "127.0.0.1:1" in result.stderr and "make up" in result.stderr


def test_publish_sends_good_inputs_and_names_bad_lines(kafka_bootstrap, unique_prefix, tmp_path):
    from importlib.resources import files

    from tests.support.kafka import read_topic

    samples = files("streams") / "samples" / "articles.jsonl"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "Chile and Peru held talks in Lima on Tuesday."}\n{oops\n')
    env = {"NEWSMON_KAFKA_BOOTSTRAP": kafka_bootstrap, "NEWSMON_TOPIC_PREFIX": unique_prefix}
    assert _newsmon("topics", "create", env=env).returncode == 0
    result = _newsmon("publish", str(samples), str(bad), env=env)
    n_samples = sum(1 for line in samples.read_text().splitlines() if line.strip())
    assert result.returncode == 1  # one input failed
    assert f"{bad}:2" in result.stdout + result.stderr
    assert f"published {n_samples + 1} article(s)" in result.stdout
    assert "newsmon alerts --follow" in result.stdout
    records = read_topic(kafka_bootstrap, f"{unique_prefix}news.articles", n_samples + 1)
    assert len(records) == n_samples + 1
    assert all(r.key.decode() == json.loads(r.value)["id"] for r in records)  # key = article id


def test_an_alert_topic_created_before_compaction_gets_its_declared_policy(kafka_bootstrap, unique_prefix):
    from kafka.admin import NewTopic

    specs = Settings(topic_prefix=unique_prefix).topics()
    old = specs["alerts_sanction"].full_name(unique_prefix)
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        admin.create_topics([NewTopic(old, 2, 1, topic_configs={"cleanup.policy": "delete",
                                                                "retention.ms": "3600000"})])
        created = _newsmon("topics", "create", env={"NEWSMON_KAFKA_BOOTSTRAP": kafka_bootstrap,
                                                     "NEWSMON_TOPIC_PREFIX": unique_prefix})
        assert created.returncode == 0, created.stderr
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, old)])["topic"][old]
    finally:
        admin.close()
    assert configs["cleanup.policy"]["value"] == "compact,delete"
    assert configs["retention.ms"]["value"] == "3600000"  # an incremental change: the other configs stay
