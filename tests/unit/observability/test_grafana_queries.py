"""The reproduction of Grafana's query interpolation that the dashboard checks rely on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.deploy import grafana_queries as gq

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T1 = datetime(2026, 3, 1, 13, 30, tzinfo=UTC)


def test_variables_and_builtin_intervals_are_filled_in():
    expr = 'sum(rate(x_total{instance=~"$instance"}[$__rate_interval])) + sum(increase(y[${__range}]))'
    assert gq.promql(expr, {"instance": "w1:6066"}) == \
        'sum(rate(x_total{instance=~"w1:6066"}[1m])) + sum(increase(y[15m]))'


def test_unknown_variable_is_an_error_not_a_silent_pass():
    with pytest.raises(gq.QueryError, match=r"\$region"):
        gq.promql('up{region="$region"}')


def test_sql_time_macros_expand_as_grafana_does():
    sql = "SELECT $__timeGroupAlias(ev.t, $__interval), count(*) FROM ev WHERE $__timeFilter(ev.t) GROUP BY 1"
    assert gq.postgres_sql(sql, T0, T1, {"__interval": "5m"}) == (
        'SELECT floor(extract(epoch from ev.t)/300)*300 AS "time", count(*) FROM ev '
        "WHERE ev.t BETWEEN '2026-03-01T12:00:00Z' AND '2026-03-01T13:30:00Z' GROUP BY 1")


def test_sql_without_macros_is_left_alone():
    sql = "SELECT array_to_string(ARRAY(SELECT 1), ', ') AS x"
    assert gq.postgres_sql(sql, T0, T1) == sql


def test_unknown_macro_and_bad_interval_are_errors():
    with pytest.raises(gq.QueryError, match="__timeShift"):
        gq.postgres_sql("SELECT $__timeShift(t)", T0, T1)
    with pytest.raises(gq.QueryError, match="interval"):
        gq.postgres_sql("SELECT $__timeGroup(t, 'soon')", T0, T1)
