"""The metric names the worker really exports, read from streams.worker.metrics (the one place they are defined)."""

from __future__ import annotations

import re

from prometheus_client import CollectorRegistry

from streams.worker.metrics import Metrics

_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "info": ("_info",),
             "gauge": ("",)}
METRIC_NAME = re.compile(r"\bnewsmon_[a-z0-9_]+\b")


def families() -> dict[str, str]:
    """Family name as documented (newsmon_articles_consumed_total, newsmon_build_info, newsmon_stage_seconds)
    -> type (counter, histogram, gauge, info)."""
    out = {}
    for family in Metrics.create(CollectorRegistry()).registry.collect():
        suffix = {"counter": "_total", "info": "_info"}.get(family.type, "")
        out[family.name + suffix] = family.type
    return out


def exported_series_names() -> set[str]:
    """Every series name a query can select: counters' _total, histograms' _bucket/_sum/_count, ..."""
    names = set()
    for family in Metrics.create(CollectorRegistry()).registry.collect():
        names.update(family.name + s for s in _SUFFIXES[family.type])
    return names


def metric_names_in(query: str) -> set[str]:
    return set(METRIC_NAME.findall(query))
