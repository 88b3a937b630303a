"""The metrics catalogue is closed: the registry exposes exactly the families and labels that CATALOGUE declares
(the list docs/metrics.md is generated from), and it is built on the injected registry."""

import dataclasses
import re

from prometheus_client import CollectorRegistry, generate_latest

from streams.worker.metrics import CATALOGUE, Metrics


def _exercise(m: Metrics) -> None:
    """Touch every labelled metric once so each family shows up in the exposition with its labels."""
    for spec in CATALOGUE:
        metric = getattr(m, spec.attr)
        if spec.kind == "info":
            metric.info({name: "x" for name in spec.label_names})
            continue
        child = metric.labels(*("x" for _ in spec.labels)) if spec.labels else metric
        {"counter": lambda c: c.inc(), "gauge": lambda g: g.set(1), "histogram": lambda h: h.observe(1)}[
            spec.kind](child)


def _exposed(registry: CollectorRegistry) -> dict[str, set[str]]:
    """Family names as exposed (histograms folded) -> label names, from the text exposition."""
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


def test_the_registry_exposes_exactly_the_catalogue():
    m = Metrics.create()
    _exercise(m)
    assert _exposed(m.registry) == {spec.exposed: set(spec.label_names) for spec in CATALOGUE}


def test_every_catalogue_entry_is_an_attribute_of_metrics_and_back():
    attrs = [f.name for f in dataclasses.fields(Metrics) if f.name != "registry"]
    assert attrs == [spec.attr for spec in CATALOGUE]


def test_registries_are_injected_not_global():
    registry = CollectorRegistry()
    a = Metrics.create(registry)
    b = Metrics.create()  # a second catalogue must not collide with the first
    a.articles_consumed.inc(5)
    assert a.registry is registry
    assert registry.get_sample_value("newsmon_articles_consumed_total") == 5
    assert b.registry.get_sample_value("newsmon_articles_consumed_total") == 0
