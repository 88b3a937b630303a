"""Throughput benchmark: bare spaCy (`nlp.pipe`) against the full processors (`process_batch`) on
the same texts, same model, same components.

Each stage is a function `(ctx) -> dict` listed in STAGES; another stage is added by writing its function
and appending it. The model is loaded and warmed once (`prepare`); `round_stages` hands out one callable per
stage that times ONE pass, so `newsmon bench` (streams/bench/pipeline.py) can interleave them with the worker
stages c and d round by round: on a machine whose speed drifts over minutes, stages compared within the
same round see the same machine. A stage's headline figures are the median over its rounds
(`median_result`), the per-round figures kept beside them."""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from schemas import Article

# Sentences written for the benchmark. Event sentences (sanctions, diplomacy) name two actors; the neutral ones
# are the rest of a news day (markets, weather, courts, sport, science), with places and people in them but no
# event for the detector. Real news is mostly neutral: the long-form articles of the evaluation set, picked for
# sanctions and diplomacy, carry 5.3 gold events per 1,000 words, its short snippets 11. The default share of
# event sentences (0.1) gives 6.9 detected events per 1,000 words; the generator before it gave 68 (about ten
# times the alerts, events and rows per word of real news), and `event_share=1` gives 85.
_ACTORS = [("The United States", "Washington"), ("The European Union", "Brussels"), ("Russia", "Moscow"),
           ("China", "Beijing"), ("Japan", "Tokyo"), ("Britain", "London"), ("France", "Paris"),
           ("India", "New Delhi"), ("Brazil", "Brasilia"), ("South Africa", "Pretoria")]
_EVENT_TEMPLATES = [
    "{a} imposed new sanctions on {b} on {day}, officials said.",
    "{a} said it could tighten sanctions against {b} if talks fail.",
    "The foreign minister of {a} met her counterpart from {b} in {city} on {day}.",
    "{a} and {b} signed a trade agreement after months of negotiations.",
    "Leaders gathered for a summit in {city}, where {a} pressed {b} on climate finance.",
    "Officials in {city} refused to lift the arms embargo on {b}.",
    "{a} expelled two diplomats from {b} over spying allegations.",
    "A delegation from {a} will visit {b} next week to discuss energy cooperation.",
    "The prime minister of {a} spoke with the president of {b} by phone on {day}.",
]
_NEUTRAL_TEMPLATES = [
    "Shares in {city} rose 2 percent on {day} as investors weighed quarterly earnings from the largest banks.",
    "The central bank of {a} left interest rates unchanged, citing steady inflation and a cooling labour market.",
    "Heavy rain flooded parts of {city} on {day}, disrupting trains and flights for thousands of commuters.",
    "A court in {city} adjourned the fraud trial of a former energy executive until the end of the month.",
    "Researchers at a university near {city} reported a battery design that charges in under ten minutes.",
    "The national football team of {a} won its qualifying match 2-1 after a late goal from its captain.",
    "Retail sales in {a} grew for a third straight month, helped by strong demand for cars and furniture.",
    "Firefighters brought a blaze at a warehouse on the edge of {city} under control early on {day}.",
    "The city council of {city} approved a plan to add 40 kilometres of cycle lanes over five years.",
    "Analysts expect the harvest in {a} to be smaller than last year after a dry spring in the south.",
    "A new museum of modern art opened in {city} on {day}, with works lent by collectors from several countries.",
    "The health ministry of {a} said hospital admissions for influenza had fallen for two weeks running.",
    "Oil prices slipped on {day} as traders waited for new figures on fuel stocks and refinery output.",
    "Teachers in {city} ended a week-long strike after unions accepted a revised offer on pay and hours.",
    "The airline said it would add daily flights between {city} and three holiday destinations from June.",
    "Scientists warned that the heatwave across {a} could last into next week, with temperatures near 40C.",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def build_corpus(n: int, seed: int = 7, event_share: float = 0.1) -> list[Article]:
    """`n` generated articles of mixed lengths (a title plus 1 to 60 sentences), in which each sentence is an
    event sentence with probability `event_share` and a neutral one otherwise (see the note above the
    templates for what the share gives)."""
    if not 0.0 <= event_share <= 1.0:
        raise ValueError(f"event_share must lie in [0, 1], got {event_share}")
    rng = random.Random(seed)
    base = datetime(2024, 5, 17, tzinfo=UTC)
    out = []
    for i in range(n):
        n_sent = rng.choice([1, 2, 3, 5, 8, 15, 30, 60])
        sents = []
        for _ in range(n_sent):
            (a, city), (b, _) = rng.sample(_ACTORS, 2)
            templates = _EVENT_TEMPLATES if rng.random() < event_share else _NEUTRAL_TEMPLATES
            sents.append(rng.choice(templates).format(a=a, b=b, city=city, day=rng.choice(_DAYS)))
        out.append(Article(id=f"bench-{i:05d}", title=sents[0].rstrip("."), text=" ".join(sents[1:] or sents),
                           published=base - timedelta(days=i % 30)))
    return out


def read_corpus(path: Path) -> list[Article]:
    """Articles from a corpus file (JSON lines with `id` and `text`, or anything `newsmon publish` reads);
    ArticleInputError names the first input that cannot be read."""
    from streams.inputs import articles_or_raise, read_path

    return articles_or_raise(read_path(path))


@dataclass
class BenchContext:
    """What the stages share: the articles, their texts, the loaded model and rules."""

    articles: list[Article]
    model: str
    batch_size: int = 32
    nlp: Any = None
    rules: Any = None

    @property
    def texts(self) -> list[str]:
        return [a.full_text for a in self.articles]

    @property
    def words(self) -> int:
        return sum(len(t.split()) for t in self.texts)


def _rate(n_articles: int, words: int, seconds: float) -> dict[str, float]:
    seconds = max(seconds, 1e-9)
    return {"seconds": round(seconds, 3), "articles_per_s": round(n_articles / seconds, 1),
            "words_per_s": round(words / seconds, 1)}


def _cpu(out: dict[str, Any], words: int, cpu_seconds: float) -> dict[str, Any]:
    """CPU seconds beside wall seconds: on a shared machine words per CPU second is the steadier figure."""
    out["cpu_seconds"] = round(cpu_seconds, 3)
    out["words_per_cpu_s"] = round(words / max(cpu_seconds, 1e-9), 1)
    return out


def stage_spacy(ctx: BenchContext) -> dict[str, Any]:
    """Bare nlp.pipe over the same texts with the same pipeline the processors use."""
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in ctx.nlp.pipe(ctx.texts, batch_size=ctx.batch_size):
        pass
    out = _rate(len(ctx.articles), ctx.words, time.perf_counter() - t0)
    return _cpu(out, ctx.words, time.process_time() - c0)


def stage_analyze(ctx: BenchContext) -> dict[str, Any]:
    """process_batch: spaCy plus entities, actors, events, certainty, dates and merging."""
    from processors import process_batch

    t0, c0 = time.perf_counter(), time.process_time()
    analyses = process_batch(ctx.articles, ctx.nlp, ctx.rules, batch_size=ctx.batch_size)
    out = _rate(len(ctx.articles), ctx.words, time.perf_counter() - t0)
    out = _cpu(out, ctx.words, time.process_time() - c0)
    out["events"] = sum(len(a.events) for a in analyses)
    return out


# ---- (a2): bare nlp.pipe in two processes at once: what this machine itself gives a second process -------

_PAIR: dict[str, Any] = {}  # in each of the two child processes: the loaded model


def _pair_init(model: str) -> None:
    from processors import load_nlp

    _PAIR["nlp"] = load_nlp(model)
    list(_PAIR["nlp"].pipe(["Warm up the model once."]))


def _pair_pipe(texts: list[str], batch_size: int, start_at: float) -> tuple[float, float]:
    """Parse `texts` from wall time `start_at` on (both processes start together); (seconds, CPU seconds)."""
    time.sleep(max(0.0, start_at - time.time()))
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in _PAIR["nlp"].pipe(texts, batch_size=batch_size):
        pass
    return time.perf_counter() - t0, time.process_time() - c0


def _pid_after(seconds: float) -> int:
    import os

    time.sleep(seconds)
    return os.getpid()


def balanced_bins(sizes: list[int], bins: int) -> list[int]:
    """A bin per item (in the items' order) such that the bins' total sizes are as equal as a greedy split can
    make them: largest item first, each into the bin with the least so far (the first such bin on a tie)."""
    load = [0] * max(1, bins)
    out = [0] * len(sizes)
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        b = min(range(len(load)), key=load.__getitem__)
        out[i] = b
        load[b] += sizes[i]
    return out


def balanced_halves(texts: list[str]) -> tuple[list[str], list[str]]:
    """Two lists of texts with word counts as equal as a greedy split can make them, each longest first."""
    words = [len(t.split()) for t in texts]
    half = balanced_bins(words, 2)
    longest_first = sorted(range(len(texts)), key=lambda i: -words[i])
    return ([texts[i] for i in longest_first if half[i] == 0], [texts[i] for i in longest_first if half[i] == 1])


def stage_spacy2(ctx: BenchContext) -> dict[str, Any]:
    """(a2) Bare nlp.pipe over the same texts split in two halves of equal words, in two processes at once.

    (a2)/(a) is the most two processes can gain over one on this machine with nothing else running: the
    ceiling for (d)/(c), whose two workers also share the cores with the broker and the database."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # A pool of its own each time: two idle copies of the model would otherwise stay resident through the
    # worker stages c and d.
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"), initializer=_pair_init,
                             initargs=(ctx.model,)) as pool:
        # Both children up (a task runs only after its process loaded the model) before anything is timed.
        while len(set(pool.map(_pid_after, [0.5, 0.5]))) < 2:
            pass
        start_at = time.time() + 0.2
        futures = [pool.submit(_pair_pipe, half, ctx.batch_size, start_at) for half in balanced_halves(ctx.texts)]
        results = [f.result() for f in futures]
    out = _rate(len(ctx.articles), ctx.words, max(seconds for seconds, _ in results))
    return _cpu(out, ctx.words, sum(cpu for _, cpu in results))


Stage = Callable[[BenchContext], dict[str, Any]]
# Order matters only for reading; each stage gets the same warmed-up model.
STAGES: list[tuple[str, Stage]] = [("spacy", stage_spacy), ("spacy2", stage_spacy2), ("analyze", stage_analyze)]


def prepare(articles: list[Article], model: str, batch_size: int = 32) -> BenchContext:
    """The context with the model and rules loaded and warmed up (lazy init, caches)."""
    from processors import load_nlp, load_rules

    ctx = BenchContext(articles=articles, model=model, batch_size=batch_size)
    ctx.nlp, ctx.rules = load_nlp(model), load_rules()
    list(ctx.nlp.pipe(ctx.texts[:20], batch_size=batch_size))
    return ctx


def round_stages(articles: list[Article], model: str, *, batch_size: int = 32,
                 stages: list[tuple[str, Stage]] | None = None) -> dict[str, Callable[[int], dict[str, Any]]]:
    """Stage name -> a callable `(round) -> figures` timing one pass, all on one loaded model."""
    ctx = prepare(articles, model, batch_size)

    def one(fn: Stage) -> Callable[[int], dict[str, Any]]:
        return lambda _round: fn(ctx)

    return {name: one(fn) for name, fn in stages or STAGES}


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


ROUND_NOTES = ("round", "loadavg_1_5_15")


def median_result(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One stage's figures over its rounds: the median of every number (nested dicts too), the highest
    peak RSS per worker, the last round's value for anything else; a figure the same in every round stays
    as it is. The round's own notes (its number, the load average) stay in the round records only."""
    out: dict[str, Any] = {}
    for key in rounds[0]:
        if key in ROUND_NOTES:
            continue
        values = [r[key] for r in rounds if key in r]
        if all(v == values[0] for v in values):
            out[key] = values[0]
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            out[key] = _median(values)
        elif all(isinstance(v, dict) for v in values):
            out[key] = median_result(values)
        elif key == "peak_rss_mb" and all(isinstance(v, list) for v in values):
            width = max(len(v) for v in values)
            out[key] = [max(v[i] for v in values if i < len(v)) for i in range(width)]
        else:
            out[key] = values[-1]
    return out


def write_json(summary: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
