"""Incidents with a real worker, the real broker and PostgreSQL: the 20 articles of the incident corpus (4 acts,
several outlets each, one threat carried out), published in two different shuffled orders to two fresh
deployments, give the same 4 incidents both times, with the right outlet counts and one escalation; alerts carry
their incident and corroboration, and `alerts.incidents` announces each incident."""

from __future__ import annotations

import random
import signal
import uuid
from collections import defaultdict

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from schemas import Alert, IncidentUpdate
from tests.support.incidents import corpus
from tests.support.kafka import read_topic
from tests.support.pipeline import article_ids, publish
from tests.support.workers import wait_for


def fresh_database(base: str) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def expected_acts() -> dict[str, tuple[int, int]]:
    """act -> (articles, distinct outlets), counted from the corpus itself."""
    articles: dict[str, int] = defaultdict(int)
    outlets: dict[str, set[str]] = defaultdict(set)
    for act, article in corpus():
        articles[act] += 1
        outlets[act].add(article.source.casefold())
    return {act: (articles[act], len(outlets[act])) for act in articles}


@pytest.fixture
def make_incident_worker(kafka_bootstrap, tmp_path):
    """A worker on topics of its own (a fresh prefix each call) and the given database; its topics are deleted
    after the test."""
    from streams.kafka.admin import admin_client
    from tests.support.cluster import Cluster
    from tests.support.workers import WorkerProcess

    started = []

    def make(database: str):
        prefix = f"t{uuid.uuid4().hex[:10]}."
        worker = WorkerProcess(bootstrap=kafka_bootstrap, prefix=prefix, database_url=database,
                               workdir=tmp_path, label=prefix.rstrip("."))
        started.append(worker.start())
        return prefix, worker

    yield make
    for worker in started:
        worker.stop(signal.SIGKILL, timeout=10)
        settings = Cluster(kafka_bootstrap, worker.prefix).settings
        admin = admin_client(settings)
        try:
            existing = set(admin.list_topics())
            admin.delete_topics([t for t in (s.full_name(worker.prefix) for s in settings.topics().values())
                                 if t in existing])
        finally:
            admin.close()


@pytest.fixture
def second_database(postgres_url):
    url = fresh_database(postgres_url)
    yield url
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_shuffled_corpus_twice_gives_the_same_four_incidents(make_incident_worker, kafka_bootstrap, database_url,
                                                             second_database):
    labelled = corpus()
    by_id = {a.id: act for act, a in labelled}
    runs = []
    for seed, database in ((1, database_url), (2, second_database)):
        articles = [a for _, a in labelled]
        random.Random(seed).shuffle(articles)
        prefix, worker = make_incident_worker(database)
        worker.ready()
        publish(kafka_bootstrap, f"{prefix}news.articles", articles)
        wait_for("the corpus in the database", lambda d=database: article_ids(d) == set(by_id), 180,
                 worker.log_tail)
        engine = sa.create_engine(database)
        try:
            with engine.connect() as conn:
                wait_for("the incidents", lambda c=conn: c.execute(sa.text(
                    "SELECT sum(articles) FROM incidents")).scalar() == len(labelled), 60, worker.log_tail)
                rows = [dict(r) for r in conn.execute(sa.text(
                    "SELECT id, type, subtype, actors, targets, articles, sources, article_ids, escalates_from, "
                    "first_seen, latest_update FROM incidents ORDER BY id")).mappings()]
        finally:
            engine.dispose()
        worker.stop(signal.SIGTERM)
        runs.append((prefix, rows))
    (prefix, first), (_, second) = runs
    assert first == second

    expected = expected_acts()
    assert len(first) == len(expected) == 4
    got = {}
    for row in first:
        acts = {by_id[a] for a in row["article_ids"]}
        assert len(acts) == 1, f"incident {row['id']} mixes acts {acts}"
        got[acts.pop()] = (row["articles"], row["sources"])
    assert got == expected
    escalations = [r for r in first if r["escalates_from"]]
    assert len(escalations) == 1
    threat = next(r for r in first if r["id"] == escalations[0]["escalates_from"])
    assert (threat["subtype"], escalations[0]["subtype"]) == ("threaten", "impose")
    assert threat["actors"] == escalations[0]["actors"] and threat["targets"] == escalations[0]["targets"]

    # alerts.incidents (of the first run): every incident announced as new, the escalation, and the acts
    # with at least 3 outlets (the default threshold) as corroborated.
    sent = [IncidentUpdate.model_validate_json(r.value)
            for r in read_topic(kafka_bootstrap, f"{prefix}alerts.incidents", 4 + 1 + 4)]
    announced = sorted((u.reason, u.incident.id) for u in sent)
    assert {i for reason, i in announced if reason == "new"} == {r["id"] for r in first}
    assert [i for reason, i in announced if reason == "escalated"] == [escalations[0]["id"]]
    assert {i for reason, i in announced if reason == "corroborated"} == {
        r["id"] for r in first if r["sources"] >= 3}

    # Alerts name their incident; the corroboration never exceeds the incident's outlets.
    sources = {r["id"]: r["sources"] for r in first}
    alerts = [Alert.model_validate_json(r.value)
              for r in read_topic(kafka_bootstrap, f"{prefix}alerts.sanctions", 15)]
    assert {a.incident_id for a in alerts} <= set(sources)
    assert all(1 <= a.corroboration <= sources[a.incident_id] for a in alerts)
    assert max(a.corroboration for a in alerts) > 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_announcement_a_crashed_run_left_due_is_sent_by_the_redelivered_article(make_incident_worker,
                                                                                    kafka_bootstrap, database_url):
    """A run that stored an incident and crashed before `alerts.incidents` acknowledged its announcement left it
    due in the database (announced_sources NULL); the article delivered again makes a real worker send it, then
    record it."""
    import processors.incidents as clustering
    import storage
    from tests.support.incidents import report

    _, article = corpus()[0]  # Canada's sanctions on Belarus of 5 May
    engine = sa.create_engine(database_url)
    try:
        storage.upgrade(engine)
        crashed = report(article.id, article.source, "impose", ["CAN"], ["BLR"], article.published.date())
        [due] = storage.IncidentStore(engine).update([article.id], clustering.members_of(crashed),
                                                     clustering.cluster, 3)  # ... and never marked announced
        assert due.reason == "new"
        prefix, worker = make_incident_worker(database_url)
        worker.ready()
        publish(kafka_bootstrap, f"{prefix}news.articles", [article])
        [update] = [IncidentUpdate.model_validate_json(r.value)
                    for r in read_topic(kafka_bootstrap, f"{prefix}alerts.incidents", 1)]
        assert (update.reason, update.incident.id) == ("new", due.incident.id)

        def recorded():
            with engine.connect() as conn:
                return conn.execute(sa.text("SELECT announced_sources FROM incidents WHERE id = :i"),
                                    {"i": due.incident.id}).scalar()
        wait_for("the announcement recorded", lambda: recorded() == 1, 60, worker.log_tail)
    finally:
        engine.dispose()
