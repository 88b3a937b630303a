"""Where a worker runs spaCy: a thread of its own process, or one child process (`NEWSMON_NLP_EXECUTOR`).

Both run `analyze_chunk` (processors.parse_batch, then processors.analyze_doc per article) and hand back a
`ChunkResult`: one Analysis or `Failed` per article plus the chunk's stage timings, which the agent
observes on its own metrics. The thread path shares the GIL with the event loop (Kafka I/O, DB writes,
/metrics); the process path gives the NLP a core of its own and leaves the event loop the other.

A child process that dies (OOM killer, SIGKILL) breaks its pool: the chunk's await raises
`NlpProcessDied`, the pool is replaced, and the agent retries the batch (it was never acked). After
`max_deaths` deaths in a row without one chunk succeeding, the worker exits non-zero instead of looping.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, NoReturn, Protocol

import processors
from schemas import Analysis, Article

log = logging.getLogger(__name__)

EXECUTORS = ("thread", "process")
CHILD_START_TIMEOUT_S = 300.0  # loading the model on a busy machine
EXIT_NLP_DEAD = 70  # the worker's exit code when its NLP process keeps dying


@dataclass(frozen=True)
class Failed:
    """One article the NLP could not analyse; plain strings, so it crosses a process boundary whatever the
    original exception was."""

    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


@dataclass(frozen=True)
class ChunkResult:
    """Per article an Analysis or a Failed, and the seconds spent in spaCy and in the detection rules."""

    analyses: list[Analysis | Failed]
    nlp_s: float
    detection_s: float


def analyze_chunk(articles: Sequence[Article], nlp: Any, rules: Any, model: str,
                  batch_size: int) -> ChunkResult:
    """Parse and analyse a chunk. One failure costs one article."""
    texts = [a.full_text for a in articles]
    t0 = time.perf_counter()
    try:
        docs: list[Any] = list(processors.parse_batch(nlp, texts, batch_size))
    except Exception:  # one bad text spoils nlp.pipe for the batch: redo them one at a time to find it
        log.exception("batch parse failed; parsing %d articles one by one", len(texts))
        docs = []
        for text in texts:
            try:
                docs.append(processors.parse_batch(nlp, [text], 1)[0])
            except Exception as exc:
                docs.append(exc)
    t1 = time.perf_counter()
    out: list[Analysis | Failed] = []
    for article, doc in zip(articles, docs, strict=True):
        try:
            if isinstance(doc, Exception):
                raise doc
            out.append(processors.analyze_doc(article, doc, rules, model))
        except Exception as exc:
            out.append(Failed(type(exc).__name__, str(exc)))
    return ChunkResult(out, t1 - t0, time.perf_counter() - t1)


class NlpProcessDied(RuntimeError):
    """The NLP child process died while a chunk was in it (the batch is retried in a new one)."""


class NlpExecutor(Protocol):
    kind: str
    model: str  # the model as an Analysis records it (processors.model_name)

    async def analyze(self, articles: Sequence[Article]) -> ChunkResult: ...

    def close(self) -> None: ...


class ThreadNlp:
    """One NLP thread in the worker process: spaCy holds the GIL for most of a chunk, so more threads would
    not add throughput, but the event loop keeps heartbeats, commits and the web server going."""

    kind = "thread"

    def __init__(self, nlp: Any, rules: Any, model: str, batch_size: int):
        self.nlp, self.rules, self.model, self.batch_size = nlp, rules, model, batch_size
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsmon-nlp")

    async def analyze(self, articles: Sequence[Article]) -> ChunkResult:
        return await asyncio.wrap_future(self._pool.submit(analyze_chunk, list(articles), self.nlp, self.rules,
                                                           self.model, self.batch_size))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


# ---- the child process ------------------------------------------------------------------------------

_CHILD: dict[str, Any] = {}


def _watch_parent(parent_pid: int) -> None:
    """Exit once the worker is gone (killed without a chance to stop us): an orphan would hold ~200 MB."""
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os._exit(1)


def _child_boot(parent_pid: int, load: Callable[..., None], args: tuple) -> None:
    """First thing in the child: detach from the worker's signals, watch the worker, then load."""
    # The worker decides when the NLP stops: a Ctrl-C or a SIGTERM to the worker's process group (a service
    # manager, `kill -- -PGID`) would otherwise kill this process in the middle of the batch the worker is
    # finishing. Its own group keeps those out, while the pool can still terminate it; the worker's pool
    # shutdown ends it, and `_watch_parent` does if the worker is killed outright.
    os.setpgrp()
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True, name="watch-parent").start()
    load(*args)


def _child_init(model_package: str, batch_size: int, rules_data: tuple = ()) -> None:
    nlp = processors.load_nlp(model_package)
    _CHILD.update(nlp=nlp, rules=processors.load_rules(data=rules_data), model=processors.model_name(nlp),
                  batch_size=batch_size)


def _child_model() -> str:
    return str(_CHILD["model"])


def _child_analyze(articles: list[Article]) -> ChunkResult:
    return analyze_chunk(articles, _CHILD["nlp"], _CHILD["rules"], _CHILD["model"], _CHILD["batch_size"])


def _exit_worker(message: str) -> NoReturn:
    log.critical("%s; exiting with %d", message, EXIT_NLP_DEAD)
    logging.shutdown()
    os._exit(EXIT_NLP_DEAD)  # unacked batches stay uncommitted: the next owner re-reads them


class ProcessNlp:
    """The NLP in one spawned child process (not forked: the worker has an event loop and threads)."""

    kind = "process"

    def __init__(self, model_package: str, batch_size: int, *, max_deaths: int = 3,
                 on_fatal: Callable[[str], Any] = _exit_worker,
                 initializer: Callable[..., None] = _child_init, initargs: tuple | None = None):
        load_args = initargs if initargs is not None else (model_package, batch_size)
        self._boot_args = (os.getpid(), initializer, load_args)
        self.max_deaths = max_deaths
        self.on_fatal = on_fatal
        self.deaths = 0  # in a row, without a chunk succeeding in between
        self._pool = self._new_pool()
        try:  # wait for the model here, so a missing model fails the start with its own error
            self.model = self._pool.submit(_child_model).result(timeout=CHILD_START_TIMEOUT_S)
        except BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            raise RuntimeError(f"the NLP process could not load the model {model_package!r} (its error is "
                               "printed above); check NEWSMON_SPACY_MODEL, or run with "
                               "NEWSMON_NLP_EXECUTOR=thread to see it in this process") from None
        except BaseException:  # timed out loading (or interrupted): do not leave the child behind
            self._pool.shutdown(wait=False, cancel_futures=True)
            raise

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_child_boot, initargs=self._boot_args)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Run a picklable function in the child (what `analyze` uses; tests use it to reach the child)."""
        return self._pool.submit(fn, *args)

    async def analyze(self, articles: Sequence[Article]) -> ChunkResult:
        pool = self._pool
        try:
            result = await asyncio.wrap_future(pool.submit(_child_analyze, list(articles)))
        except BrokenProcessPool as exc:
            self._replace(pool, exc)
            raise NlpProcessDied(f"the NLP process died while analysing {len(articles)} articles "
                                 f"(killed, or out of memory?): {exc}") from None
        self.deaths = 0
        return result

    def _replace(self, broken: ProcessPoolExecutor, exc: BaseException) -> None:
        if broken is not self._pool:  # a chunk that was queued behind the one that died: already replaced
            return
        self.deaths += 1
        broken.shutdown(wait=False, cancel_futures=True)
        if self.deaths > self.max_deaths:
            self.on_fatal(f"the NLP process died {self.deaths} times in a row ({exc})")
        log.error("the NLP process died (%s); starting a new one (%d of %d in a row)", exc, self.deaths,
                  self.max_deaths)
        self._pool = self._new_pool()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def create(kind: str, settings: Any, nlp: Any = None, rules: Any = None,
           rules_data: tuple = ()) -> NlpExecutor:
    """The executor the settings ask for; the thread one needs the loaded model and rules, the process one
    loads them itself (with `rules_data` replacing shipped rules files, as bootstrap.rules_data reads them)."""
    if kind == "process":
        return ProcessNlp(settings.spacy_model, settings.nlp_batch_size,
                          initargs=(settings.spacy_model, settings.nlp_batch_size, rules_data))
    if kind == "thread":
        return ThreadNlp(nlp, rules, processors.model_name(nlp), settings.nlp_batch_size)
    raise ValueError(f"unknown NLP executor {kind!r}: choose one of {', '.join(EXECUTORS)}")
