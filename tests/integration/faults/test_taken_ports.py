"""A port the project binds that another process holds: the worker and the launchers (deploy/local/*.sh) say so in
one line that names the setting to change, exit non-zero, and create nothing first (no topic, no database)."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from streams.bench.workers import free_ports
from tests.support.workers import NEWSMON, ROOT, free_port

DEPLOY = ROOT / "deploy" / "local"


@contextmanager
def held_port(port: int | None = None) -> Iterator[int]:
    """A port that something other than newsmon listens on (it never answers)."""
    with socket.create_server(("127.0.0.1", port or 0)) as sock:
        yield sock.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NEWSMON_", "KAFKA_", "PROMETHEUS_", "PG_"))}
    return {**env, **extra}


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0, result.stdout + result.stderr
    assert len(lines) == 1, result.stderr
    return lines[0]


def topics_with(bootstrap: str, prefix: str) -> set[str]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        return {t for t in admin.list_topics() if t.startswith(prefix)}
    finally:
        admin.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_worker_with_a_taken_web_port_fails_in_one_line_before_creating_anything(kafka_bootstrap, unique_prefix,
                                                                                tmp_path, workers):
    base = free_ports(workers)
    taken = base + workers - 1  # the last worker's port: every one is checked
    with held_port(taken):
        database = tmp_path / "newsmon.db"
        env = clean_env(NEWSMON_KAFKA_BOOTSTRAP=kafka_bootstrap, NEWSMON_TOPIC_PREFIX=unique_prefix,
                        NEWSMON_WEB_PORT=str(base), NEWSMON_DATABASE_URL=f"sqlite:///{database}",
                        NEWSMON_DATA_DIR=str(tmp_path / "faust"))
        result = subprocess.run([NEWSMON, "worker", "--workers", str(workers)], env=env, cwd=tmp_path,
                                capture_output=True, text=True, timeout=120)
    line = one_line(result)
    assert line.startswith(f"error: 127.0.0.1:{taken} (NEWSMON_WEB_PORT) is already in use"), line
    assert "set NEWSMON_WEB_PORT to a free port" in line
    if workers > 1:
        assert f"--workers {workers} serves on NEWSMON_WEB_PORT={base}..{taken}" in line
    assert "Traceback" not in result.stdout + result.stderr
    assert topics_with(kafka_bootstrap, unique_prefix) == set(), "topics were created before the port check"
    assert not database.exists() and not (tmp_path / "faust").exists()


def launcher(script: str, action: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(DEPLOY / script), action], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("listener", ["PLAINTEXT", "SSL", "SASL_SSL"])
def test_kafka_launcher_names_the_port_setting_of_a_taken_listener(tmp_path, listener):
    ports = {name: free_port() for name in ("KAFKA_PORT", "KAFKA_CONTROLLER_PORT", "KAFKA_SASL_PORT",
                                            "KAFKA_SSL_PORT", "KAFKA_SASL_SSL_PORT")}
    setting = {"PLAINTEXT": "KAFKA_PORT", "SSL": "KAFKA_SSL_PORT", "SASL_SSL": "KAFKA_SASL_SSL_PORT"}[listener]
    with held_port(ports[setting]):
        env = clean_env(KAFKA_DATA_DIR=str(tmp_path / "kafka"), KAFKA_TLS="1", KAFKA_SASL="1",
                        **{k: str(v) for k, v in ports.items()})
        result = launcher("kafka.sh", "start", env)
    line = one_line(result)
    assert f"127.0.0.1:{ports[setting]}" in line and f"set {setting}" in line, line
    assert not (tmp_path / "kafka" / "kafka.pid").exists(), "no broker was started"


def test_prometheus_launcher_names_prometheus_port_when_it_is_taken(tmp_path):
    with held_port() as port:
        result = launcher("prometheus.sh", "start",
                          clean_env(PROMETHEUS_PORT=str(port), PROMETHEUS_DATA_DIR=str(tmp_path / "prom")))
    line = one_line(result)
    assert f"127.0.0.1:{port} is taken" in line and "PROMETHEUS_PORT" in line, line
    assert not Path(tmp_path / "prom" / "prometheus.pid").exists()
