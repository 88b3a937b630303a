"""A test's own topics on the real broker (a unique prefix) and the CLI run as a subprocess against them, exactly
as a user runs it, configured through the environment."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from streams.settings import Settings
from tests.support.workers import NEWSMON

CLI_TIMEOUT_S = 120


@dataclass
class Cluster:
    bootstrap: str
    prefix: str

    @property
    def settings(self) -> Settings:
        return Settings(kafka_bootstrap=self.bootstrap, topic_prefix=self.prefix)

    def topic(self, key: str) -> str:
        return self.settings.topics()[key].full_name(self.settings.topic_prefix)

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
        env.update(NEWSMON_KAFKA_BOOTSTRAP=self.bootstrap, NEWSMON_TOPIC_PREFIX=self.prefix,
                   COLUMNS="200", NO_COLOR="1")
        return env

    def run(self, *args: str, timeout: float = CLI_TIMEOUT_S) -> subprocess.CompletedProcess:
        """`newsmon ARGS` as a subprocess; it must finish on its own (a hang fails the test)."""
        return subprocess.run([NEWSMON, *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def drained(self) -> bool:
        """Every record of the input, replay and enriched topics handled and committed by the worker group (the
        persist step commits only once its alerts are acknowledged: streams/worker/agents.py)."""
        from tests.support.kafka import lag

        group = self.settings.group_id
        return all(lag(self.bootstrap, group, self.topic(key)) == 0 for key in ("articles", "replay", "enriched"))

    def producer(self) -> KafkaProducer:
        return KafkaProducer(bootstrap_servers=self.bootstrap, acks="all")

    def read_all(self, topic: str) -> list:
        """Every record of `topic`, read to its end offsets with manual assignment."""
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        try:
            tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
            ends = consumer.end_offsets(tps)
            consumer.assign(tps)
            consumer.seek_to_beginning()
            records, deadline = [], time.monotonic() + 60
            while any(consumer.position(tp) < ends[tp] for tp in tps):
                assert time.monotonic() < deadline, f"could not read {topic} to its end within 60 s"
                for batch in consumer.poll(timeout_ms=1000).values():
                    records.extend(batch)
            return records
        finally:
            consumer.close()
