"""JSON Schema for every topic's record, from the pydantic models named in schemas/topics.py.

Subscribers in other languages validate against these; `newsmon schemas export DIR` writes them with an index.
The schema describes what a producer may send and what the worker accepts (pydantic's validation mode), with
`additionalProperties: false` where the models forbid unknown keys.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemas.topics import TopicSpec, declared

DIALECT = "https://json-schema.org/draft/2020-12/schema"
INDEX_FILE = "index.json"


def schema_filename(spec: TopicSpec) -> str:
    """`news.articles.v2.schema.json`: topic name (without prefix) and record schema version."""
    return f"{spec.name}.v{spec.schema_version}.schema.json"


def topic_schema(spec: TopicSpec) -> dict[str, Any]:
    """The JSON Schema of one topic's record, annotated with the topic it belongs to."""
    schema = spec.schema.model_json_schema(mode="validation")
    return {
        "$schema": DIALECT,
        "$id": schema_filename(spec),
        "title": f"{spec.name} record ({spec.schema.__name__} v{spec.schema_version})",
        "description": spec.description,
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
        "x-newsmon-topic": spec.name,
        "x-newsmon-record": spec.schema.__name__,
        "x-newsmon-schema-version": spec.schema_version,
    }


def index(topics: dict[str, TopicSpec] | None = None) -> dict[str, Any]:
    """What a subscriber needs to find and read each topic."""
    topics = topics or declared()
    return {
        "topics": [
            {
                "topic": spec.name,
                "key": spec.key,
                "record": spec.schema.__name__,
                "schema_version": spec.schema_version,
                "schema": schema_filename(spec),
                "partitions": spec.partitions,
                "retention_ms": spec.retention_ms,
                "deadletter_topic": topics[spec.deadletter].name if spec.deadletter else None,
                "description": spec.description,
            }
            for spec in topics.values()
        ],
        "encoding": "one UTF-8 JSON record per Kafka message; each topic's description names its key",
        "topic_prefix": "deployments may prefix every topic name (NEWSMON_TOPIC_PREFIX)",
    }


def export(directory: Path, topics: dict[str, TopicSpec] | None = None) -> list[Path]:
    """Write one schema file per topic and index.json into `directory` (created if needed)."""
    topics = topics or declared()
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in topics.values():
        path = directory / schema_filename(spec)
        path.write_text(json.dumps(topic_schema(spec), indent=2, sort_keys=False) + "\n", encoding="utf-8")
        written.append(path)
    path = directory / INDEX_FILE
    path.write_text(json.dumps(index(topics), indent=2) + "\n", encoding="utf-8")
    written.append(path)
    return written
