"""What the agents and web views are handed: everything expensive, built once per worker process by
streams/worker/bootstrap.py."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from streams.settings import Settings
from streams.worker.metrics import Metrics

if TYPE_CHECKING:  # the module imports processors (spaCy): not at import time
    from streams.worker.nlp_executor import NlpExecutor


@dataclass
class Runtime:
    """What the agents and views need, built once per worker process."""

    settings: Settings
    metrics: Metrics
    nlp: Any  # spacy.Language
    rules: Any  # processors.Rules
    engine: Any  # sqlalchemy.Engine
    repository: Any  # storage.Repository
    # Where spaCy runs, off the event loop so Kafka heartbeats, commits and the web server keep going: one
    # thread of this process, or one child process (settings.nlp_executor; see streams.worker.nlp_executor).
    # Scale further with `newsmon worker --workers N` (one process each, one consumer group).
    nlp_executor: NlpExecutor
    # Database writes block too; a separate thread so a slow database does not queue behind the NLP.
    db_executor: ThreadPoolExecutor

    # The model as an Analysis records it (name-version, as `newsmon analyze` does); build() sets it.
    model: str = ""

    @property
    def model_name(self) -> str:
        return self.model or self.settings.spacy_model

    def close(self) -> None:
        self.nlp_executor.close()
        self.db_executor.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()
