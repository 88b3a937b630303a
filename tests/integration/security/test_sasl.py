"""Kafka SASL end to end on a dedicated broker with a SASL_PLAINTEXT listener (deploy/local/kafka.sh,
KAFKA_SASL=1): `newsmon publish` and `newsmon worker` connect with the right password under PLAIN and
SCRAM-SHA-256/512, refuse a wrong one quickly with a clear message, and never print a secret. The worker's
web endpoints bind to 127.0.0.1 and the ingestion endpoint requires its token."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.kafka import read_topic
from tests.support.pipeline import article_ids
from tests.support.services import DedicatedKafka
from tests.support.workers import NEWSMON, WorkerProcess, wait_for

USER = "newsmon-app"
PASSWORD = f"pw-{secrets.token_hex(8)}"  # random per run, so finding it in output can only mean a leak
WRONG = f"wrong-{secrets.token_hex(8)}"
TOKEN = f"tok-{secrets.token_hex(8)}"
MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


@pytest.fixture(scope="module")
def sasl_broker():
    broker = DedicatedKafka(sasl_users=f"{USER}:{PASSWORD}")
    broker.start()
    yield broker
    broker.close()


def sasl_env(broker: DedicatedKafka, mechanism: str, password: str, prefix: str) -> dict[str, str]:
    return {"NEWSMON_KAFKA_BOOTSTRAP": broker.sasl_bootstrap,
            "NEWSMON_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "NEWSMON_KAFKA_SASL_MECHANISM": mechanism,
            "NEWSMON_KAFKA_SASL_USERNAME": USER,
            "NEWSMON_KAFKA_SASL_PASSWORD": password, "NEWSMON_TOPIC_PREFIX": prefix}


def newsmon(args: list[str], env: dict[str, str], cwd: Path,
            timeout: float = 90) -> subprocess.CompletedProcess:
    """Run the CLI; the timeout turns a hang into a failure."""
    return subprocess.run([str(NEWSMON), *args], env=dict(os.environ, **env), cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def jsonl(path: Path, n: int, tag: str) -> Path:
    path.write_text("".join(json.dumps({"id": f"{tag}-{i}", "text": f"Norway and Chile held trade talks in "
                                        f"Oslo on Monday, officials said. ({tag} {i})"}) + "\n"
                            for i in range(n)))
    return path


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_publish_connects_with_the_right_password(sasl_broker, mechanism, unique_prefix, tmp_path):
    result = newsmon(["publish", str(jsonl(tmp_path / "a.jsonl", 3, mechanism))],
                     sasl_env(sasl_broker, mechanism, PASSWORD, unique_prefix), tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"published 3 article(s) to {unique_prefix}news.articles" in result.stdout
    records = read_topic(sasl_broker.bootstrap, f"{unique_prefix}news.articles", 3)
    assert sorted(r.key.decode() for r in records) == [f"{mechanism}-{i}" for i in range(3)]
    assert PASSWORD not in result.stdout + result.stderr


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_publish_refuses_a_wrong_password_with_a_clear_error(sasl_broker, mechanism, unique_prefix, tmp_path):
    result = newsmon(["publish", str(jsonl(tmp_path / "a.jsonl", 1, "x"))],
                     sasl_env(sasl_broker, mechanism, WRONG, unique_prefix), tmp_path, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert f"SASL {mechanism} authentication failed for user '{USER}'" in result.stderr
    assert "NEWSMON_KAFKA_SASL_PASSWORD" in result.stderr
    assert WRONG not in output and PASSWORD not in output


def test_worker_refuses_a_wrong_password_before_starting(sasl_broker, unique_prefix, tmp_path):
    env = sasl_env(sasl_broker, "SCRAM-SHA-512", WRONG, unique_prefix)
    env["NEWSMON_DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite'}"
    result = newsmon(["worker"], env, tmp_path, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert f"SASL SCRAM-SHA-512 authentication failed for user '{USER}'" in result.stderr
    assert WRONG not in output


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of LISTEN sockets on `port` (IPv4 and IPv6), from /proc/net."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                if len(address) == 8:
                    found.add(".".join(str(b) for b in bytes.fromhex(address)[::-1]))
                else:
                    found.add(address)
    return found


def _post(port: int, body: bytes, token: str | None) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/articles", data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_worker_over_sasl_serves_on_loopback_with_a_token_and_leaks_no_secret(sasl_broker, unique_prefix,
                                                                              tmp_path):
    database_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    env = {**sasl_env(sasl_broker, "SCRAM-SHA-256", PASSWORD, unique_prefix), "NEWSMON_INGEST_TOKEN": TOKEN}
    worker = WorkerProcess(bootstrap=sasl_broker.sasl_bootstrap, prefix=unique_prefix,
                           database_url=database_url, workdir=tmp_path, extra_env=env)
    worker.env.pop("NEWSMON_WEB_HOST", None)  # the default bind address is what is under test
    worker.start()
    try:
        worker.ready()
        assert _listening_addresses(worker.port) == {"127.0.0.1"}

        body = json.dumps({"id": "ingest-1",
                           "text": "Kenya and Ghana signed a trade accord on Friday."}).encode()
        assert _post(worker.port, body, None) == 401
        assert _post(worker.port, body, "not-the-token") == 401
        assert article_ids(database_url) == set()
        assert _post(worker.port, body, TOKEN) == 202  # accepted: published through the SASL producer

        published = newsmon(["publish", str(jsonl(tmp_path / "b.jsonl", 4, "cli"))],
                            sasl_env(sasl_broker, "SCRAM-SHA-256", PASSWORD, unique_prefix), tmp_path)
        assert published.returncode == 0, published.stderr
        expected = {"ingest-1"} | {f"cli-{i}" for i in range(4)}
        wait_for("the ingested and published articles in the database",
                 lambda: article_ids(database_url) == expected, 120, worker.log_tail)
    finally:
        worker.stop(signal.SIGTERM)
    log = worker.log_path.read_text(errors="replace")
    assert "SCRAM-SHA-256" in log or sasl_broker.sasl_bootstrap in log, "the log is the worker's"
    for secret in (PASSWORD, TOKEN):
        assert secret not in log, "a secret reached the worker's log"
        assert secret not in published.stdout + published.stderr


async def _aiokafka_send(bootstrap: str, mechanism: str, password: str, topic: str) -> None:
    """Connect as the worker does: our settings -> faust credentials -> faust's aiokafka mapping."""
    from aiokafka import AIOKafkaProducer
    from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
    from pydantic import SecretStr

    from streams.kafka.clients import faust_broker_kwargs
    from streams.settings import Settings

    settings = Settings(kafka_bootstrap=bootstrap, kafka_security_protocol="SASL_PLAINTEXT",
                        kafka_sasl_mechanism=mechanism, kafka_sasl_username=USER,
                        kafka_sasl_password=SecretStr(password))
    auth = credentials_to_aiokafka_auth(faust_broker_kwargs(settings)["broker_credentials"])
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, request_timeout_ms=10_000, **auth)
    try:
        await producer.start()
        await producer.send_and_wait(topic, b"value", key=mechanism.encode())
    finally:
        await producer.stop()


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_faust_credentials_reach_aiokafka(sasl_broker, mechanism, unique_prefix):
    import asyncio

    from aiokafka.errors import KafkaError

    topic = f"{unique_prefix}aiokafka"
    asyncio.run(asyncio.wait_for(_aiokafka_send(sasl_broker.sasl_bootstrap, mechanism, PASSWORD, topic), 60))
    assert [r.key for r in read_topic(sasl_broker.bootstrap, topic, 1)] == [mechanism.encode()]
    with pytest.raises(KafkaError) as refused:  # a wrong password fails at start, not after a hang
        asyncio.run(asyncio.wait_for(_aiokafka_send(sasl_broker.sasl_bootstrap, mechanism, WRONG, topic), 60))
    assert WRONG not in str(refused.value)
