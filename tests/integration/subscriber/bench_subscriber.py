"""Throughput of the subscriber tools on the local broker; prints figures, asserts nothing.

    .venv/bin/python -m tests.integration.subscriber.bench_subscriber [N]

Writes N articles (~1.8 kB each) and N alerts under a fresh topic prefix, times `newsmon replay` (dry run and
real) and `newsmon alerts --no-follow` (JSON and readable) as subprocesses, then deletes the topics.
Figures include the ~1.3 s start of the `newsmon` process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from kafka import KafkaProducer

import schemas
from schemas import Alert, Article
from streams.kafka.admin import admin_client, ensure_topics
from streams.settings import Settings

NEWSMON = str(Path(sys.executable).with_name("newsmon"))
TEXT = "Ministers met in Geneva on Tuesday to discuss trade and sanctions relief, officials said. " * 20


def main(n: int) -> None:
    bootstrap = os.environ.get("NEWSMON_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    settings = Settings(kafka_bootstrap=bootstrap, topic_prefix=f"bench{int(time.time())}.")
    created = ensure_topics(settings)
    try:
        example = Path(schemas.__file__).parent / "examples" / "alerts.sanctions" / "eu-imposes-on-iran.json"
        alert = Alert.model_validate_json(example.read_bytes())
        producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20)
        base_ms = (int(time.time()) - 3000) * 1000
        for i in range(n):
            article = Article(id=f"bench-{i}", text=TEXT)
            producer.send(settings.topic("news.articles"), key=article.id.encode(),
                          value=article.model_dump_json().encode(), timestamp_ms=base_ms + i * 100)
            producer.send(settings.topic("alerts.sanctions"), key=f"al-{i}".encode(),
                          value=alert.model_copy(update={"id": f"al-{i}"}).model_dump_json().encode())
        producer.flush()
        producer.close()
        env = dict(os.environ, NEWSMON_KAFKA_BOOTSTRAP=bootstrap, NEWSMON_TOPIC_PREFIX=settings.topic_prefix)
        for args in (["replay", "--since", "1h", "--dry-run"], ["replay", "--since", "1h"],
                     ["alerts", "--no-follow", "--from-beginning", "--json"],
                     ["alerts", "--no-follow", "--from-beginning"]):
            started = time.monotonic()
            result = subprocess.run([NEWSMON, *args], env=env, capture_output=True, text=True)
            took = time.monotonic() - started
            print(f"newsmon {' '.join(args):50s} exit {result.returncode}  {n} records in {took:5.1f} s "
                  f"= {n / took:6.0f} records/s")
    finally:
        admin = admin_client(settings)
        admin.delete_topics(created)
        admin.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
