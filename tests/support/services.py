"""Dedicated Kafka brokers and PostgreSQL clusters for tests that stop them, so the shared services that the
rest of the suite uses stay up. Both come from the project's own launchers (deploy/local/*.sh) with other
ports and data directories; stopping keeps the data, so a restart is the same broker or cluster again."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from streams.kafka import clients as kafka_clients
from streams.settings import Settings
from tests.support.workers import ROOT, free_port, wait_for

KAFKA_SH = ROOT / "deploy" / "local" / "kafka.sh"
POSTGRES_SH = ROOT / "deploy" / "local" / "postgres.sh"


def _run(script: Path, action: str, env: dict[str, str], timeout: float) -> str:
    """Run a launcher; on failure raise with its output (the launchers say what went wrong)."""
    proc = subprocess.run(["bash", str(script), action], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
    if proc.returncode != 0:
        raise AssertionError(f"{script.name} {action} exited {proc.returncode}:\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def _private_dir(prefix: str) -> Path:
    # Under /tmp and world-enterable: as root, postgres.sh runs the server as the postgres user, which cannot
    # enter pytest's private tmp_path.
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


class DedicatedKafka:
    """A broker of this test's own (KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_DATA_DIR), optionally with the
    SASL_PLAINTEXT listener (KAFKA_SASL=1) and its users, and the TLS listeners (KAFKA_TLS=1: SSL, and
    SASL_SSL with users) presenting a certificate of a test CA that the script makes (`ca_file`)."""

    def __init__(self, *, sasl_users: str | None = None, tls: bool = False):
        self.sasl_users = sasl_users
        self.tls = tls
        self.data_dir = _private_dir("newsmon-kafka-")
        self._pick_ports()
        self.started = False

    def _pick_ports(self) -> None:
        self.port, self.controller_port = free_port(), free_port()
        self.sasl_port = free_port() if self.sasl_users else None
        self.ssl_port = free_port() if self.tls else None
        self.sasl_ssl_port = free_port() if self.tls and self.sasl_users else None
        self.env = dict(os.environ, KAFKA_PORT=str(self.port),
                        KAFKA_CONTROLLER_PORT=str(self.controller_port), KAFKA_DATA_DIR=str(self.data_dir),
                        KAFKA_HEAP_OPTS="-Xms128m -Xmx512m", KAFKA_STOP_TIMEOUT="20")
        if self.sasl_users:
            self.env.update(KAFKA_SASL="1", KAFKA_SASL_PORT=str(self.sasl_port),
                            KAFKA_SASL_USERS=self.sasl_users)
        if self.tls:
            self.env.update(KAFKA_TLS="1", KAFKA_SSL_PORT=str(self.ssl_port))
            if self.sasl_ssl_port:
                self.env["KAFKA_SASL_SSL_PORT"] = str(self.sasl_ssl_port)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def sasl_bootstrap(self) -> str:
        return f"127.0.0.1:{self.sasl_port}"

    @property
    def ssl_bootstrap(self) -> str:
        return f"127.0.0.1:{self.ssl_port}"

    @property
    def sasl_ssl_bootstrap(self) -> str:
        return f"127.0.0.1:{self.sasl_ssl_port}"

    @property
    def ca_file(self) -> Path:
        """The test CA that signed the broker's certificate (deploy/local/kafka.sh makes it at start)."""
        return self.data_dir / "tls" / "ca.pem"

    def console(self, tool: str, *args: str, protocol: str = "PLAINTEXT", stdin: str | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess:
        """`deploy/local/kafka.sh console-consumer|console-producer ARGS` on this broker's listener of
        `protocol` (KAFKA_CLIENT_PROTOCOL)."""
        return subprocess.run(["bash", str(KAFKA_SH), tool, *args], env=dict(self.env, KAFKA_CLIENT_PROTOCOL=protocol),
                              input=stdin, capture_output=True, text=True, timeout=timeout, cwd=ROOT)

    def start(self) -> float:
        """Start (or restart with the data kept); returns the seconds it took to be ready."""
        t0 = time.monotonic()
        try:
            _run(KAFKA_SH, "start", self.env, timeout=180)
        except AssertionError as exc:
            # A free port picked a moment ago can be taken by another process on a busy machine: on the
            # first start only (nothing to keep yet), pick new ports and a fresh data dir once.
            if self.started or "already in use" not in str(exc) and "is taken" not in str(exc):
                raise
            _run(KAFKA_SH, "reset", self.env, timeout=60)
            self._pick_ports()
            _run(KAFKA_SH, "start", self.env, timeout=180)
        self.started = True
        return time.monotonic() - t0

    def stop(self) -> None:
        _run(KAFKA_SH, "stop", self.env, timeout=60)

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.data_dir, ignore_errors=True)


class DedicatedPostgres:
    """A PostgreSQL cluster of this test's own (PG_PORT, PG_DATA_DIR); `url` is its newsmon_test database."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base = _private_dir("newsmon-pg-")
        self.env = dict(os.environ, PG_PORT=str(self.port), PG_DATA_DIR=str(self.base))
        self.url = f"postgresql+psycopg://newsmon@127.0.0.1:{self.port}/newsmon_test"

    def start(self) -> None:
        _run(POSTGRES_SH, "start", self.env, timeout=120)

    def stop(self) -> None:
        _run(POSTGRES_SH, "stop", self.env, timeout=90)

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


class SlowPublisher(threading.Thread):
    """Publishes articles one by one through the project's producer (streams.kafka.clients) while the test
    breaks things; every send must end acknowledged, however long the broker is away."""

    def __init__(self, bootstrap: str, topic: str, articles, interval_s: float):
        super().__init__(daemon=True)
        self.settings = Settings(kafka_bootstrap=bootstrap)
        self.topic, self.articles, self.interval_s = topic, articles, interval_s
        self.sent = 0
        self.errors: list[str] = []

    def run(self) -> None:
        # The project's producer as `newsmon publish` gets it, with kafka-python's retry defaults (retries
        # without a count limit, bounded by a 120 s delivery timeout): no tuning for the test.
        producer = kafka_clients.producer(self.settings, linger_ms=5)
        try:
            futures = []
            for article in self.articles:
                futures.append(producer.send(self.topic, key=article.id.encode(),
                                             value=article.model_dump_json().encode()))
                self.sent += 1
                time.sleep(self.interval_s)
            producer.flush(timeout=240)
            for future in futures:
                try:
                    future.get(timeout=240)
                except Exception as exc:  # collected: the test asserts there are none
                    self.errors.append(repr(exc))
        finally:
            producer.close(timeout=10)


def keep_down(seconds: float, worker, since: float | None = None) -> None:
    """Hold an outage for `seconds` (counted from `since`, monotonic), failing at once if the worker dies
    meanwhile: it must ride the outage out, not exit."""
    start = time.monotonic() if since is None else since

    def over() -> bool:
        if worker.exited() is not None:
            raise AssertionError(f"the worker died during the outage\n{worker.log_tail()}")
        return time.monotonic() - start >= seconds

    wait_for(f"the {seconds:.0f} s outage to pass with the worker up", over, seconds + 30, interval=0.5)
