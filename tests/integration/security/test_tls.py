"""Kafka over TLS end to end on a dedicated broker with SSL and SASL_SSL listeners (deploy/local/kafka.sh,
KAFKA_TLS=1 KAFKA_SASL=1, certificates of a test CA made by the script): a real `newsmon worker`, `newsmon
publish` and `newsmon alerts` work over each, with NEWSMON_KAFKA_SSL_CAFILE naming the CA; a CA that did not
sign the broker's certificate is refused in one line that says what failed and which setting to fix, and the
worker refuses it before it creates a topic."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
from pathlib import Path

import pytest

from schemas import Alert
from tests.support.kafka import read_topic
from tests.support.pipeline import article_ids, bulk_articles
from tests.support.services import DedicatedKafka
from tests.support.workers import NEWSMON, WorkerProcess, wait_for

USER = "newsmon-tls"
PASSWORD = f"pw-{secrets.token_hex(8)}"
ALERT_TOPICS = ("alerts.sanctions", "alerts.diplomacy")


@pytest.fixture(scope="module")
def tls_broker():
    broker = DedicatedKafka(sasl_users=f"{USER}:{PASSWORD}", tls=True)
    broker.start()
    yield broker
    broker.close()


@pytest.fixture(scope="module")
def wrong_ca(tmp_path_factory) -> Path:
    """A CA of its own, made as kafka.sh makes the broker's: valid, but it signed nothing the broker has."""
    path = tmp_path_factory.mktemp("wrong-ca")
    subprocess.run(["openssl", "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-keyout", str(path / "ca.key"), "-out", str(path / "ca.pem"),
                    "-subj", "/CN=not the newsmon test CA"], check=True, capture_output=True)
    return path / "ca.pem"


def tls_env(broker: DedicatedKafka, protocol: str, prefix: str, ca_file: Path) -> dict[str, str]:
    env = {"NEWSMON_KAFKA_SECURITY_PROTOCOL": protocol, "NEWSMON_KAFKA_SSL_CAFILE": str(ca_file),
           "NEWSMON_TOPIC_PREFIX": prefix}
    if protocol == "SASL_SSL":
        env.update(NEWSMON_KAFKA_BOOTSTRAP=broker.sasl_ssl_bootstrap, NEWSMON_KAFKA_SASL_MECHANISM="SCRAM-SHA-512",
                   NEWSMON_KAFKA_SASL_USERNAME=USER, NEWSMON_KAFKA_SASL_PASSWORD=PASSWORD)
    else:
        env["NEWSMON_KAFKA_BOOTSTRAP"] = broker.ssl_bootstrap
    return env


def newsmon(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 90) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    return subprocess.run([NEWSMON, *args], env={**clean, **env}, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def write_articles(path: Path, articles) -> Path:
    path.write_text("".join(a.model_dump_json() + "\n" for a in articles))
    return path


def alerts_on_topics(broker: DedicatedKafka, prefix: str) -> dict[str, Alert]:
    """What the worker put on the alert topics, read over the plaintext listener: the ground truth."""
    out = {}
    for name in ALERT_TOPICS:
        for record in read_topic(broker.bootstrap, f"{prefix}{name}", 0, timeout=30):
            alert = Alert.model_validate_json(record.value)
            out[alert.id] = alert
    return out


@pytest.mark.parametrize("protocol", ["SSL", "SASL_SSL"])
def test_worker_publish_and_alerts_over_tls(tls_broker, protocol, unique_prefix, tmp_path):
    env = tls_env(tls_broker, protocol, unique_prefix, tls_broker.ca_file)
    database_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    worker = WorkerProcess(bootstrap=env["NEWSMON_KAFKA_BOOTSTRAP"], prefix=unique_prefix,
                           database_url=database_url, workdir=tmp_path, extra_env=env)
    worker.start()
    try:
        worker.ready()
        articles = bulk_articles(6)  # two sanctions, two talks, two without an event
        published = newsmon(["publish", str(write_articles(tmp_path / "a.jsonl", articles))], env, tmp_path)
        assert published.returncode == 0, published.stderr
        assert f"published 6 article(s) to {unique_prefix}news.articles" in published.stdout
        wait_for("the published articles in the database",
                 lambda: article_ids(database_url) == {a.id for a in articles}, 180, worker.log_tail)
        expected = wait_for("the worker's alerts on the alert topics",
                            lambda: (found := alerts_on_topics(tls_broker, unique_prefix)) and len(found) >= 4
                            and found, 60, worker.log_tail)
        assert {a.event.article_id for a in expected.values()} <= {a.id for a in articles}

        shown = newsmon(["alerts", "--no-follow", "--from-beginning", "--json"], env, tmp_path)
        assert shown.returncode == 0, shown.stderr
        printed = [Alert.model_validate_json(line) for line in shown.stdout.splitlines()]
        assert {a.id: a for a in printed} == expected  # whole records, every one, over TLS

        # Kafka's own console consumer reads them over the same listener with the CA kafka.sh made.
        topic = f"{unique_prefix}alerts.sanctions"
        sanctions = [a for a in expected.values() if a.event.type == "sanction"]
        console = tls_broker.console("console-consumer", topic, "--from-beginning", "--max-messages",
                                     str(len(sanctions)), "--timeout-ms", "30000", protocol=protocol)
        assert console.returncode == 0, console.stderr
        assert sorted(json.loads(line)["id"] for line in console.stdout.splitlines()) == \
            sorted(a.id for a in sanctions)
    finally:
        worker.stop(signal.SIGTERM)
    assert PASSWORD not in worker.log_path.read_text(errors="replace")


def prefixed_topics(broker: DedicatedKafka, prefix: str) -> set[str]:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        return {t for t in admin.list_topics() if t.startswith(prefix)}
    finally:
        admin.close()


@pytest.mark.parametrize(("command", "protocol"), [("publish", "SSL"), ("publish", "SASL_SSL"),
                                                   ("alerts", "SSL"), ("worker", "SASL_SSL")])
def test_a_wrong_ca_is_refused_in_one_line_naming_the_setting(tls_broker, wrong_ca, protocol, command,
                                                              unique_prefix, tmp_path):
    env = tls_env(tls_broker, protocol, unique_prefix, wrong_ca)
    env["NEWSMON_DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite'}"
    args = {"publish": ["publish", str(write_articles(tmp_path / "a.jsonl", bulk_articles(1)))],
            "alerts": ["alerts", "--no-follow", "--from-beginning"],
            "worker": ["worker"]}[command]
    result = newsmon(args, env, tmp_path, timeout=90)
    assert result.returncode != 0, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: TLS handshake with Kafka at {env['NEWSMON_KAFKA_BOOTSTRAP']} failed")
    assert "certificate verify failed" in lines[0]
    assert f"NEWSMON_KAFKA_SSL_CAFILE='{wrong_ca}'" in lines[0]
    assert PASSWORD not in result.stdout + result.stderr
    if command == "worker":
        assert prefixed_topics(tls_broker, unique_prefix) == set(), "the worker created topics before failing"
