"""The metric names newsmon really exports, from streams/worker/metrics.py's CATALOGUE (the worker) and
FEEDS_CATALOGUE (`newsmon feeds run`), the closed lists."""

from __future__ import annotations

import re

from streams.worker.metrics import CATALOGUE, FEEDS_CATALOGUE

_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "info": ("_info",),
             "gauge": ("",)}
METRIC_NAME = re.compile(r"\bnewsmon_[a-z0-9_]+\b")


def families() -> dict[str, str]:
    """Family name as exposed (newsmon_articles_consumed_total, newsmon_build_info, newsmon_stage_seconds)
    -> type (counter, histogram, gauge, info)."""
    return {spec.exposed: spec.kind for spec in (*CATALOGUE, *FEEDS_CATALOGUE)}


def exported_series_names() -> set[str]:
    """Every series name a query can select: counters' _total, histograms' _bucket/_sum/_count, ..."""
    return {spec.name + suffix for spec in (*CATALOGUE, *FEEDS_CATALOGUE) for suffix in _SUFFIXES[spec.kind]}


def metric_names_in(query: str) -> set[str]:
    return set(METRIC_NAME.findall(query))
