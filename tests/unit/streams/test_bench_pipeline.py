"""`newsmon bench` glue without services: stage selection, order, the JSON figures and their ratios, on fake
stages (the real ones need the broker and a database and are run by hand, `make bench`)."""

from __future__ import annotations

import json
import types

import pytest

from streams.bench import pipeline as bp
from streams.bench.inprocess import build_corpus, write_json
from tests.support.workers import wait_for

HEADLINE = {"spacy_wps", "analyze_wps", "pipeline_wps", "pipeline2_wps", "ratio_analyze", "ratio_pipeline",
            "ratio_scaling", "ratio_analyze_range", "ratio_pipeline_range", "ratio_scaling_range",
            "ratio_pipeline_cpu", "spacy2_wps", "ratio_machine_scaling", "ratio_machine_scaling_range",
            "latency_p50_s", "latency_p95_s", "latency_p99_s", "peak_rss_mb", "rounds",
            "machine", "stages"}


def _by_round(value, r: int):
    """A figure given per round (a list: round 1 first) or the same every round."""
    return value[r - 1] if isinstance(value, list) else value


def fake_ab(calls: list | None = None, rates: dict | None = None):
    """An ab_runner: stage name -> (round) -> figures, with words/s per round from `rates`."""
    rates = rates or {"spacy": 1000.0, "spacy2": 1500.0, "analyze": 800.0}
    keys = {"spacy": "a", "spacy2": "a2", "analyze": "b"}

    def runner(articles, model, *, batch_size, stages):
        def one(name):
            def run(r: int) -> dict:
                if calls is not None:
                    calls.append((keys[name], r))
                return {"seconds": 1.0, "articles_per_s": 3.0, "words_per_s": _by_round(rates[name], r),
                        "words_per_cpu_s": 1000.0}
            return run
        return {name: one(name) for name, _ in stages}
    return runner


def fake_stages(calls: list, c_wps=700.0, d_wps=1190.0):
    def stage(key: str, wps, **extra):
        def run(pr: bp.PipelineRun, r: int) -> dict:
            calls.append((key, r))
            return {"seconds": 1.0, "articles_per_s": 2.0, "words_per_s": _by_round(wps, r),
                    "words_per_cpu_s": 500.0, **extra}
        return run

    def latency(pr: bp.PipelineRun) -> dict:
        calls.append(("latency", None))
        # The latency stage depends on c's capacity: it must run after c.
        assert pr.results["pipeline"]["articles_per_s"] == 2.0
        return {"p50_s": 0.2, "p95_s": 0.5, "p99_s": 0.9, "peak_rss_mb": [420.0]}

    return {"c": stage("c", c_wps, peak_rss_mb=[400.0]), "d": stage("d", d_wps, peak_rss_mb=[380.0, 390.5]),
            "latency": latency}


def _run(tmp_path, n: int = 5) -> bp.PipelineRun:
    return bp.PipelineRun(articles=build_corpus(n), bootstrap="127.0.0.1:1", workdir=tmp_path)


def test_json_has_every_headline_figure_and_the_ratios(tmp_path):
    calls: list = []
    run = _run(tmp_path)
    summary = bp.run_bench(run, "some_model", ["a", "b", "c", "d", "latency"], ab_runner=fake_ab(calls),
                           stages=fake_stages(calls), rounds=2)
    out = tmp_path / "bench.json"
    write_json(summary, out)
    data = json.loads(out.read_text())
    assert HEADLINE <= data.keys()
    # Rounds interleave every throughput stage; the latency stage comes once, after them.
    assert calls == [("a", 1), ("b", 1), ("c", 1), ("d", 1), ("a", 2), ("b", 2), ("c", 2), ("d", 2),
                     ("latency", None)]
    assert data["rounds"] == 2
    assert data["ratio_analyze"] == 0.8 and data["ratio_analyze_range"] == [0.8, 0.8]
    assert data["ratio_pipeline"] == 0.7
    assert data["ratio_scaling"] == 1.7
    assert data["ratio_pipeline_cpu"] == 0.5
    assert (data["latency_p50_s"], data["latency_p95_s"], data["latency_p99_s"]) == (0.2, 0.5, 0.9)
    assert data["peak_rss_mb"] == 420.0
    assert data["articles"] == 5 and data["words"] == run.words > 0
    for name in ("spacy", "analyze", "pipeline", "pipeline2"):
        assert [r["round"] for r in data["stages"][name]["rounds"]] == [1, 2]
    assert len(data["machine"]["loadavg_by_round"]) == 2


def test_ratios_are_the_median_of_the_per_round_ratios_with_their_range(tmp_path):
    # c/a is 0.5 in round 1 (the machine was busy) and 0.9 after; d/c is 2.0, 1.889, 2.111. The ratio of the
    # medians would give (d)/(c) = 1700/900 = 1.889: the per-round ratio is what is asked for.
    calls: list = []
    summary = bp.run_bench(_run(tmp_path), "m", ["a", "c", "d"], rounds=3,
                           ab_runner=fake_ab(calls, {"spacy": 1000.0, "analyze": 800.0}),
                           stages=fake_stages(calls, c_wps=[500.0, 900.0, 900.0], d_wps=[1000.0, 1700.0, 1900.0]))
    assert summary["ratio_pipeline"] == 0.9
    assert summary["ratio_pipeline_range"] == [0.5, 0.9]
    assert summary["ratio_scaling"] == 2.0
    assert summary["ratio_scaling_range"] == [1.889, 2.111]
    # the headline rates are the medians over the rounds, the rounds kept beside them
    assert summary["pipeline_wps"] == 900.0 and summary["pipeline2_wps"] == 1700.0
    assert [r["words_per_s"] for r in summary["stages"]["pipeline"]["rounds"]] == [500.0, 900.0, 900.0]
    assert summary["ratio_analyze"] is None and summary["ratio_analyze_range"] is None  # b not selected


def test_ratios_pair_the_rounds_of_the_same_number(tmp_path):
    # a's round 2 is missing: c's round 2 must not be compared with a's round 3.
    results = {"spacy": {"rounds": [{"round": 1, "words_per_s": 1000.0}, {"round": 3, "words_per_s": 500.0}]},
               "pipeline": {"rounds": [{"round": 1, "words_per_s": 800.0}, {"round": 2, "words_per_s": 100.0},
                                       {"round": 3, "words_per_s": 450.0}]}}
    assert bp.round_ratios(results, "pipeline", "spacy") == [0.8, 0.9]


def test_median_result_takes_medians_of_numbers_nested_too():
    from streams.bench.inprocess import median_result

    rounds = [{"round": 1, "words_per_s": 100.0, "alerts": 3, "stage_seconds": {"nlp": 1.0},
               "peak_rss_mb": [400.0, 380.0], "workers": 2},
              {"round": 2, "words_per_s": 300.0, "alerts": 5, "stage_seconds": {"nlp": 3.0},
               "peak_rss_mb": [410.0, 370.0], "workers": 2},
              {"round": 3, "words_per_s": 200.0, "alerts": 4, "stage_seconds": {"nlp": 2.0},
               "peak_rss_mb": [405.0, 390.0], "workers": 2}]
    out = median_result(rounds)
    assert "round" not in out and out["workers"] == 2 and isinstance(out["workers"], int)
    assert out["words_per_s"] == 200.0 and out["alerts"] == 4 and out["stage_seconds"] == {"nlp": 2.0}
    assert out["peak_rss_mb"] == [410.0, 390.0]
    assert median_result(rounds[:2])["words_per_s"] == 200.0


def test_stages_not_run_are_null_not_missing(tmp_path):
    run = bp.PipelineRun(articles=build_corpus(3), bootstrap="127.0.0.1:1", workdir=tmp_path)
    summary = bp.run_bench(run, "m", ["a"], ab_runner=fake_ab(), stages=fake_stages([]))
    assert HEADLINE <= summary.keys()
    assert summary["spacy_wps"] == 1000.0
    assert summary["analyze_wps"] is None and summary["ratio_pipeline"] is None
    assert summary["peak_rss_mb"] is None


@pytest.mark.parametrize("text, message",
                         [("a,x", "unknown stage"), ("latency", "add c"), ("", "none given")])
def test_bad_stage_lists_are_refused_with_the_reason(text, message):
    with pytest.raises(ValueError, match=message):
        bp.parse_stages(text)


def test_stage_list_is_read_case_and_space_insensitive():
    assert bp.parse_stages(" A, c ,Latency") == ["a", "c", "latency"]


def test_a_broker_that_does_not_answer_names_make_up(tmp_path):
    run = bp.PipelineRun(articles=[], bootstrap="127.0.0.1:1", workdir=tmp_path)
    with pytest.raises(bp.ServiceDown, match="make up"):
        bp.check_services(run)


def test_percentiles_are_nearest_rank():
    values = [float(i) for i in range(1, 101)]
    assert bp._percentile(values, 50) == 50.0
    assert bp._percentile(values, 99) == 99.0
    assert bp._percentile([3.0], 95) == 3.0


def test_a_stage_that_fails_mid_run_is_reported_and_the_others_still_run(tmp_path):
    calls: list = []
    stages = fake_stages(calls)

    def database_gone(r: bp.PipelineRun, round_no: int) -> dict:
        raise bp.ServiceDown("PostgreSQL does not answer: run `make up`")

    stages.update(c=database_gone)
    summary = bp.run_bench(_run(tmp_path, 3), "m", ["a", "c", "d", "latency"], ab_runner=fake_ab(),
                           stages=stages)
    failed = bp.errors(summary)
    assert set(failed) == {"pipeline", "latency"}
    assert "make up" in failed["pipeline"]
    assert calls == [("d", 1), ("d", 2), ("d", 3)]
    assert summary["pipeline2_wps"] == 1190.0 and summary["spacy_wps"] == 1000.0
    assert summary["pipeline_wps"] is None and summary["ratio_scaling"] is None


def test_a_stage_failing_in_round_2_keeps_round_1_and_the_error_and_is_not_run_again(tmp_path):
    calls: list = []
    stages = fake_stages(calls)
    c_ok = stages["c"]

    def c_fails_in_round_2(pr: bp.PipelineRun, r: int) -> dict:
        if r == 2:
            calls.append(("c", r))
            raise RuntimeError("the worker exited with 1")
        return c_ok(pr, r)

    stages["c"] = c_fails_in_round_2
    summary = bp.run_bench(_run(tmp_path), "m", ["a", "c", "d", "latency"], ab_runner=fake_ab(calls),
                           stages=stages, rounds=3)
    assert calls == [("a", 1), ("c", 1), ("d", 1), ("a", 2), ("c", 2), ("d", 2), ("a", 3), ("d", 3)]
    pipeline = summary["stages"]["pipeline"]
    assert pipeline["words_per_s"] == 700.0 and [r["round"] for r in pipeline["rounds"]] == [1]
    assert pipeline["failed_round"] == 2 and "exited with 1" in pipeline["error"]
    assert summary["pipeline_wps"] == 700.0
    assert summary["ratio_pipeline"] == 0.7 and summary["ratio_pipeline_range"] == [0.7, 0.7]  # round 1 only
    assert summary["ratio_scaling_range"] == [1.7, 1.7]
    assert set(bp.errors(summary)) == {"pipeline", "latency"}  # c failed: latency is skipped, not run
    assert ("latency", None) not in calls


def test_the_progress_line_names_the_round(tmp_path):
    seen: list[str] = []
    run = _run(tmp_path)
    run.progress = lambda what, done=None, total=None: seen.append(what)
    bp.run_bench(run, "m", ["a", "c"], ab_runner=fake_ab(), stages=fake_stages([]), rounds=2)
    assert any(w.startswith("round 1/2") and "stage c" in w for w in seen)
    assert any(w.startswith("round 2/2") and "stage a" in w for w in seen)


class FakeGroup:
    """Stands in for WorkerGroup: counts start() and stop(), records what happened in order."""

    events: list = []

    def __init__(self, run, count, database_url, label):
        self.count, self.database_url, self.label = count, database_url, label
        self.sampler = types.SimpleNamespace(rss_mb=lambda: [])

    def start(self):
        FakeGroup.events.append(("start", self.label))
        return self

    def ready(self, timeout, settle_s=0.0, progress=None):
        FakeGroup.events.append(("ready", self.label))

    def stop(self):
        FakeGroup.events.append(("stop", self.label))


@pytest.fixture
def fake_workers(monkeypatch):
    """The real stages c, d and latency on fake worker groups, databases, publishing and throughput."""
    from contextlib import contextmanager

    FakeGroup.events = []
    capacity = {1: 2.0, 2: 6.0, 3: 4.0}  # articles/s of c per round: median 4

    @contextmanager
    def fresh_database(run, label):
        FakeGroup.events.append(("database", label))
        yield f"sqlite:///{label}.db"

    def throughput(run, group, articles):
        ids = [a.id for a in articles]
        r = int(ids[0].rpartition("-r")[2])
        FakeGroup.events.append(("throughput", group.label, r, ids))
        return {"seconds": 1.0, "articles_per_s": capacity[r] * group.count,
                "words_per_s": 100.0 * capacity[r] * group.count, "peak_rss_mb": [400.0] * group.count}

    def publish(run, topic, articles, rate=None):
        FakeGroup.events.append(("publish", topic, rate, [a.id for a in articles]))
        return {a.id: 10.0 for a in articles}

    monkeypatch.setattr(bp, "WorkerGroup", FakeGroup)
    monkeypatch.setattr(bp, "fresh_database", fresh_database)
    monkeypatch.setattr(bp, "_throughput", throughput)
    monkeypatch.setattr(bp, "publish", publish)
    monkeypatch.setattr(bp, "_articles_topic", lambda group: f"articles-{group.label}")
    monkeypatch.setattr(bp, "wait_persisted", lambda run, group, ids: {i: 10.25 for i in ids})
    return FakeGroup.events


def test_worker_groups_start_once_before_round_1_and_each_round_writes_new_ids(tmp_path, fake_workers):
    run = _run(tmp_path, 4)
    summary = bp.run_bench(run, "m", ["c", "d", "latency"], rounds=3)
    events = fake_workers
    assert [e for e in events if e[0] == "start"] == [("start", "c"), ("start", "d")]
    first = next(i for i, e in enumerate(events) if e[0] == "throughput")
    assert {("ready", "c"), ("ready", "d")} <= set(events[:first])  # startup is outside the timed rounds
    rounds = [(e[1], e[2]) for e in events if e[0] == "throughput"]
    assert rounds == [("c", 1), ("d", 1), ("c", 2), ("d", 2), ("c", 3), ("d", 3)]
    for label in ("c", "d"):
        ids = [e[3] for e in events if e[0] == "throughput" and e[1] == label]
        assert ids[0] == [f"bench-{i:05d}-r1" for i in range(4)]
        assert len({i for batch in ids for i in batch}) == 3 * 4  # every round new rows, no upserts
    # latency: after the rounds, on c's worker, at half of c's MEDIAN capacity (2, 6, 4 -> 4)
    (_, topic, rate, lat_ids), = [e for e in events if e[0] == "publish"]
    assert topic == "articles-c" and rate == 2.0 and lat_ids[0].endswith("-lat")
    assert summary["latency_p99_s"] == 0.25 and summary["pipeline_wps"] == 400.0
    assert sorted(e for e in events if e[0] == "stop") == [("stop", "c"), ("stop", "d")]
    assert events[-2:] in ([("stop", "d"), ("stop", "c")], [("stop", "c"), ("stop", "d")])
    assert run.worker is None and run.worker2 is None


def test_a_failing_c_stops_its_group_at_once_and_d_keeps_its_own(tmp_path, fake_workers, monkeypatch):
    real = bp._throughput

    def c_fails_in_round_2(run, group, articles):
        if group.label == "c" and articles[0].id.endswith("-r2"):
            raise OSError("connection refused")
        return real(run, group, articles)

    monkeypatch.setattr(bp, "_throughput", c_fails_in_round_2)
    summary = bp.run_bench(_run(tmp_path, 2), "m", ["c", "d", "latency"], rounds=3)
    events = fake_workers
    stop_c = events.index(("stop", "c"))
    d_after = [e[2] for e in events[stop_c:] if e[0] == "throughput" and e[1] == "d"]
    assert d_after == [2, 3]  # c's worker was stopped before d's round 2
    assert [e[0] for e in events].count("start") == 2
    assert not [e for e in events if e[0] == "publish"]  # no latency stage without c
    assert summary["stages"]["pipeline"]["failed_round"] == 2 and summary["pipeline2_wps"] == 800.0


def test_a_workers_peak_rss_and_cpu_count_its_child_processes(tmp_path):
    """With NEWSMON_NLP_EXECUTOR=process the model lives in the worker's child: its memory is the worker's."""
    import subprocess
    import sys

    child = "import time; x = b'x' * (150 * 2**20); time.sleep(30)"
    parent = f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {child!r}]); time.sleep(30)"
    group = bp.WorkerGroup(bp.PipelineRun(articles=[], bootstrap="127.0.0.1:1", workdir=tmp_path), 1,
                           "sqlite://", "rss")
    group.proc = subprocess.Popen([sys.executable, "-c", parent], start_new_session=True)
    sampler = group.sampler.start()
    try:
        wait_for("the child's memory counted in the worker's", lambda: sampler.peak_rss.get(group.proc.pid, 0)
                 >= 150 * 2**20, 20, lambda: f"peak RSS so far: {sampler.peak_rss}", interval=0.2)
        assert len(sampler._cpu) >= 2  # the parent's and the child's CPU times
    finally:
        group.stop()


def test_stage_a2_runs_after_a_in_every_round_and_gives_the_machine_ceiling(tmp_path):
    calls: list = []
    summary = bp.run_bench(_run(tmp_path), "m", ["a", "a2", "c", "d"], rounds=2,
                           ab_runner=fake_ab(calls, {"spacy": 1000.0, "spacy2": [1500.0, 1700.0], "analyze": 1.0}),
                           stages=fake_stages(calls))
    assert calls == [("a", 1), ("a2", 1), ("c", 1), ("d", 1), ("a", 2), ("a2", 2), ("c", 2), ("d", 2)]
    assert summary["spacy2_wps"] == 1600.0
    assert summary["ratio_machine_scaling"] == 1.6
    assert summary["ratio_machine_scaling_range"] == [1.5, 1.7]


def test_stage_a2_splits_the_texts_in_two_halves_of_nearly_equal_words():
    from streams.bench.inprocess import balanced_halves

    texts = [" ".join(["w"] * n) for n in (60, 5, 30, 30, 25, 1, 8, 40)]
    first, second = balanced_halves(texts)
    assert sorted(first + second) == sorted(texts)  # every text once
    words = [sum(len(t.split()) for t in half) for half in (first, second)]
    assert abs(words[0] - words[1]) <= 1, words


def _event_share(corpus) -> float:
    """Share of the corpus's sentences written from an event template (found by its longest fixed words)."""
    import re

    from streams.bench.inprocess import _EVENT_TEMPLATES

    markers = [max(re.split(r"\{\w+\}", t), key=len).strip() for t in _EVENT_TEMPLATES]
    sentences = [s for a in corpus for s in re.split(r"(?<=\.) ", a.text)]
    return sum(any(m in s for m in markers) for s in sentences) / len(sentences)


def test_the_generated_corpus_is_mostly_neutral_news_at_the_default_event_share():
    assert 0.05 <= _event_share(build_corpus(200)) <= 0.15  # default 0.1: real news is mostly not events
    assert _event_share(build_corpus(50, event_share=1.0)) == 1.0
    assert _event_share(build_corpus(50, event_share=0.0)) == 0.0
    assert build_corpus(30) == build_corpus(30)  # same seed, same corpus: runs compare
    with pytest.raises(ValueError, match="event_share"):
        build_corpus(3, event_share=1.5)


def test_balanced_partitions_give_every_partition_nearly_the_same_words():
    from kafka.partitioner.default import murmur2

    articles = build_corpus(200)
    words = [len(a.full_text.split()) for a in articles]

    def spread(parts: list[int]) -> int:
        load = [0] * 4
        for p, w in zip(parts, words, strict=True):
            load[p] += w
        return max(load) - min(load)

    chosen = bp.balanced_partitions(articles, 4)
    assert len(chosen) == len(articles) and set(chosen) == {0, 1, 2, 3}
    assert spread(chosen) <= max(words)  # greedy longest-first: off by at most one article
    hashed = [(murmur2(a.id.encode()) & 0x7FFFFFFF) % 4 for a in articles]
    assert spread(chosen) < spread(hashed)  # what the bench corrects: the key hash is far less even
    assert bp.balanced_partitions(articles, 1) == [0] * len(articles)


def test_the_latency_stage_sends_a_length_sorted_corpus_in_a_mixed_order():
    articles = sorted(build_corpus(60), key=lambda a: len(a.full_text.split()))
    sent = bp.latency_order(articles)
    assert sorted(a.id for a in sent) == sorted(a.id for a in articles)  # every article once
    assert bp.latency_order(articles) == sent  # the same order every run: runs compare
    longest = {a.id for a in articles[-10:]}
    # The ten longest are not sent as one burst at the end any more.
    assert sum(a.id in longest for a in sent[-10:]) < 5
