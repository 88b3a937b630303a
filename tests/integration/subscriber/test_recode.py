"""`newsmon recode`, `newsmon diff` and `newsmon promote` against the real broker, PostgreSQL and a real worker.

Recode reads the articles from the database, so articles published long before the topic's retention (and
absent from every topic) are coded again by the worker; a run stopped with Ctrl-C continues where it stopped;
a shadow run with a changed rule touches no live row and sends no alert, the diff reports exactly what the
rule change changes, and promote makes that version live."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from datetime import UTC, datetime

import pytest

import processors
from schemas import Analysis, Article, EnrichedArticle
from storage import Repository, make_engine
from tests.support.pipeline import db_rows, publish
from tests.support.workers import NEWSMON, wait_for

OLD_VERSION = "newsmon-rules.v1"  # stored before this build: the recode must replace it

ARTICLES = [  # published in March 2026: far older than the articles topic's 30-day retention
    Article(id="rc-1", title="Chile and Peru", source="Harbour Ledger",
            text="The presidents of Chile and Peru met in Lima on Monday to discuss fishing rights.",
            published=datetime(2026, 3, 2, 10, tzinfo=UTC)),
    Article(id="rc-2", title="Border deal", source="Northgate Post",
            text="Ghana and Togo signed a border agreement in Accra on Friday, officials said.",
            published=datetime(2026, 3, 6, 10, tzinfo=UTC)),
    Article(id="rc-3", title="Canada and Belarus", source="Harbour Ledger",
            text="Canada imposed sanctions on Belarus on Tuesday over the jailing of opposition figures.",
            published=datetime(2026, 3, 3, 10, tzinfo=UTC)),
    Article(id="rc-4", title="Markets", source="Valley Courier",
            text="Shares in Australia rose for a third day as exporters gained, traders said.",
            published=datetime(2026, 3, 4, 10, tzinfo=UTC)),
    Article(id="rc-5", title="Nairobi visit", source="Lantern Daily",
            text="Kenya welcomed the president of Uganda in Nairobi on Wednesday for two days of meetings.",
            published=datetime(2026, 3, 5, 10, tzinfo=UTC)),
]
LATER = Article(id="rc-later", source="Harbour Ledger", published=datetime(2026, 6, 1, tzinfo=UTC),
                text="Japan imposed sanctions on Myanmar on Tuesday, freezing the assets of four generals.")


def installed_version() -> str:
    return processors.load_rules().version


def store_old(database_url: str, articles: list[Article]) -> None:
    """The articles as an older build stored them: its rules version, no events."""
    engine = make_engine(database_url)
    try:
        Repository(engine).save_batch([EnrichedArticle(article=a, analysis=Analysis(
            article_id=a.id, model="old-model", rules_version=OLD_VERSION)) for a in articles])
    finally:
        engine.dispose()


def env(cluster, database_url: str) -> dict[str, str]:
    return {**cluster.env, "NEWSMON_DATABASE_URL": database_url}


def newsmon(cluster, database_url: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([NEWSMON, *args], env=env(cluster, database_url), capture_output=True, text=True,
                          timeout=timeout)


def versions(database_url: str) -> dict[str, str]:
    return dict(db_rows(database_url, "SELECT id, rules_version FROM articles"))


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_articles_older_than_the_retention_are_recoded_from_the_database(cluster, make_worker, database_url):
    store_old(database_url, [*ARTICLES, LATER])
    assert cluster.read_all(cluster.topic("articles")) == []  # nothing a `newsmon replay` could reach
    worker = make_worker(database_url)
    worker.ready()

    result = newsmon(cluster, database_url, "recode", "--since", "2026-03-01", "--until", "2026-04-01",
                     "--rate", "0")
    assert result.returncode == 0, result.stderr
    assert f"{len(ARTICLES)} stored article(s)" in result.stdout
    assert f"sent {len(ARTICLES)} article(s)" in result.stdout

    version = installed_version()
    wait_for("the recoded rows", lambda: sorted(v for k, v in versions(database_url).items() if k != LATER.id)
             == [version] * len(ARTICLES), 180, worker.log_tail)
    assert versions(database_url)[LATER.id] == OLD_VERSION  # outside the window: left alone
    coded = {r[0] for r in db_rows(database_url, "SELECT DISTINCT article_id FROM events")}
    assert {"rc-1", "rc-2", "rc-3", "rc-5"} <= coded
    incidents = db_rows(database_url, "SELECT subtype FROM incidents WHERE type = 'sanction'")
    assert incidents == [("impose",)]  # incidents follow recoded articles like live ones

    again = newsmon(cluster, database_url, "recode", "--since", "2026-03-01", "--until", "2026-04-01")
    assert again.returncode == 0 and "already recoded" in again.stdout
    none = newsmon(cluster, database_url, "recode", "--since", "2025-01-01", "--until", "2025-02-01")
    assert none.returncode == 1 and "nothing to recode" in none.stderr


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_recode_stopped_with_ctrl_c_continues_where_it_stopped(cluster, database_url, tmp_path):
    store_old(database_url, ARTICLES)
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("# the five March articles\n" + "\n".join(a.id for a in ARTICLES) + "\n")
    args = [NEWSMON, "recode", "--ids-from", str(ids_file), "--rate", "2", "--page", "1"]
    proc = subprocess.Popen(args, env=env(cluster, database_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        wait_for("two articles sent", lambda: (db_rows(database_url, "SELECT done FROM recode_runs")
                                               or [(0,)])[0][0] >= 2, 60)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert "progress is saved" in stderr
    done_before = db_rows(database_url, "SELECT done FROM recode_runs")[0][0]
    assert 2 <= done_before < len(ARTICLES)

    result = newsmon(cluster, database_url, "recode", "--ids-from", str(ids_file), "--rate", "0", "--page", "1")
    assert result.returncode == 0, result.stderr
    assert f"{done_before} article(s) done before" in result.stdout
    sent = [r.key.decode() for r in cluster.read_all(cluster.topic("replay"))]
    assert set(sent) == {a.id for a in ARTICLES}
    assert len(sent) <= len(ARTICLES) + 1  # at most the article in flight at Ctrl-C is sent twice


def changed_lexicons(tmp_path) -> str:
    """A rule change: "meet" now codes a summit, and "welcome" a visit."""
    from importlib.resources import files

    lexicons = json.loads(files("processors.data").joinpath("lexicons.json").read_text(encoding="utf-8"))
    lexicons["diplomacy"]["verbs"]["meet"] = "summit"
    lexicons["diplomacy"]["verbs"]["welcome"] = "visit"
    path = tmp_path / "lexicons.json"
    path.write_text(json.dumps(lexicons), encoding="utf-8")
    return str(path)


def live_events(database_url: str) -> list[tuple]:
    return db_rows(database_url, "SELECT id, article_id, type, subtype, rules_version FROM events ORDER BY id")


def alert_count(cluster) -> int:
    return sum(len(cluster.read_all(cluster.topic(k))) for k in ("alerts_sanction", "alerts_diplomacy",
                                                                 "alerts_incidents"))


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_shadow_run_diff_and_promote(cluster, make_worker, database_url, tmp_path):
    worker = make_worker(database_url)
    worker.ready()
    publish(cluster.bootstrap, cluster.topic("articles"), ARTICLES)
    live = installed_version()
    wait_for("the live rows", lambda: sorted(versions(database_url).values()) == [live] * len(ARTICLES), 180,
             worker.log_tail)
    wait_for("the live incidents", lambda: db_rows(database_url, "SELECT count(*) FROM incidents") == [(4,)], 60,
             worker.log_tail)
    before, alerts_before = live_events(database_url), alert_count(cluster)

    lexicons = changed_lexicons(tmp_path)
    result = newsmon(cluster, database_url, "recode", "--shadow", "--rules-file", f"lexicons.json={lexicons}",
                     "--since", "2026-03-01", "--rate", "0")
    assert result.returncode == 0, result.stderr
    trial = processors.load_rules(data=(("lexicons.json", open(lexicons, "rb").read()),)).version
    assert trial != live and f"shadow run of {trial}: {len(ARTICLES)} article(s)" in result.stdout
    time.sleep(2)  # anything the shadow run wrongly sent would have reached the worker by now
    assert live_events(database_url) == before
    assert alert_count(cluster) == alerts_before

    report = newsmon(cluster, database_url, "diff", "--from", live, "--to", trial, "--format", "json")
    assert report.returncode == 0, report.stderr
    diff = json.loads(report.stdout)
    assert diff["articles_compared"] == len(ARTICLES)
    assert diff["by_type"] == [
        {"type": "diplomacy", "subtype": "summit", "added": 0, "removed": 0, "changed": 1},
        {"type": "diplomacy", "subtype": "visit", "added": 1, "removed": 0, "changed": 0},
    ]
    by_kind = {c["kind"]: c for c in diff["changes"]}
    assert by_kind["changed"]["article_id"] == "rc-1" and by_kind["changed"]["fields"] == ["subtype"]
    assert by_kind["changed"]["evidence"].startswith("The presidents of Chile and Peru met")
    assert by_kind["added"]["article_id"] == "rc-5" and "Kenya welcomed" in by_kind["added"]["evidence"]

    table = newsmon(cluster, database_url, "diff", "--from", live, "--to", trial)
    assert table.returncode == 0 and "2 change(s)" in table.stdout and "meeting_or_talks -> summit" in table.stdout
    page = newsmon(cluster, database_url, "diff", "--from", live, "--to", trial, "--format", "html")
    assert page.stdout.startswith("<!doctype html>") and "Kenya welcomed" in page.stdout
    unknown = newsmon(cluster, database_url, "diff", "--from", live, "--to", "newsmon-rules.v9+0000000000")
    assert unknown.returncode == 1 and "versions in the database" in unknown.stderr

    promoted = newsmon(cluster, database_url, "promote", trial)
    assert promoted.returncode == 0, promoted.stderr
    assert f"promoted {trial}: {len(ARTICLES)} article(s)" in promoted.stdout
    assert sorted(versions(database_url).values()) == [trial] * len(ARTICLES)
    subtypes = sorted(r[0] for r in db_rows(database_url, "SELECT subtype FROM events WHERE type = 'diplomacy'"))
    assert subtypes == ["agreement_signed", "meeting_or_talks", "summit", "visit"]
    assert ("summit",) in db_rows(database_url, "SELECT subtype FROM incidents")
    assert alert_count(cluster) == alerts_before  # promote publishes nothing
    after = newsmon(cluster, database_url, "diff", "--from", trial, "--to", trial, "--format", "json")
    assert json.loads(after.stdout)["changes"] == []



