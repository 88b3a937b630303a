"""The Faust app: the one module-level object the framework needs, configured from Settings.

Creating it is cheap (no connection, no model); the worker command builds everything expensive
(streams.worker.bootstrap) and installs the agents and web views on it before the worker starts.

Values and keys travel as raw bytes: decoding and validation are ours (streams.worker.decode), so a bad record
becomes a dead letter instead of a serializer exception inside Faust.
"""

from __future__ import annotations

from typing import Any

import faust
from faust.types import TopicT

from streams.kafka.clients import faust_broker_kwargs
from streams.settings import Settings


def faust_options(settings: Settings) -> dict[str, Any]:
    """Faust settings derived from ours. Faust's own topics and web apps are switched off: no tables,
    no leader election, no reply topic, and the web server serves only our views."""
    return {
        **faust_broker_kwargs(settings),
        "id_format": "{id}",  # the consumer group is exactly settings.group_id (no "-v1" suffix)
        "autodiscover": False,
        "datadir": settings.data_dir,
        "topic_replication_factor": settings.replication_factor,
        "topic_partitions": settings.articles_partitions,
        "topic_disable_leader": True,
        "topic_allow_declare": False,  # `newsmon topics create` / the worker create them (schemas/topics.py)
        "reply_create_topic": False,
        "key_serializer": "raw",
        "value_serializer": "raw",
        "producer_acks": -1,  # all in-sync replicas
        "producer_linger": 0.005,
        "consumer_auto_offset_reset": "earliest",
        # Do not wait for in-flight batches on stop/rebalance: an unfinished batch stays uncommitted
        # (the delivery contract, streams/worker/agents.py) and waiting would hang on it.
        "stream_wait_empty": False,
        "web_enabled": True,
        "web_bind": settings.web_host,
        "web_host": settings.web_host,
        "web_port": settings.web_port,
        "web_stats_enabled": False,
        "web_graph_enabled": False,
        "web_router_enabled": False,
        "web_tables_enabled": False,
        "web_metrics_enabled": False,
    }


def declare_topics(faust_app: faust.App, settings: Settings) -> dict[str, TopicT]:
    """One Faust topic per declared topic (logical key -> topic), all raw bytes."""
    return {
        key: faust_app.topic(spec.full_name(settings.topic_prefix), key_type=bytes, value_type=bytes,
                             key_serializer="raw", value_serializer="raw", partitions=spec.partitions)
        for key, spec in settings.topics().items()
    }



def create_app(settings: Settings) -> faust.App:
    """A Faust app whose consumer group is `settings.group_id`."""
    return faust.App(settings.group_id, **faust_options(settings))
