"""The local broker (deploy/local/kafka.sh) speaks the protocol versions both of the project's clients use.

Kafka 4 removed old protocol versions (KIP-896); these tests pin the calls newsmon relies on, with the real
clients: kafka-python (admin, CLI tools) and aiokafka (what faust runs on).
"""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin import NewTopic as AioNewTopic
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka import TopicPartition as KTopicPartition
from kafka.admin import NewTopic

from tests.support.workers import wait_for, wait_for_async

PARTITIONS = 3
# Record timestamps spaced a minute apart, an hour in the past: Kafka 4 rejects timestamps more than an hour
# in the future by default, and articles carry their publication time, which is always in the past.
BASE_MS = int(time.time() * 1000) - 3_600_000
STEP_MS = 60_000


def _partition_counts(admin: KafkaAdminClient, topic: str) -> int:
    (meta,) = admin.describe_topics([topic])
    return len(meta["partitions"])


def test_kafka_python_admin_produce_group_commit_and_offsets_for_times(kafka_bootstrap, unique_prefix):
    topic, group = f"{unique_prefix}kp", f"{unique_prefix}kp-group"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, client_id=f"{unique_prefix}admin")
    try:
        admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])
        wait_for(f"{topic} in the broker's topic list", lambda: topic in admin.list_topics(), 15)
        assert _partition_counts(admin, topic) == PARTITIONS

        producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
        for i in range(6):
            producer.send(topic, value=f"m{i}".encode(), key=f"k{i}".encode(), partition=0,
                          timestamp_ms=BASE_MS + i * STEP_MS)
        producer.flush()
        producer.close()

        consumer = KafkaConsumer(topic, bootstrap_servers=kafka_bootstrap, group_id=group,
                                 auto_offset_reset="earliest", enable_auto_commit=False,
                                 consumer_timeout_ms=15_000)
        values = []
        for record in consumer:
            values.append(record.value)
            if len(values) == 6:
                break
        assert values == [f"m{i}".encode() for i in range(6)]
        consumer.commit()
        tp = KTopicPartition(topic, 0)
        assert consumer.committed(tp) == 6

        found = consumer.offsets_for_times({tp: BASE_MS + 3 * STEP_MS})
        assert found[tp].offset == 3
        assert found[tp].timestamp == BASE_MS + 3 * STEP_MS
        assert consumer.end_offsets([tp])[tp] == 6
        consumer.close()

        offsets = admin.list_group_offsets(group)
        assert offsets[group][tp].offset == 6
    finally:
        admin.delete_topics([topic])
        admin.close()


async def _aiokafka_roundtrip(bootstrap: str, prefix: str) -> None:
    topic, group = f"{prefix}aio", f"{prefix}aio-group"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([AioNewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])
        async def listed() -> bool:
            return topic in await admin.list_topics()

        await wait_for_async(f"{topic} in the broker's topic list", listed, 15, interval=0.2)

        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
        await producer.start()
        try:
            for i in range(6):
                await producer.send_and_wait(topic, f"a{i}".encode(), key=f"k{i}".encode(),
                                             partition=i % PARTITIONS, timestamp_ms=BASE_MS + i * STEP_MS,
                                             headers=[("schema", b"v1")])
        finally:
            await producer.stop()

        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group,
                                    auto_offset_reset="earliest", enable_auto_commit=False,
                                    session_timeout_ms=6000, heartbeat_interval_ms=1000)
        await consumer.start()
        try:
            seen = []
            while len(seen) < 6:
                batch = await asyncio.wait_for(consumer.getmany(timeout_ms=1000), timeout=20)
                for records in batch.values():
                    seen.extend(r for r in records)
            assert sorted(r.value for r in seen) == [f"a{i}".encode() for i in range(6)]
            assert all(r.headers == (("schema", b"v1"),) for r in seen)
            await consumer.commit()
            tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
            assert [await consumer.committed(tp) for tp in tps] == [2, 2, 2]

            # Records 3 (partition 0), 4 (partition 1) and 5 (partition 2) are the first at or after t=3.
            found = await consumer.offsets_for_times({tp: BASE_MS + 3 * STEP_MS for tp in tps})
            assert {tp.partition: found[tp].offset for tp in tps} == {0: 1, 1: 1, 2: 1}
            assert (await consumer.end_offsets(tps)) == {tp: 2 for tp in tps}
        finally:
            await consumer.stop()
    finally:
        await admin.delete_topics([topic])
        await admin.close()


def test_aiokafka_admin_idempotent_produce_group_commit_and_offsets_for_times(kafka_bootstrap, unique_prefix):
    asyncio.run(_aiokafka_roundtrip(kafka_bootstrap, unique_prefix))
