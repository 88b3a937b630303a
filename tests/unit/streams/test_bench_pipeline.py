"""`newsmon bench` glue without services: stage selection, order, the JSON figures and their ratios, on fake
stages (the real ones need the broker and a database and are run by hand, `make bench`)."""

from __future__ import annotations

import json

import pytest

from streams import bench_pipeline as bp
from streams.benchmark import build_corpus, write_json

HEADLINE = {"spacy_wps", "analyze_wps", "pipeline_wps", "pipeline2_wps", "ratio_analyze", "ratio_pipeline",
            "ratio_scaling", "latency_p50_s", "latency_p95_s", "latency_p99_s", "peak_rss_mb"}


def fake_ab(articles, model, *, batch_size, rounds, stages):
    rates = {"spacy": 1000.0, "analyze": 800.0}
    return {"stages": {name: {"seconds": 1.0, "articles_per_s": 3.0, "words_per_s": rates[name]}
                       for name, _ in stages}}


def fake_stages(calls: list[str]):
    def stage(name: str, wps: float, **extra):
        def run(r: bp.PipelineRun) -> dict:
            calls.append(name)
            return {"seconds": 1.0, "articles_per_s": 2.0, "words_per_s": wps, **extra}
        return run

    def latency(r: bp.PipelineRun) -> dict:
        calls.append("latency")
        # The latency stage depends on c's capacity: it must run after c.
        assert r.results["pipeline"]["articles_per_s"] == 2.0
        return {"p50_s": 0.2, "p95_s": 0.5, "p99_s": 0.9, "peak_rss_mb": [420.0]}

    return {"c": stage("c", 700.0, peak_rss_mb=[400.0]), "d": stage("d", 1190.0, peak_rss_mb=[380.0, 390.5]),
            "latency": latency}


def test_json_has_every_headline_figure_and_the_ratios(tmp_path):
    calls: list[str] = []
    run = bp.PipelineRun(articles=build_corpus(5), bootstrap="127.0.0.1:1", workdir=tmp_path)
    summary = bp.run_bench(run, "some_model", ["a", "b", "c", "d", "latency"], ab_runner=fake_ab,
                           stages=fake_stages(calls))
    out = tmp_path / "bench.json"
    write_json(summary, out)
    data = json.loads(out.read_text())
    assert HEADLINE <= data.keys()
    assert calls == ["c", "latency", "d"]
    assert data["ratio_analyze"] == 0.8
    assert data["ratio_pipeline"] == 0.7
    assert data["ratio_scaling"] == 1.7
    assert (data["latency_p50_s"], data["latency_p95_s"], data["latency_p99_s"]) == (0.2, 0.5, 0.9)
    assert data["peak_rss_mb"] == 420.0
    assert data["articles"] == 5 and data["words"] == run.words > 0


def test_stages_not_run_are_null_not_missing(tmp_path):
    run = bp.PipelineRun(articles=build_corpus(3), bootstrap="127.0.0.1:1", workdir=tmp_path)
    summary = bp.run_bench(run, "m", ["a"], ab_runner=fake_ab, stages=fake_stages([]))
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
    calls: list[str] = []
    stages = fake_stages(calls)

    def database_gone(r: bp.PipelineRun) -> dict:
        raise bp.ServiceDown("PostgreSQL does not answer: run `make up`")

    def latency_needs_c(r: bp.PipelineRun) -> dict:
        if "articles_per_s" not in r.results["pipeline"]:
            raise RuntimeError("the latency stage needs stage c")
        return {}

    stages.update(c=database_gone, latency=latency_needs_c)
    run = bp.PipelineRun(articles=build_corpus(3), bootstrap="127.0.0.1:1", workdir=tmp_path)
    summary = bp.run_bench(run, "m", ["a", "c", "d", "latency"], ab_runner=fake_ab, stages=stages)
    failed = bp.errors(summary)
    assert set(failed) == {"pipeline", "latency"}
    assert "make up" in failed["pipeline"]
    assert calls == ["d"] and summary["pipeline2_wps"] == 1190.0 and summary["spacy_wps"] == 1000.0
    assert summary["pipeline_wps"] is None and summary["ratio_scaling"] is None


def test_a_workers_peak_rss_and_cpu_count_its_child_processes(tmp_path):
    """With NEWSMON_NLP_EXECUTOR=process the model lives in the worker's child: its memory is the worker's."""
    import subprocess
    import sys
    import threading
    import time

    child = "import time; x = b'x' * (150 * 2**20); time.sleep(30)"
    parent = f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {child!r}]); time.sleep(30)"
    group = bp.WorkerGroup(bp.PipelineRun(articles=[], bootstrap="127.0.0.1:1", workdir=tmp_path), 1,
                           "sqlite://", "rss")
    group.proc = subprocess.Popen([sys.executable, "-c", parent], start_new_session=True)
    try:
        threading.Thread(target=group._sample, daemon=True).start()
        deadline = time.monotonic() + 20
        while group.peak_rss.get(group.proc.pid, 0) < 150 * 2**20 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert group.peak_rss[group.proc.pid] >= 150 * 2**20
        assert len(group._cpu) >= 2  # the parent's and the child's CPU times
    finally:
        group.stop()
