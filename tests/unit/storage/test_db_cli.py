"""`newsmon db upgrade|stats` against a SQLite file."""

import json

import pytest
import typer
from typer.testing import CliRunner

from storage import Repository, make_engine
from streams.cli import db
from streams.settings import get_settings
from tests.support.records import make_batch, make_record


@pytest.fixture
def cli(monkeypatch):
    """Invoke `newsmon db ...` with NEWSMON_DATABASE_URL set by the test."""
    app = typer.Typer()
    app.command("noop")(lambda: None)  # a second command keeps `db` a sub-command
    db.register(app)
    runner = CliRunner()

    def run(url: str, *args: str):
        monkeypatch.setenv("NEWSMON_DATABASE_URL", url)
        get_settings.cache_clear()
        try:
            return runner.invoke(app, ["db", *args])
        finally:
            get_settings.cache_clear()

    return run


def test_upgrade_creates_the_schema_and_is_repeatable(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'n.db'}"
    first = cli(url, "upgrade")
    assert first.exit_code == 0, first.output
    assert "upgraded from an empty database" in first.output
    second = cli(url, "upgrade")
    assert second.exit_code == 0
    assert "already up to date" in second.output


def test_stats_json_is_one_object_with_the_counts(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'n.db'}"
    repo = Repository(make_engine(url))
    repo.save_batch([*make_batch(3), make_record("h", certainty="hypothetical")])
    result = cli(url, "stats", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "articles": 4, "entities": 8, "mentions": 8,
        "events": {"total": 4, "by_type": {"sanction": 4},
                   "by_certainty": {"asserted": 3, "hypothetical": 1}},
        "alerts": {"sent": 0, "due": 3},  # only asserted events alert; none acknowledged yet
    }


def test_stats_table_shows_the_counts(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'n.db'}"
    Repository(make_engine(url)).save_batch(make_batch(2))
    result = cli(url, "stats")
    assert result.exit_code == 0, result.output
    assert "articles" in result.output and "certainty=asserted" in result.output
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in result.output.splitlines() if "│" in line]
    assert ["articles", "2"] in cells
    assert ["events certainty=asserted", "2"] in cells


def test_stats_on_an_empty_database_says_to_upgrade(cli, tmp_path):
    result = cli(f"sqlite:///{tmp_path / 'n.db'}", "stats", "--json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "newsmon db upgrade" in result.stderr


def test_an_unreachable_database_is_named_with_its_password_masked(cli):
    result = cli("postgresql+psycopg://newsmon:hunter2@127.0.0.1:1/newsmon", "stats", "--json")
    assert result.exit_code == 1
    assert result.stdout == ""
    masked = "postgresql+psycopg://newsmon:***@127.0.0.1:1/newsmon"
    assert f"Cannot reach the database at {masked}" in result.stderr
    assert "NEWSMON_DATABASE_URL" in result.stderr
    assert "hunter2" not in result.output


def test_a_malformed_url_is_reported_not_echoed(cli):
    result = cli("hunter2", "upgrade")
    assert result.exit_code == 1
    assert "not a valid SQLAlchemy URL" in result.stderr
    assert "hunter2" not in result.output
