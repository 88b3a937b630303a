"""`newsmon incidents` lists what the database holds, as a table and as JSON lines, with its filters."""

from __future__ import annotations

import os
import subprocess
from datetime import date

from processors import incidents as clustering
from schemas import Incident
from storage import IncidentStore
from tests.support.incidents import report
from tests.support.workers import NEWSMON


def run(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env.update(NEWSMON_DATABASE_URL=database_url, COLUMNS="250", NO_COLOR="1")
    return subprocess.run([NEWSMON, "incidents", *args], env=env, capture_output=True, text=True, timeout=60)


def test_incidents_are_listed_with_sources_and_escalation(engine, repo, database_url):
    records = [report("t1", "Meridian Wire", "threaten", ["JPN"], ["MMR"], date(2026, 5, 6)),
               report("i1", "Valley Courier", "impose", ["JPN"], ["MMR"], date(2026, 5, 19)),
               report("i2", "Harbour Ledger", "impose", ["JPN"], ["MMR"], date(2026, 5, 19)),
               report("d1", "Lantern Daily", "meeting_or_talks", ["BRA"], ["IDN"], date(2026, 5, 7), "diplomacy")]
    IncidentStore(engine).update([r.article.id for r in records],
                                 [m for r in records for m in clustering.members_of(r)], clustering.cluster, 3)
    stored = {i.subtype: i for i in IncidentStore(engine).list()}

    table = run(database_url)
    assert table.returncode == 0, table.stderr
    assert "3 incident(s)" in table.stdout
    impose_line = next(line for line in table.stdout.splitlines() if stored["impose"].id in line
                       and "sanction/impose" in line)
    assert stored["threaten"].id in impose_line  # the escalation link
    assert " 2 " in impose_line  # two outlets

    lines = run(database_url, "--json", "--type", "sanction", "--min-sources", "2").stdout.splitlines()
    assert [Incident.model_validate_json(line).id for line in lines] == [stored["impose"].id]

    empty = run(database_url, "--type", "sanction", "--min-sources", "5")
    assert empty.returncode == 0 and "no incidents match" in empty.stderr
