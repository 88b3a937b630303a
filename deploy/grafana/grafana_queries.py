"""What Grafana does to a panel's query before its data source sees it, reproduced to check the dashboards
without a Grafana: dashboard variables and built-in intervals in PromQL, and the PostgreSQL data source's
macros in SQL (same expansion as Grafana's pkg/tsdb/grafana-postgresql-datasource macro engine).

Used by tests/unit/observability (parse every query with promtool) and tests/integration/observability
(run every query on a real Prometheus and a real PostgreSQL). Standard library only.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

# Grafana's built-in variables and the values the checks give them: a window that holds several
# scrapes of the test's 1 s scrape interval, and a range that covers the whole test run.
DEFAULTS = {"__rate_interval": "1m", "__interval": "1m", "__range": "15m", "instance": ".*"}

_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)")
# Grafana's own pattern: a macro's arguments cannot contain ')', so no function calls inside a macro.
_MACRO = re.compile(r"\$(\w+)\(([^)]*)\)")
_INTERVAL = re.compile(r"^(\d+)(ms|s|m|h|d|w|y)$")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


class QueryError(ValueError):
    """A query uses a variable or macro this project's dashboards do not define."""


def interpolate(query: str, values: dict[str, str] | None = None) -> str:
    """Replace `$name` / `${name}` variables (not macros: `$__timeFilter(` stays) with their values."""
    known = {**DEFAULTS, **(values or {})}

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        end = m.end()
        if m.group(2) and end < len(query) and query[end] == "(":
            return m.group(0)  # a macro call, expanded by expand_sql_macros
        if name not in known:
            raise QueryError(f"unknown variable ${name} in query: {query[:80]!r}")
        return known[name]

    return _VARIABLE.sub(sub, query)


def interval_seconds(text: str) -> float:
    m = _INTERVAL.match(text.strip().strip("'"))
    if not m:
        raise QueryError(f"not a Grafana interval: {text!r} (expected e.g. 30s, 5m, 1h)")
    return int(m.group(1)) * _SECONDS[m.group(2)]


def _rfc3339(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def expand_sql_macros(sql: str, time_from: datetime, time_to: datetime) -> str:
    """Expand the PostgreSQL data source's time macros for the range [time_from, time_to]."""

    def macro(m: re.Match[str]) -> str:
        name, args = m.group(1), [a.strip() for a in m.group(2).split(",")]
        if name == "__timeFilter":
            return f"{args[0]} BETWEEN '{_rfc3339(time_from)}' AND '{_rfc3339(time_to)}'"
        if name == "__timeFrom":
            return f"'{_rfc3339(time_from)}'"
        if name == "__timeTo":
            return f"'{_rfc3339(time_to)}'"
        if name == "__time":
            return f'{args[0]} AS "time"'
        if name in ("__timeGroup", "__timeGroupAlias"):
            if len(args) < 2:
                raise QueryError(f"${name} needs a column and an interval: {m.group(0)}")
            seconds = interval_seconds(args[1])
            step = f"{seconds:g}"
            group = f"floor(extract(epoch from {args[0]})/{step})*{step}"
            return group + (' AS "time"' if name == "__timeGroupAlias" else "")
        raise QueryError(f"macro ${name} is not one the checks know; add it to grafana_queries.py")

    return _MACRO.sub(macro, sql)


def promql(expr: str, values: dict[str, str] | None = None) -> str:
    """A panel's PromQL as Prometheus receives it."""
    return interpolate(expr, values)


def postgres_sql(raw: str, time_from: datetime, time_to: datetime,
                 values: dict[str, str] | None = None) -> str:
    """A panel's SQL as PostgreSQL receives it."""
    return expand_sql_macros(interpolate(raw, values), time_from, time_to)
