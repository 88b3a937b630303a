"""The composition root: everything expensive is built here, once, at worker start, and handed down.

`build(settings)` loads the spaCy model and the rules, opens and upgrades the database, and creates the
metrics registry; the agents and web views receive the resulting `Runtime` and import none of it themselves.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from streams.metrics import Metrics
from streams.settings import Settings

if TYPE_CHECKING:  # the module imports processors (spaCy): not at import time
    from streams.nlp_executor import NlpExecutor

log = logging.getLogger(__name__)


def newsmon_version() -> str:
    try:
        return version("newsmon")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


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
    # thread of this process, or one child process (settings.nlp_executor; see streams.nlp_executor).
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


def build(settings: Settings, *, metrics: Metrics | None = None) -> Runtime:
    """Load the model and rules, open and upgrade the database, create the metrics."""
    import processors
    import storage
    from streams import nlp_executor

    metrics = metrics or Metrics.create()
    log.info("loading spaCy model %s (NLP executor: %s)", settings.spacy_model, settings.nlp_executor)
    rules = processors.load_rules()
    # The process executor loads the model in its child only: a second copy here would be dead weight.
    nlp = processors.load_nlp(settings.spacy_model) if settings.nlp_executor == "thread" else None
    executor = nlp_executor.create(settings.nlp_executor, settings, nlp, rules)
    try:
        engine = storage.make_engine(settings.database_url.get_secret_value())
        storage.upgrade(engine)
    except BaseException:
        executor.close()
        raise
    repository = storage.Repository(engine)
    metrics.build_info.info({"version": newsmon_version(), "model": settings.spacy_model,
                             "rules_version": str(getattr(rules, "version", "unknown"))})
    return Runtime(settings=settings, metrics=metrics, nlp=nlp, rules=rules, engine=engine,
                   repository=repository, model=executor.model, nlp_executor=executor,
                   db_executor=ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsmon-db"))
