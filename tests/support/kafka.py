"""kafka-python helpers to feed and read the topics of a test, measure a group's lag, and cut a connection."""

from __future__ import annotations

import socket
import time
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from tests.support.workers import free_port, wait_for


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
