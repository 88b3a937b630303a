"""A real `newsmon worker` process for integration tests, and kafka-python helpers to feed and read it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

ROOT = Path(__file__).resolve().parents[3]
NEWSMON = ROOT / ".venv" / "bin" / "newsmon"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check: Callable[[], Any], timeout: float, on_timeout: Callable[[], str] = str) -> Any:
    """Poll `check` until it returns something truthy; fail with `what` (and context) after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n{on_timeout()}")
        time.sleep(0.5)


class WorkerProcess:
    """`newsmon worker` in a subprocess with its own prefix, database, web port and data dir."""

    def __init__(self, *, bootstrap: str, prefix: str, database_url: str, workdir: Path, extra_env=None):
        self.port = free_port()
        self.log_path = workdir / f"worker-{self.port}.log"
        self.env = dict(os.environ, NEWSMON_KAFKA_BOOTSTRAP=bootstrap, NEWSMON_TOPIC_PREFIX=prefix,
                        NEWSMON_DATABASE_URL=database_url, NEWSMON_WEB_PORT=str(self.port),
                        NEWSMON_DATA_DIR=str(workdir / f"faust-{self.port}"), NEWSMON_LOG_LEVEL="info")
        self.env.update(extra_env or {})
        self.proc: subprocess.Popen | None = None

    def start(self, *args: str) -> WorkerProcess:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen([str(NEWSMON), "worker", *args], env=self.env, cwd=self.log_path.parent,
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "--- worker log (tail) ---\n" + "\n".join(text.splitlines()[-lines:])

    def get(self, path: str, port: int | None = None) -> tuple[int, str]:
        with urllib.request.urlopen(f"http://127.0.0.1:{port or self.port}{path}", timeout=5) as resp:
            return resp.status, resp.read().decode()

    def ready(self, timeout: float = 120) -> None:
        """Wait until the worker serves /health with partitions assigned (its consumer joined the group)."""
        def check() -> bool:
            if self.proc and self.proc.poll() is not None:
                raise AssertionError(f"worker exited with {self.proc.returncode}\n{self.log_tail()}")
            try:
                _, body = self.get("/health")
            except OSError:
                return False
            return bool(json.loads(body)["assigned_partitions"])
        wait_for("the worker to join its group", check, timeout, self.log_tail)

    def metric(self, name: str, port: int | None = None) -> float:
        """Sum of a metric's samples (all label sets) from /metrics."""
        _, body = self.get("/metrics", port)
        total = 0.0
        for line in body.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        os.killpg(self.proc.pid, sig)  # its own session: children (--workers N) too
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            return self.proc.wait(timeout=10)


def produce(bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes]]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    futures = [producer.send(topic, key=k, value=v) for k, v in records]
    producer.flush()
    for f in futures:
        f.get(timeout=30)
    producer.close()


def read_topic(bootstrap: str, topic: str, expect_at_least: int, timeout: float = 60) -> list[Any]:
    """Every record on `topic` from the beginning, once at least `expect_at_least` are there (bounded)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=1000)
    try:
        partitions = wait_for(f"topic {topic} to exist", lambda: consumer.partitions_for_topic(topic), 30)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        records: list[Any] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
            ends = consumer.end_offsets(tps)
            if len(records) >= expect_at_least and all(consumer.position(tp) >= ends[tp] for tp in tps):
                return records
        raise AssertionError(f"{topic}: {len(records)} records after {timeout:.0f}s, "
                             f"expected {expect_at_least}+")
    finally:
        consumer.close()


class TcpProxy:
    """A loopback TCP relay to a real server that a test can cut (refuse and drop connections) and restore:
    a database outage without stopping the shared database server."""

    def __init__(self, target_host: str, target_port: int):
        import threading

        self.target = (target_host, target_port)
        self.port = free_port()
        self._open = threading.Event()
        self._open.set()
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._server.settimeout(0.2)
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import threading

        while not self._stop:
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        """New connections are refused (closed at once) and live ones dropped."""
        self._open.clear()
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass

    def restore(self) -> None:
        self._open.set()

    def close(self) -> None:
        self._stop = True
        self.cut()
        self._server.close()


def lag(bootstrap: str, group: str, topic: str) -> int:
    """Records on `topic` beyond the group's committed offsets (what a restart would read again)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        ends = consumer.end_offsets(tps)
        return sum(ends[tp] - (consumer.committed(tp) or 0) for tp in tps)
    finally:
        consumer.close()
