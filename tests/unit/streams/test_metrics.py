"""The metrics catalogue is closed (exactly the documented names) and built on the injected registry."""

import re

from prometheus_client import CollectorRegistry, generate_latest

import streams.worker.metrics as metrics_module
from streams.worker.metrics import Metrics

EXPECTED = {
    "newsmon_articles_consumed_total": set(),
    "newsmon_articles_enriched_total": set(),
    "newsmon_articles_persisted_total": set(),
    "newsmon_events_detected_total": {"type", "subtype", "certainty"},
    "newsmon_alerts_published_total": {"topic"},
    "newsmon_deadletters_total": {"reason"},
    "newsmon_stage_seconds": {"stage"},
    "newsmon_end_to_end_seconds": {"target"},
    "newsmon_batch_size": {"agent"},
    "newsmon_db_retries_total": set(),
    "newsmon_consumer_lag_messages": {"topic", "partition"},
    "newsmon_consumer_lag_seconds": {"topic", "partition"},
    "newsmon_build_info": {"version", "model", "rules_version"},
}


def _exercise(m: Metrics) -> None:
    """Touch every labelled metric once so each family shows up in the exposition."""
    m.events_detected.labels("sanction", "impose", "asserted").inc()
    m.alerts_published.labels("alerts_sanction").inc()
    m.deadletters.labels("not_json").inc()
    m.stage_seconds.labels("nlp").observe(0.2)
    m.end_to_end_seconds.labels("persisted").observe(1.0)
    m.batch_size.labels("enrich").observe(8)
    m.consumer_lag_messages.labels("news.articles", "0").set(3)
    m.consumer_lag_seconds.labels("news.articles", "0").set(1.5)
    m.build_info.info({"version": "0.1.0", "model": "m", "rules_version": "r1"})


def _exposed(registry: CollectorRegistry) -> dict[str, set[str]]:
    """Sample names (histograms folded to their family) -> label names, from the text exposition."""
    found: dict[str, set[str]] = {}
    for line in generate_latest(registry).decode().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        match = re.match(r"([a-z_]+)(?:\{(.*)\})? ", line)
        name, labels = match.group(1), match.group(2) or ""
        if name.endswith("_created"):  # creation timestamps prometheus_client adds to counters/histograms
            continue
        name = re.sub(r"_(bucket|sum|count)$", "", name)
        keys = {kv.split("=")[0] for kv in re.findall(r'(\w+)="', labels)} - {"le"}
        found.setdefault(name, set()).update(keys)
    return found


def test_catalogue_is_exactly_the_documented_list():
    m = Metrics.create()
    _exercise(m)
    exposed = _exposed(m.registry)
    assert exposed == EXPECTED


def test_every_metric_is_documented_in_the_module():
    doc = metrics_module.__doc__
    for name in EXPECTED:
        assert f"| {name} " in doc, f"{name} missing from the catalogue table in streams/metrics.py"


def test_registries_are_injected_not_global():
    registry = CollectorRegistry()
    a = Metrics.create(registry)
    b = Metrics.create()  # a second catalogue must not collide with the first
    a.articles_consumed.inc(5)
    assert a.registry is registry
    assert registry.get_sample_value("newsmon_articles_consumed_total") == 5
    assert b.registry.get_sample_value("newsmon_articles_consumed_total") == 0
