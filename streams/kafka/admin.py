"""The declared topics on the broker: which exist, and creating the missing ones (idempotent).
Used by `newsmon topics` and by the worker at start."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from schemas.topics import TopicSpec
from streams.kafka import clients as kafka_clients
from streams.settings import Settings

log = logging.getLogger(__name__)


def admin_client(settings: Settings) -> Any:
    """The admin client; raises kafka_clients.KafkaUnavailable (saying what to do) if no broker answers."""
    return kafka_clients.admin(settings)


@dataclass(frozen=True)
class TopicState:
    spec: TopicSpec
    name: str
    exists: bool
    partitions: int | None  # on the broker, when it exists


def topic_states(settings: Settings, admin: Any | None = None) -> list[TopicState]:
    """Each declared topic and whether/how it exists on the broker."""
    own = admin is None
    admin = admin or admin_client(settings)
    try:
        existing = set(admin.list_topics())
        specs = list(settings.topics().values())
        names = [s.full_name(settings.topic_prefix) for s in specs]
        present = [n for n in names if n in existing]
        described = admin.describe_topics(present) if present else []
        parts = {d.get("name", d.get("topic")): len(d["partitions"]) for d in described}
        return [TopicState(s, n, n in existing, parts.get(n)) for s, n in zip(specs, names, strict=True)]
    finally:
        if own:
            admin.close()


def ensure_topics(settings: Settings) -> list[str]:
    """Create the declared topics that are missing (partitions, cleanup policy, retention from topics.py); return their
    names."""
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = admin_client(settings)
    try:
        states = topic_states(settings, admin)
        _align_cleanup_policies(admin, [st for st in states if st.exists and st.spec.cleanup_policy != "delete"])
        missing = [st for st in states if not st.exists]
        created = []
        for st in missing:
            topic = NewTopic(name=st.name, num_partitions=st.spec.partitions,
                             replication_factor=settings.replication_factor, topic_configs=st.spec.configs())
            try:
                admin.create_topics([topic])
                created.append(st.name)
            except TopicAlreadyExistsError:  # another worker created it meanwhile
                pass
        return created
    finally:
        admin.close()


def _align_cleanup_policies(admin: Any, states: list[TopicState]) -> None:
    """Give existing topics the cleanup.policy they are declared with (the alert topics, compacted since
    issue 13, on a cluster whose topics were created before). An incremental change: other configs stay. A
    broker that refuses (no AlterConfigs permission) gets a warning saying what to set, not a failed start."""
    from kafka.admin import ConfigResource, ConfigResourceType

    if not states:
        return
    try:
        resources = [ConfigResource(ConfigResourceType.TOPIC, st.name) for st in states]
        described = admin.describe_configs(resources)["topic"]
        for st in states:
            current = described.get(st.name, {}).get("cleanup.policy", {}).get("value", "delete")
            if current != st.spec.cleanup_policy:
                admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, st.name,
                                                    {"cleanup.policy": st.spec.cleanup_policy})])
                log.warning("topic %s: cleanup.policy %s -> %s (declared in schemas/topics.py)", st.name,
                            current, st.spec.cleanup_policy)
    except Exception as exc:  # permissions, an old broker: the topics still work, only uncompacted
        names = ", ".join(st.name for st in states)
        log.warning("could not check or set cleanup.policy on %s (%s); set it to %s by hand "
                    "(kafka-configs.sh --alter --entity-type topics --add-config cleanup.policy=...)", names, exc,
                    states[0].spec.cleanup_policy)
