"""The installed `newsmon db` command, as a user runs it, on both databases."""

import json
import os
import subprocess
import sys
from pathlib import Path

from storage import Repository, make_engine
from tests.support.records import make_batch

NEWSMON = Path(sys.executable).with_name("newsmon")


def newsmon(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWSMON_DATABASE_URL": url}
    return subprocess.run([str(NEWSMON), "db", *args], env=env, capture_output=True, text=True, timeout=120)


def test_upgrade_then_stats_json(database_url):
    upgraded = newsmon(database_url, "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "is at revision" in upgraded.stdout
    repo = Repository(make_engine(database_url), migrate=False)
    result = repo.save_batch(make_batch(3))
    repo.mark_alerted(result.alerts_due[:1])  # one alert acknowledged by the broker, two still due
    repo.engine.dispose()
    stats = newsmon(database_url, "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout) == {"articles": 3, "entities": 6, "mentions": 6, "events": {
        "total": 3, "by_type": {"sanction": 3}, "by_certainty": {"asserted": 3}}, "alerts": {"sent": 1, "due": 2}}
