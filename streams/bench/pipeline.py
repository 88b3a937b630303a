"""The whole-pipeline stages of `newsmon bench`: real worker processes on the real broker and database.

(c) one worker process, (d) two (`newsmon worker --workers 2`), each with a topic prefix and a database of
its own: publish the articles, time until every one is persisted and every alert is on the broker.

Rounds: this runs on shared machines whose speed drifts by +-15% over minutes, so the throughput stages are
interleaved. Both worker groups are started (and settled) once, before round 1, and reused by every round;
then for r in 1..R each selected stage runs once, in the order a, a2, b, c, d, on the same corpus. In round r the
articles get ids suffixed `-r{r}`, so every round writes new rows (like live news), never upserts of an earlier
round's. Each stage keeps its per-round figures (`"rounds": [...]`, with the load average at the start of the
round) and its headline figures are the median over the rounds; a ratio such as (c)/(a) is the median of the
per-round ratios c_r/a_r, with their [min, max] beside it. A stage that fails in a round keeps the figures of
its earlier rounds and the error, and is not run again; a failure of c stops its worker, d still runs.
The latency stage runs after the rounds on (c)'s worker, publishing at a steady rate of half of (c)'s median
capacity, and reads each article's publish -> persisted time from the database (`articles.updated_at` minus
the bench's send time). Peak RSS per worker process is sampled with psutil.

Stages c and d are functions `(PipelineRun, round) -> dict`, the latency stage `(PipelineRun) -> dict`, stages
a and b come from `ab_runner` (streams/bench/inprocess.py `round_stages`), so a unit test can swap them all for
fakes; `summarize` turns the stage results into the JSON figures.
"""

from __future__ import annotations

import functools
import math
import os
import signal
import socket
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from schemas import Article
from streams.bench.workers import ResourceSampler, WorkerProcess, wait_for

DEFAULT_POSTGRES_URL = "postgresql+psycopg://newsmon@127.0.0.1:55432/newsmon_test"
ALERT_METRIC = "newsmon_alerts_published_total"
ALL_STAGES = ("a", "a2", "b", "c", "d", "latency", "incidents")


class ServiceDown(RuntimeError):
    """The broker or the database the bench needs does not answer."""


Progress = Callable[[str, int | None, int | None], None]  # (what, done, total)


def _quiet(_what: str, _done: int | None = None, _total: int | None = None) -> None:
    pass


@dataclass
class PipelineRun:
    """What the pipeline stages share: the articles, where the services are, and the results so far."""

    articles: list[Article]
    bootstrap: str
    database: str = "postgresql"  # or "sqlite"
    postgres_url: str = DEFAULT_POSTGRES_URL
    workdir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()))
    progress: Progress = _quiet
    timeout_s: float = 900.0
    latency_rate: float | None = None  # articles/s for the latency stage; None: half of (c)'s capacity
    # "balanced": each article goes to the partition with the fewest words so far (longest first); "key":
    # Kafka's key hash, as in production. See `balanced_partitions` for why the bench balances.
    partitioning: str = "balanced"
    incident_corpus: Path = Path("tests/data/incident_corpus.jsonl")  # labelled, for stage incidents
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    worker: WorkerGroup | None = None  # the one-worker group of (c), reused by every round and by latency
    worker2: WorkerGroup | None = None  # the two-worker group of (d), reused by every round
    cleanup: ExitStack = field(default_factory=ExitStack)  # stops the groups, drops their databases

    @property
    def words(self) -> int:
        return sum(len(a.full_text.split()) for a in self.articles)


# ---- services -------------------------------------------------------------------------------------


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def check_services(run: PipelineRun) -> None:
    """Raise ServiceDown, naming the service and `make up`, unless the broker and database answer."""
    host, _, port = run.bootstrap.split(",")[0].rpartition(":")
    if not _reachable(host or "127.0.0.1", int(port or 9092)):
        raise ServiceDown(f"Kafka does not answer at {run.bootstrap}: run `make up` "
                          "(or set NEWSMON_KAFKA_BOOTSTRAP)")
    if run.database == "postgresql":
        from sqlalchemy.engine import make_url

        u = make_url(run.postgres_url)
        if not _reachable(u.host or "127.0.0.1", u.port or 5432):
            raise ServiceDown(f"PostgreSQL does not answer at {u.host}:{u.port}: run `make up`, pass "
                              "--postgres-url, or bench on SQLite with --database sqlite")


@contextmanager
def fresh_database(run: PipelineRun, label: str) -> Iterator[str]:
    """A new, empty database for one stage (PostgreSQL: created on the server, dropped after)."""
    if run.database == "sqlite":
        yield f"sqlite:///{run.workdir / f'bench-{label}.db'}"
        return
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(run.postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        raise ServiceDown(f"cannot create a database on {make_url(run.postgres_url).host}: {exc.orig}; "
                          "run `make up` or pass --postgres-url") from None
    try:
        yield make_url(run.postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# ---- worker processes -----------------------------------------------------------------------------


class WorkerGroup(WorkerProcess):
    """The worker processes of stage c (one) or d (two), with a topic prefix, a database and ports of their own,
    and a sampler of their memory and CPU."""

    def __init__(self, run: PipelineRun, count: int, database_url: str, label: str):
        super().__init__(bootstrap=run.bootstrap, prefix=f"bench{uuid.uuid4().hex[:8]}.", database_url=database_url,
                         workdir=run.workdir, workers=count, label=label)
        self.sampler = ResourceSampler(self)

    def start(self, *args: str) -> WorkerGroup:
        super().start(*args)
        self.sampler.start()
        return self

    def cpu_seconds(self) -> float:
        return self.sampler.cpu_seconds()

    def stage_seconds(self) -> dict[str, float]:
        """Seconds the workers spent per pipeline stage so far (newsmon_stage_seconds_sum by stage)."""
        out = {}
        for key, value in self.samples("newsmon_stage_seconds_sum").items():
            stage = key.partition('stage="')[2].partition('"')[0]
            out[stage] = round(value, 3)
        return out

    def batch_counts(self) -> dict[str, tuple[float, float]]:
        """(records, batches) taken so far per agent (newsmon_batch_size sum and count)."""
        out: dict[str, list[float]] = {}
        for key, value in self.samples("newsmon_batch_size_").items():
            kind = key.partition("{")[0].rpartition("_")[2]  # sum | count | bucket
            if kind in ("sum", "count"):
                agent = key.partition('agent="')[2].partition('"')[0]
                out.setdefault(agent, [0.0, 0.0])[kind == "count"] += value
        return {k: (v[0], v[1]) for k, v in out.items()}

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 40) -> int | None:
        self.sampler.stop()
        return super().stop(sig, timeout)


# ---- publishing and waiting -----------------------------------------------------------------------


PARTITIONING = ("balanced", "key")


def balanced_partitions(articles: list[Article], partitions: int) -> list[int]:
    """A partition per article (in the articles' order) such that every partition gets about as many words
    (`benchmark.balanced_bins`: longest article first, each to the partition with the fewest words so far).

    Why the bench does this: a few hundred articles of 1 to 60 sentences, hashed by key onto 4 partitions,
    gave one of two workers up to 12% more words than an even split (the default corpus, over three rounds'
    ids and the three ways of splitting 4 partitions 2 + 2), so stage d would time the corpus's luck in a burst
    of a few seconds, not two workers. A live feed evens this out over time. Each article still carries its id
    as key; only the partition is chosen."""
    from streams.bench.inprocess import balanced_bins

    return balanced_bins([len(a.full_text.split()) for a in articles], partitions)


def publish(run: PipelineRun, topic: str, articles: list[Article],
            rate: float | None = None) -> dict[str, float]:
    """Send the articles (key = id), all at once or at `rate` per second; return id -> send wall time.
    With `run.partitioning == "balanced"` each goes to the partition `balanced_partitions` picks."""
    from streams.kafka import clients as kafka_clients
    from streams.settings import Settings

    producer = kafka_clients.producer(Settings(kafka_bootstrap=run.bootstrap), linger_ms=5 if rate else 20)
    sent: dict[str, float] = {}
    futures = []
    t0 = time.monotonic()
    try:
        chosen: list[int | None] = [None] * len(articles)
        if run.partitioning == "balanced":
            chosen = balanced_partitions(articles, len(producer.partitions_for(topic)))
        for i, article in enumerate(articles):
            if rate:
                delay = t0 + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            value = article.model_dump_json().encode("utf-8")
            sent[article.id] = time.time()
            futures.append(producer.send(topic, key=article.id.encode("utf-8"), value=value, partition=chosen[i]))
            if rate:
                producer.flush()  # each record leaves now: the latency is the pipeline's, not a linger
            run.progress("publishing", i + 1, len(articles))
        producer.flush()
        for f in futures:
            f.get(timeout=30)
    finally:
        producer.close()
    return sent


class StoredPoller:
    """Watches a worker group's database for the bench's articles with one engine and a count per poll: the
    bench shares the cores with what it measures, so its own polling must cost next to nothing."""

    def __init__(self, database_url: str):
        import sqlalchemy as sa

        self.engine = sa.create_engine(database_url)
        self._count = sa.text("SELECT count(*) FROM articles WHERE id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True))
        self._times = sa.text("SELECT id, updated_at FROM articles WHERE id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True))

    def count(self, ids: list[str]) -> int:
        """How many of `ids` are stored (0 while the worker has not created the tables yet)."""
        import sqlalchemy as sa

        try:
            with self.engine.connect() as conn:
                return int(conn.execute(self._count, {"ids": ids}).scalar_one())
        except (sa.exc.OperationalError, sa.exc.ProgrammingError):  # tables not created yet
            return 0

    def updated_at(self, ids: list[str]) -> dict[str, datetime]:
        with self.engine.connect() as conn:
            return {r[0]: r[1] for r in conn.execute(self._times, {"ids": ids})}

    def close(self) -> None:
        self.engine.dispose()


def _as_epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return datetime.fromisoformat(str(value)).timestamp()


def wait_persisted(run: PipelineRun, group: WorkerGroup, ids: list[str]) -> dict[str, float]:
    """Poll the database until every id is stored; return id -> updated_at (epoch seconds)."""
    poller = StoredPoller(group.database_url)
    seen = {"stored": 0}

    def all_stored() -> bool:
        if group.exited() is not None:
            raise RuntimeError(f"the worker exited with {group.exited()}:\n{group.log_tail()}")
        seen["stored"] = poller.count(ids)
        run.progress("persisted", seen["stored"], len(ids))
        return seen["stored"] >= len(ids)

    try:
        # Seldom while most are still to come, often near the end: the end time is what is measured, and
        # every poll takes CPU from the workers.
        wait_for(f"{len(ids)} articles persisted", all_stored, run.timeout_s,
                 lambda: f"{seen['stored']} persisted\n{group.log_tail()}",
                 interval=lambda _: 0.1 if seen["stored"] >= 0.9 * len(ids) else 0.5)
        return {k: _as_epoch(v) for k, v in poller.updated_at(ids).items()}
    finally:
        poller.close()


def wait_alerts(run: PipelineRun, group: WorkerGroup) -> int:
    """Until the alert topics hold as many records as the workers say they published; returns that count."""
    from kafka import TopicPartition

    from schemas.topics import ALERT_TOPIC_FOR_TYPE
    from streams.kafka import clients as kafka_clients
    from streams.settings import Settings

    settings = Settings(kafka_bootstrap=run.bootstrap, topic_prefix=group.prefix)
    specs = settings.topics()
    topics = [specs[k].full_name(settings.topic_prefix) for k in ALERT_TOPIC_FOR_TYPE.values()]
    consumer = kafka_clients.consumer(settings)
    try:
        tps = [TopicPartition(t, p) for t in topics for p in (consumer.partitions_for_topic(t) or ())]
        counts = {"expected": 0, "on_broker": 0}

        def all_on_broker() -> bool:
            counts["expected"] = int(group.metric(ALERT_METRIC))
            counts["on_broker"] = sum(consumer.end_offsets(tps).values()) if tps else 0
            run.progress("alerts on the broker", counts["on_broker"], counts["expected"])
            return counts["on_broker"] >= counts["expected"]

        wait_for("every alert the workers published to be on the broker", all_on_broker, 60,
                 lambda: f"{counts['on_broker']} of {counts['expected']} on the broker", interval=0.2)
        return counts["on_broker"]
    finally:
        consumer.close()


def _articles_topic(group: WorkerGroup) -> str:
    from streams.settings import Settings

    settings = Settings(topic_prefix=group.prefix)
    return settings.topics()["articles"].full_name(settings.topic_prefix)


def _rss_mb(group: WorkerGroup) -> list[float]:
    return group.sampler.rss_mb()


def _throughput(run: PipelineRun, group: WorkerGroup, articles: list[Article]) -> dict[str, Any]:
    """Publish all at once; seconds from the first send until all are persisted and all alerts published."""
    cpu0, stages0, batches0 = group.cpu_seconds(), group.stage_seconds(), group.batch_counts()
    alerts0 = int(group.metric(ALERT_METRIC))  # the group's earlier rounds: all on the broker already
    t0 = time.monotonic()
    publish(run, _articles_topic(group), articles)
    wait_persisted(run, group, [a.id for a in articles])
    alerts = wait_alerts(run, group) - alerts0
    seconds = time.monotonic() - t0
    time.sleep(0.6)  # one more sample of the workers' CPU times
    words = sum(len(a.full_text.split()) for a in articles)
    cpu = group.cpu_seconds() - cpu0
    stages = {k: round(v - stages0.get(k, 0.0), 3) for k, v in group.stage_seconds().items()}
    batches = {}
    for agent, (records, count) in group.batch_counts().items():
        r0, c0 = batches0.get(agent, (0.0, 0.0))
        n = count - c0
        batches[agent] = {"batches": int(n), "mean_size": round((records - r0) / max(n, 1), 1)}
    # Share of the wall time the NLP threads were busy: what a gap between batches costs, and steadier
    # than the rates themselves on a shared machine.
    busy = (stages.get("nlp", 0.0) + stages.get("detection", 0.0)) / (seconds * group.count)
    return {"workers": group.count, "seconds": round(seconds, 3), "nlp_busy": round(busy, 3),
            "articles_per_s": round(len(articles) / seconds, 2), "words_per_s": round(words / seconds, 1),
            "alerts": alerts, "worker_cpu_seconds": round(cpu, 2),
            "words_per_cpu_s": round(words / cpu, 1) if cpu > 0 else None,
            "stage_seconds": stages, "batches": batches, "peak_rss_mb": _rss_mb(group)}


# ---- the stages -----------------------------------------------------------------------------------

GROUPS = {"c": ("worker", 1), "d": ("worker2", 2)}  # stage -> (PipelineRun attribute, worker processes)


def start_group(run: PipelineRun, key: str) -> WorkerGroup:
    """The worker group of stage c (one worker) or d (two), started and settled on the first call only,
    on a fresh database of its own; `run.cleanup` stops it and drops the database."""
    attr, count = GROUPS[key]
    group = getattr(run, attr)
    if group is None:
        url = run.cleanup.enter_context(fresh_database(run, key))
        group = WorkerGroup(run, count, url, key).start()
        run.cleanup.callback(group.stop)
        try:
            group.ready(run.timeout_s, settle_s=3, progress=lambda what: run.progress(what, None, None))
        except BaseException:
            group.stop()  # not left idling (and taking CPU) beside the other stages
            raise
        setattr(run, attr, group)
    return group


def stop_group(run: PipelineRun, key: str) -> None:
    """Stop a group early (its stage failed): it no longer takes CPU from the other stages."""
    attr, _ = GROUPS[key]
    group = getattr(run, attr)
    setattr(run, attr, None)
    if group is not None:
        group.stop()


def round_articles(articles: list[Article], round_no: int) -> list[Article]:
    """The corpus with ids suffixed `-r{round}`: each round's articles are new rows."""
    return [a.model_copy(update={"id": f"{a.id}-r{round_no}"}) for a in articles]


def stage_pipeline(run: PipelineRun, round_no: int) -> dict[str, Any]:
    """(c): one worker process, the same one every round; it is kept running for the latency stage."""
    return _throughput(run, start_group(run, "c"), round_articles(run.articles, round_no))


def stage_pipeline2(run: PipelineRun, round_no: int) -> dict[str, Any]:
    """(d): two worker processes in one consumer group (`newsmon worker --workers 2`), the same every round."""
    return _throughput(run, start_group(run, "d"), round_articles(run.articles, round_no))


def _percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least q% of the values at or below it."""
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered))
    return ordered[max(0, min(len(ordered), rank) - 1)]


def latency_order(articles: list[Article], seed: int = 0) -> list[Article]:
    """The articles shuffled (always the same way): at a fixed rate in articles/s, a corpus file sorted by
    length would send its long articles in one burst at the end and time that burst, not the pipeline at half
    its capacity. On 154 real articles whose 19 long ones come last in the file: p99 4.08 s in file order, 0.69 s
    in this one."""
    import random

    out = list(articles)
    random.Random(seed).shuffle(out)
    return out


def stage_latency(run: PipelineRun) -> dict[str, Any]:
    """Publish at half the capacity measured by (c) and read each article's publish -> persisted time.

    Runs after the rounds; the capacity is (c)'s median. The articles get new ids (suffix `-lat`), so they
    are new rows, not upserts of (c)'s, and go out in an order of their own (`latency_order`)."""
    capacity = run.results.get("pipeline", {}).get("articles_per_s")
    if not capacity:
        raise RuntimeError("the latency stage needs stage c (its capacity sets the publish rate)")
    if run.worker is None:
        raise RuntimeError("the latency stage reuses stage c's worker; run them together")
    rate = run.latency_rate or capacity / 2
    articles = latency_order([a.model_copy(update={"id": f"{a.id}-lat"}) for a in run.articles])
    group = run.worker
    sent = publish(run, _articles_topic(group), articles, rate=rate)
    stored = wait_persisted(run, group, list(sent))
    latencies = [max(0.0, stored[i] - sent[i]) for i in sent]
    return {"rate_articles_per_s": round(rate, 2), "articles": len(latencies),
            "p50_s": round(_percentile(latencies, 50), 3), "p95_s": round(_percentile(latencies, 95), 3),
            "p99_s": round(_percentile(latencies, 99), 3), "max_s": round(max(latencies), 3),
            "peak_rss_mb": _rss_mb(group)}


def close(run: PipelineRun) -> None:
    """Stop the kept workers and drop their databases (safe to call twice)."""
    run.worker = run.worker2 = None
    run.cleanup.close()


def errors(summary: dict[str, Any]) -> dict[str, str]:
    """Stage name -> error message, for the stages that failed."""
    return {name: res["error"] for name, res in summary.get("stages", {}).items() if "error" in res}


PIPELINE_STAGES: dict[str, Callable[..., dict[str, Any]]] = {
    "c": stage_pipeline, "d": stage_pipeline2, "latency": stage_latency}
GROUP_STARTERS: dict[str, Callable[[PipelineRun], Any]] = {
    "c": lambda run: start_group(run, "c"), "d": lambda run: start_group(run, "d")}
RESULT_NAMES = {"a": "spacy", "a2": "spacy2", "b": "analyze", "c": "pipeline", "d": "pipeline2", "latency": "latency",
                "incidents": "incidents"}
FAILURES = (ServiceDown, RuntimeError, OSError)  # a shared broker or database can go away mid-run


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _rounds_of(res: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A stage's per-round figures (a result without a round list counts as one round)."""
    res = res or {}
    if "rounds" in res:
        return res["rounds"]
    return [{"round": 1, **res}] if "words_per_s" in res else []


def round_ratios(results: dict[str, dict[str, Any]], num: str, den: str,
                 key: str = "words_per_s") -> list[float]:
    """num_r / den_r for every round in which both stages have the figure."""
    dens = {r["round"]: r.get(key) for r in _rounds_of(results.get(den))}
    out = []
    for r in _rounds_of(results.get(num)):
        x, y = r.get(key), dens.get(r["round"])
        if x and y:
            out.append(x / y)
    return out


def _median_ratio(ratios: list[float]) -> float | None:
    return round(statistics.median(ratios), 3) if ratios else None


def _range(ratios: list[float]) -> list[float] | None:
    return [round(min(ratios), 3), round(max(ratios), 3)] if ratios else None


def summarize(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The headline figures (None where a stage did not run) from the stage results: rates are the stages'
    medians over their rounds, ratios the median (and [min, max]) of the per-round ratios."""
    wps = {name: (results.get(name) or {}).get("words_per_s") for name in ("spacy", "analyze", "pipeline",
                                                                           "pipeline2")}
    latency = results.get("latency") or {}
    rss = [v for name in ("pipeline", "pipeline2", "latency") for v in (results.get(name) or {}).get(
        "peak_rss_mb", [])]
    analyze = round_ratios(results, "analyze", "spacy")
    pipeline = round_ratios(results, "pipeline", "spacy")
    scaling = round_ratios(results, "pipeline2", "pipeline")
    machine = round_ratios(results, "spacy2", "spacy")
    return {
        "spacy_wps": wps["spacy"], "analyze_wps": wps["analyze"], "pipeline_wps": wps["pipeline"],
        "pipeline2_wps": wps["pipeline2"],
        "ratio_analyze": _median_ratio(analyze), "ratio_analyze_range": _range(analyze),
        "ratio_pipeline": _median_ratio(pipeline), "ratio_pipeline_range": _range(pipeline),
        "ratio_scaling": _median_ratio(scaling), "ratio_scaling_range": _range(scaling),
        # Two bare spaCy processes over one on this machine: the ceiling for ratio_scaling.
        "spacy2_wps": (results.get("spacy2") or {}).get("words_per_s"),
        "ratio_machine_scaling": _median_ratio(machine), "ratio_machine_scaling_range": _range(machine),
        # Per CPU second: steadier than wall-clock rates when other work shares the cores.
        "ratio_pipeline_cpu": _median_ratio(round_ratios(results, "pipeline", "spacy", "words_per_cpu_s")),
        "latency_p50_s": latency.get("p50_s"), "latency_p95_s": latency.get("p95_s"),
        "latency_p99_s": latency.get("p99_s"),
        "peak_rss_mb": max(rss) if rss else None,
    }


def parse_stages(text: str) -> list[str]:
    """`a,a2,b,c,d,latency` -> the list; unknown names raise ValueError naming the known ones."""
    chosen = [s.strip().lower() for s in text.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in ALL_STAGES]
    if unknown or not chosen:
        raise ValueError(f"unknown stage(s) {', '.join(unknown) or '(none given)'}; "
                         f"choose from {','.join(ALL_STAGES)}")
    if "latency" in chosen and "c" not in chosen:
        raise ValueError("stage latency publishes at half of stage c's capacity: add c")
    return chosen


def run_bench(run: PipelineRun, model: str, selected: list[str], *, batch_size: int = 32, rounds: int = 3,
              ab_runner: Callable[..., dict[str, Callable[[int], dict[str, Any]]]] | None = None,
              stages: dict[str, Callable[..., dict[str, Any]]] | None = None,
              starters: dict[str, Callable[[PipelineRun], Any]] | None = None) -> dict[str, Any]:
    """Every selected stage on `run.articles`, the throughput stages in `rounds` interleaved rounds; one
    JSON-able summary with the headline figures on top.

    `ab_runner(articles, model, *, batch_size, stages)` returns stage name -> `(round) -> figures` for a and b
    (default: benchmark.round_stages); `stages` maps c, d to `(run, round) -> figures` and latency to
    `(run) -> figures`; `starters` start the worker groups before round 1 (default: GROUP_STARTERS with the
    default stages, none with injected ones)."""
    from streams.bench import inprocess as benchmark
    from streams.settings import Settings

    if starters is None:
        starters = GROUP_STARTERS if stages is None else {}
    stages = stages if stages is not None else PIPELINE_STAGES
    summary: dict[str, Any] = {"model": model, "articles": len(run.articles), "words": run.words,
                               "stages_run": selected, "database": run.database, "rounds": rounds,
                               # the workers inherit the environment, NEWSMON_NLP_EXECUTOR included
                               "nlp_executor": Settings().nlp_executor, "machine": machine_note()}
    timed: dict[str, Callable[[int], dict[str, Any]]] = {}  # result name -> one timed pass of that round
    failed: dict[str, dict[str, Any]] = {}  # result name -> error (and the round it failed in)
    base_progress = run.progress
    try:
        wanted = {RESULT_NAMES[key] for key in selected}  # the in-process stages a, a2, b among them
        ab = [(name, fn) for name, fn in benchmark.STAGES if name in wanted]
        if ab:
            run.progress("stages a/b: loading the model in this process", None, None)
            timed.update((ab_runner or benchmark.round_stages)(run.articles, model, batch_size=batch_size,
                                                               stages=ab))
            summary["batch_size"] = batch_size
        for key in ("c", "d"):
            if key not in selected:
                continue
            name = RESULT_NAMES[key]
            if key in starters:  # before round 1: a worker's startup never lands inside a timed round
                run.progress(f"stage {key}: starting its workers", None, None)
                try:
                    starters[key](run)
                except FAILURES as exc:
                    failed[name] = {"error": _error(exc), "failed_round": 0}  # 0: while starting
                    continue
            timed[name] = functools.partial(stages[key], run)

        per_round: dict[str, list[dict[str, Any]]] = {name: [] for name in timed}
        loads = []
        for r in range(1, rounds + 1):
            load = machine_note()["loadavg_1_5_15"]
            loads.append(load)

            def in_round(what: str, done: int | None = None, total: int | None = None, r: int = r) -> None:
                base_progress(f"round {r}/{rounds}: {what}", done, total)

            run.progress = in_round
            for name, fn in list(timed.items()):
                run.progress(f"stage {_KEY_OF[name]} ({name})", None, None)
                try:
                    res = fn(r)
                except FAILURES as exc:
                    failed[name] = {"error": _error(exc), "failed_round": r}
                    del timed[name]  # not run in later rounds; its earlier rounds stay
                    if name == "pipeline":
                        stop_group(run, "c")  # the latency stage is skipped; d has its own group
                    continue
                per_round[name].append({"round": r, "loadavg_1_5_15": load, **res})
            run.progress = base_progress
        summary["machine"]["loadavg_by_round"] = loads

        for name, rs in per_round.items():
            run.results[name] = {**benchmark.median_result(rs), "rounds": rs} if rs else {"rounds": []}
        for name, err in failed.items():
            run.results.setdefault(name, {"rounds": []}).update(err)

        if "latency" in selected:
            pipeline = run.results.get("pipeline") or {}
            run.progress("stage latency", None, None)
            if "error" in pipeline or not pipeline.get("articles_per_s"):
                run.results["latency"] = {"error": "RuntimeError: skipped, stage c failed (the latency stage "
                                                   "publishes at half of its capacity, on its worker)"}
            else:
                try:
                    run.results["latency"] = stages["latency"](run)
                except FAILURES as exc:
                    run.results["latency"] = {"error": _error(exc)}
        if "incidents" in selected:
            from streams.bench import incidents

            run.progress("stage incidents: clustering the labelled corpus", None, None)
            try:
                run.results["incidents"] = incidents.measure(run.incident_corpus, model)
            except (*FAILURES, ValueError) as exc:
                run.results["incidents"] = {"error": _error(exc)}
    finally:
        run.progress = base_progress
        close(run)
    summary["stages"] = run.results
    summary["machine"]["loadavg_end"] = machine_note()["loadavg_1_5_15"]
    summary.update(summarize(run.results))
    return summary


_KEY_OF = {name: key for key, name in RESULT_NAMES.items()}


def machine_note() -> dict[str, Any]:
    """Cores and load average: the figures mean little without them on a shared machine."""
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {"cpus": os.cpu_count(), "loadavg_1_5_15": load}
