"""The composition root: everything expensive is built here, once, at worker start, and handed down.

`build(settings)` loads the spaCy model and the rules, opens and upgrades the database, and creates the
metrics registry; `assemble(settings)` then creates the Faust app and installs the agents, the web views and
Faust's sensors on it, bound to that `Runtime`. Nothing else reads the settings or builds a client.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import faust

import streams
from streams.settings import Settings
from streams.worker.metrics import Metrics, install_faust_sensors
from streams.worker.runtime import Runtime

log = logging.getLogger(__name__)


def rules_data(settings: Settings) -> tuple[tuple[str, bytes], ...]:
    """The rules data files of `settings.rules_dir` that replace the shipped ones (none without it)."""
    from processors.rules import DATA_FILES

    if not settings.rules_dir:
        return ()
    folder = Path(settings.rules_dir)
    if not folder.is_dir():
        raise ValueError(f"NEWSMON_RULES_DIR={settings.rules_dir} is not a directory")
    found = tuple((name, (folder / name).read_bytes()) for name in DATA_FILES if (folder / name).is_file())
    if not found:
        raise ValueError(f"NEWSMON_RULES_DIR={settings.rules_dir} holds none of {', '.join(DATA_FILES)}")
    return found


def build(settings: Settings, *, metrics: Metrics | None = None) -> Runtime:
    """Load the model and rules, open and upgrade the database, create the metrics."""
    import processors
    import storage
    from streams.worker import nlp_executor

    metrics = metrics or Metrics.create()
    log.info("loading spaCy model %s (NLP executor: %s)", settings.spacy_model, settings.nlp_executor)
    data = rules_data(settings)
    rules = processors.load_rules(data=data)
    # The process executor loads the model in its child only: a second copy here would be dead weight.
    nlp = processors.load_nlp(settings.spacy_model) if settings.nlp_executor == "thread" else None
    executor = nlp_executor.create(settings.nlp_executor, settings, nlp, rules, rules_data=data)
    try:
        engine = storage.make_engine(settings.database_url.get_secret_value())
        storage.upgrade(engine)
    except BaseException:
        executor.close()
        raise
    repository = storage.Repository(engine)
    metrics.build_info.info({"version": streams.version(), "model": settings.spacy_model,
                             "rules_version": str(getattr(rules, "version", "unknown"))})
    return Runtime(settings=settings, metrics=metrics, nlp=nlp, rules=rules, engine=engine,
                   repository=repository, model=executor.model, nlp_executor=executor,
                   db_executor=ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsmon-db"))


def assemble(settings: Settings) -> tuple[faust.App, Runtime]:
    """The Faust app with the agents, web views and sensors installed, and the runtime they are bound to."""
    from streams.worker import agents, web
    from streams.worker.app import create_app, declare_topics

    runtime = build(settings)
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)  # Faust makes only the last level
    app = create_app(settings)
    topics = declare_topics(app, settings)
    agents.install(app, topics, runtime)
    web.install(app, topics, runtime)
    install_faust_sensors(app, runtime.metrics.registry)
    return app, runtime
