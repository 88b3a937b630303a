"""The batch-write benchmark runs on both databases, prints its figures and leaves no rows behind."""

from storage import Repository, make_engine
from streams.bench.storage import main, synthetic_record


def test_benchmark_prints_figures_and_cleans_up(database_url, capsys):
    main(["--url", database_url, "--articles", "10", "--rounds", "1"])
    out = capsys.readouterr().out
    assert "10 articles/batch" in out and "articles/s" in out
    assert "new articles" in out and "re-save (replace)" in out
    repo = Repository(make_engine(database_url), migrate=False)
    assert repo.stats()["articles"] == 0 and repo.stats()["events"]["total"] == 0
    repo.engine.dispose()


def test_synthetic_records_store_all_their_parts(repo):
    record = synthetic_record("bench-check", 1)
    result = repo.save_batch([record])
    assert (result.entities, result.mentions, result.events) == (6, 6, 2)
    assert repo.events_for("bench-check") == list(record.analysis.events)
