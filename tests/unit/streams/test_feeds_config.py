"""feeds.yaml and `newsmon feeds list|add|remove|check --offline`: what is accepted, what is refused and how the
error says what to fix (no services: the database and the broker are not needed for these)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from streams.cli import main as cli
from streams.feeds.config import FeedsFileError, Source, load
from streams.feeds.poller import reason_of

cli.register_all()


def _run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli.app, list(args), env={"COLUMNS": "200", **(env or {})})


def test_a_header_value_must_name_an_environment_variable_not_hold_the_secret():
    with pytest.raises(ValidationError, match="NAME of an environment variable"):
        Source(name="api", kind="json", url="https://api.example.net/v2", headers={"X-Api-Key": "abc123secret"})
    ok = Source(name="api", kind="json", url="https://api.example.net/v2", headers={"X-Api-Key": "API_KEY"})
    assert ok.headers == {"X-Api-Key": "API_KEY"}


@pytest.mark.parametrize("data, message", [
    ({"name": "w", "kind": "rss"}, "needs url"),
    ({"name": "w", "kind": "rss", "url": "ftp://x.example/feed"}, "needs url"),
    ({"name": "w", "kind": "directory"}, "needs path"),
    ({"name": "w", "kind": "directory", "path": "in", "url": "https://x.example"}, "takes path, not url"),
    ({"name": "Wire One", "kind": "rss", "url": "https://x.example"}, "lower-case"),
    ({"name": "w", "kind": "ftp", "url": "https://x.example"}, "kind"),
    ({"name": "w", "kind": "rss", "url": "https://x.example", "interval": 0}, "interval"),
])
def test_invalid_sources_are_refused(data, message):
    with pytest.raises(ValidationError, match=message):
        Source.model_validate(data)


def test_a_bad_file_names_the_source_and_the_field(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text("sources:\n  - name: ok\n    kind: rss\n    url: https://a.example/rss\n"
                    "  - name: broken\n    kind: rss\n    interval: 60\n")
    with pytest.raises(FeedsFileError, match=r"sources\[1\] \(broken\).*needs url"):
        load(path)
    path.write_text("sources:\n  - {name: a, kind: rss, url: 'https://a.example'}\n"
                    "  - {name: a, kind: rss, url: 'https://b.example'}\n")
    with pytest.raises(FeedsFileError, match="repeated: a"):
        load(path)
    path.write_text("sources: [\n")
    with pytest.raises(FeedsFileError, match="not readable YAML"):
        load(path)


def test_add_list_check_remove_round_trip(tmp_path):
    path = str(tmp_path / "feeds.yaml")
    env = {"NEWSMON_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}
    added = _run("feeds", "add", "desk", "--url", "https://desk.example.net/rss.xml", "--interval", "120",
                 "--header", "Authorization=DESK_TOKEN", "-f", path, env=env)
    assert added.exit_code == 0, added.output
    assert "DESK_TOKEN is not set" in added.output
    assert _run("feeds", "add", "inbox", "--kind", "directory", "--path", "drop", "-f", path).exit_code == 0
    listed = _run("feeds", "list", "-f", path, env=env)
    assert listed.exit_code == 0 and "desk" in listed.output and "inbox" in listed.output
    assert not (tmp_path / "none.db").exists()  # listing does not create a database
    assert [s.name for s in load(path).sources] == ["desk", "inbox"]

    missing = _run("feeds", "check", "--offline", "-f", path, env=env)
    assert missing.exit_code == 1 and "set DESK_TOKEN" in missing.output
    fine = _run("feeds", "check", "--offline", "-f", path, env={**env, "DESK_TOKEN": "Bearer x"})
    assert fine.exit_code == 0, fine.output

    again = _run("feeds", "add", "desk", "--url", "https://other.example/rss", "-f", path)
    assert again.exit_code == 1 and "exists" in again.output
    secret = _run("feeds", "add", "api", "--kind", "json", "--url", "https://api.example.net",
                  "--header", "X-Api-Key=abc-123", "-f", path)
    assert secret.exit_code == 1 and "environment variable" in secret.output
    assert "abc-123" not in (tmp_path / "feeds.yaml").read_text()

    assert _run("feeds", "remove", "desk", "-f", path).exit_code == 0
    gone = _run("feeds", "remove", "desk", "-f", path)
    assert gone.exit_code == 1 and "no source named 'desk'" in gone.output and "inbox" in gone.output
    assert [s.name for s in load(path).sources] == ["inbox"]


def test_the_shipped_sample_feeds_file_is_valid():
    from pathlib import Path

    import streams

    sample = Path(streams.__file__).parent / "samples" / "feeds" / "feeds.yaml"
    assert {s.kind for s in load(sample).sources} == {"rss", "directory"}


@pytest.mark.parametrize("error, reason", [
    ("oversize: text is 2000000 bytes", "oversize"),
    ("not JSON: Expecting value", "not_json"),
    ("no article text: none of 'text', 'maintext' is given (or it is empty)", "empty_text"),
    ("published: not a date I can read", "wrong_schema"),
])
def test_refusals_get_a_dead_letter_reason(error, reason):
    assert reason_of(error) == reason
