"""`newsmon alerts` against the real broker: it prints exactly the alerts on the topics, filters them, drains
and exits with --no-follow, follows live records, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

import schemas
from schemas import Alert, alert_id_for, event_id_for
from tests.support.cluster import Cluster
from tests.support.workers import NEWSMON

EXAMPLE = Path(schemas.__file__).parent / "examples" / "alerts.sanctions" / "eu-imposes-on-iran.json"
TEMPLATE = Alert.model_validate_json(EXAMPLE.read_bytes())


def make_alert(type_: str, subtype: str, actors: tuple[str, ...], targets: tuple[str, ...], n: int) -> Alert:
    """A distinct alert with content-derived ids, as the worker would publish it."""
    article_id = f"it-article-{n}"
    ev = TEMPLATE.event
    event_id = event_id_for(article_id, type_, subtype, actors, targets, ev.evidence.start, ev.evidence.end)
    event = ev.model_copy(update={"id": event_id, "article_id": article_id, "type": type_, "subtype": subtype,
                                  "actors": actors, "targets": targets})
    return TEMPLATE.model_copy(update={"id": alert_id_for(event_id), "event": event,
                                       "article_title": f"Integration headline {n}"})


ALERTS = [
    make_alert("sanction", "impose", ("EU",), ("IRN",), 1),
    make_alert("sanction", "extend", ("USA",), ("RUS",), 2),
    make_alert("sanction", "threaten", ("USA", "GBR"), ("IRN",), 3),
    make_alert("diplomacy", "meeting_or_talks", ("JPN",), ("KOR",), 4),
    make_alert("diplomacy", "visit", ("USA",), ("CHN",), 5),
]


def publish(cluster, alerts, *, junk: bool = False) -> None:
    producer = cluster.producer()
    for alert in alerts:
        topic = cluster.topic(f"alerts_{alert.event.type}")
        producer.send(topic, key=alert.id.encode(), value=alert.model_dump_json().encode())
    if junk:
        producer.send(cluster.topic("alerts_sanction"), key=b"junk", value=b'{"not": "an alert"}')
    producer.flush()
    producer.close()


def printed(result: subprocess.CompletedProcess) -> list[Alert]:
    assert result.returncode == 0, result.stderr
    return [Alert.model_validate_json(line) for line in result.stdout.splitlines()]


def ids(alerts) -> set[str]:
    return {a.id for a in alerts}


@pytest.fixture
def published(cluster):
    publish(cluster, ALERTS, junk=True)
    return cluster


def test_no_follow_json_prints_exactly_the_alerts_and_exits(published):
    result = published.run("alerts", "--no-follow", "--from-beginning", "--json")
    shown = printed(result)
    assert sorted(shown, key=lambda a: a.id) == sorted(ALERTS, key=lambda a: a.id)  # whole records
    assert all(json.loads(line) for line in result.stdout.splitlines())
    assert "1 invalid record(s) skipped" in result.stderr


@pytest.mark.parametrize(("args", "expected"), [
    (["--type", "diplomacy"], {4, 5}),
    (["--type", "sanction"], {1, 2, 3}),
    (["--actor", "USA"], {2, 3, 5}),
    (["--actor", "usa", "--type", "sanction"], {2, 3}),
    (["--target", "IRN"], {1, 3}),
    (["--actor", "EU", "--actor", "JPN"], {1, 4}),
    (["--actor", "GBR", "--target", "RUS"], set()),
])
def test_filters(published, args, expected):
    result = published.run("alerts", "--no-follow", "--from-beginning", "--json", *args)
    assert ids(printed(result)) == {ALERTS[n - 1].id for n in expected}


def test_readable_lines(published):
    result = published.run("alerts", "--no-follow", "--from-beginning", "--type", "sanction", "--actor", "EU")
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    assert "sanction/impose" in line and "EU -> IRN" in line and "Integration headline 1" in line


def test_empty_topics_drain_at_once(cluster):
    started = time.monotonic()
    result = cluster.run("alerts", "--no-follow", "--from-beginning", "--json")
    assert (result.returncode, result.stdout) == (0, "")
    assert "0 alerts shown" in result.stderr
    assert time.monotonic() - started < 60  # generous: an empty read must not wait for the stall timeout


def test_without_from_beginning_no_follow_shows_nothing_old(published):
    result = published.run("alerts", "--no-follow", "--json")
    assert (result.returncode, result.stdout) == (0, "")


def test_missing_topics_are_a_clear_error(kafka_bootstrap, unique_prefix):
    result = Cluster(kafka_bootstrap, unique_prefix).run("alerts", "--no-follow", "--from-beginning")
    assert result.returncode == 1
    assert f"{unique_prefix}alerts.sanctions" in result.stderr and "newsmon topics create" in result.stderr
    assert "Traceback" not in result.stderr


def test_group_resumes_where_it_stopped(published):
    first = published.run("alerts", "--no-follow", "--from-beginning", "--json", "--group", "ops")
    assert ids(printed(first)) == ids(ALERTS)
    again = published.run("alerts", "--no-follow", "--from-beginning", "--json", "--group", "ops")
    assert printed(again) == []
    extra = make_alert("diplomacy", "phone_call", ("FRA",), ("DEU",), 6)
    publish(published, [extra])
    third = published.run("alerts", "--no-follow", "--json", "--group", "ops")
    assert ids(printed(third)) == {extra.id}


class Follower:
    """`newsmon alerts ARGS` (following) in a subprocess; `next_alert()` waits at most 60 s for a line."""

    def __init__(self, cluster, *args: str):
        self.proc = subprocess.Popen([NEWSMON, "alerts", "--json", *args], env=cluster.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)

    def next_alert(self) -> Alert:
        try:
            return Alert.model_validate_json(self.lines.get(timeout=60))
        except queue.Empty:
            raise AssertionError("no alert printed within 60 s") from None

    def interrupt(self) -> tuple[int, str]:
        """Ctrl-C; the exit status and stderr."""
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=30), self.proc.stderr.read()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_follow_prints_live_alerts_and_stops_on_ctrl_c(published):
    follower = Follower(published, "--from-beginning")
    try:
        assert {follower.next_alert().id for _ in ALERTS} == ids(ALERTS)
        live = make_alert("sanction", "lift_or_ease", ("USA",), ("VEN",), 7)
        publish(published, [live])
        assert follower.next_alert().id == live.id
        code, stderr = follower.interrupt()
        assert code == 0 and "Traceback" not in stderr
    finally:
        follower.kill()


def test_follow_with_a_group_commits_what_it_showed(published):
    follower = Follower(published, "--from-beginning", "--group", "desk")
    try:
        assert {follower.next_alert().id for _ in ALERTS} == ids(ALERTS)
        code, stderr = follower.interrupt()
        assert code == 0, stderr
    finally:
        follower.kill()
    # The group committed its offsets on the way out, so --from-beginning (which applies only where the group
    # has no committed offset) shows nothing now.
    again = published.run("alerts", "--no-follow", "--from-beginning", "--json", "--group", "desk")
    assert printed(again) == []


def test_a_drain_prints_each_alert_once_in_time_order(cluster):
    base = TEMPLATE.article_published
    made = [make_alert("sanction", "impose", ("EU",), ("IRN",), 11),
            make_alert("diplomacy", "visit", ("USA",), ("CHN",), 12),
            make_alert("sanction", "extend", ("USA",), ("RUS",), 13)]
    dated = [a.model_copy(update={"article_published": base.replace(day=d)})
             for a, d in zip(made, (20, 5, 12), strict=True)]
    retitled = dated[2].model_copy(update={"article_title": "Integration headline 13, corrected"})
    # Out of time order, across both topics, with a replay's repeats (same content, later created_at).
    repeats = [a.model_copy(update={"created_at": a.created_at.replace(year=2030)}) for a in dated[:2]]
    publish(cluster, [dated[0], dated[2], dated[1], *repeats, retitled])
    result = cluster.run("alerts", "--no-follow", "--from-beginning", "--json")
    shown = printed(result)
    assert [a.article_title for a in shown] == ["Integration headline 12", "Integration headline 13",
                                                "Integration headline 13, corrected", "Integration headline 11"]
    assert "2 repeat(s) of an alert already shown dropped" in result.stderr


@pytest.mark.parametrize(("args", "expected"), [
    (["--target", "Russia"], {2}),
    (["--target", "Iran", "--actor", "the United States"], {3}),
    (["--actor", "United States", "--type", "diplomacy"], {5}),
])
def test_names_select_the_codes_the_actor_resolver_gives(published, args, expected):
    result = published.run("alerts", "--no-follow", "--from-beginning", "--json", *args)
    assert ids(printed(result)) == {ALERTS[n - 1].id for n in expected}


def test_an_unknown_name_is_an_error_naming_close_matches(published):
    result = published.run("alerts", "--no-follow", "--from-beginning", "--target", "Rusia")
    assert result.returncode == 1 and result.stdout == ""
    assert "no actor is known by the name 'Rusia'" in result.stderr and "russia (RUS)" in result.stderr


def test_since_shows_the_alerts_published_since(cluster):
    old, new = ALERTS[0], ALERTS[1]
    producer = cluster.producer()
    three_hours_ago = int(time.time() * 1000) - 3 * 3600 * 1000
    producer.send(cluster.topic("alerts_sanction"), key=old.id.encode(), value=old.model_dump_json().encode(),
                  timestamp_ms=three_hours_ago)
    producer.send(cluster.topic("alerts_sanction"), key=new.id.encode(), value=new.model_dump_json().encode())
    producer.flush()
    producer.close()
    assert ids(printed(cluster.run("alerts", "--no-follow", "--since", "1h", "--json"))) == {new.id}
    assert ids(printed(cluster.run("alerts", "--no-follow", "--since", "4h", "--json"))) == {old.id, new.id}
    bad = cluster.run("alerts", "--no-follow", "--since", "yesterdayish")
    assert bad.returncode == 1 and "cannot read 'yesterdayish' as a time" in bad.stderr
