"""What `newsmon publish` reads: JSON lines, text files, directories, feeds; bad lines name file:line."""

import json
from importlib.resources import files

from schemas.ids import article_id_for
from streams.sources import article_from_mapping, read_path, read_sources

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test Desk</title>
<item><title>Norway expels Russian diplomat</title><link>https://example.org/n/1?utm_source=x</link>
<description>&lt;p&gt;Norway &lt;b&gt;expelled&lt;/b&gt; a Russian diplomat on Monday.&lt;/p&gt;</description>
<pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate></item>
<item><title>Empty one</title><link>https://example.org/n/2</link><description>   </description></item>
</channel></rss>
"""


def test_jsonl_good_and_bad_lines(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([
        json.dumps({"text": "Germany and France held talks in Berlin.", "title": "Talks"}),
        "",
        "{broken json",
        json.dumps({"title": "no text here"}),
        json.dumps({"id": "given-7", "text": "Spain lifted sanctions.",
                    "published": "2026-05-01T10:00:00+02:00"}),
        json.dumps({"text": "x", "unknown_field": 1}),
    ]) + "\n", encoding="utf-8")
    items = list(read_path(path))
    assert [i.where for i in items] == [f"{path}:{n}" for n in (1, 3, 4, 5, 6)]
    good = [i.article for i in items if i.article]
    bad = {i.where.rsplit(":", 1)[1]: i.error for i in items if i.error}
    derived = article_id_for(text="Germany and France held talks in Berlin.")
    assert [a.id for a in good] == [derived, "given-7"]
    assert good[1].published.utcoffset().total_seconds() == 7200
    assert set(bad) == {"3", "4", "6"}
    assert "not JSON" in bad["3"]
    assert "text" in bad["4"]
    assert "unknown_field" in bad["6"]


def test_ids_derive_from_url_before_text():
    a = article_from_mapping({"text": "Body", "url": "https://Example.org/a/?utm_source=feed"})
    b = article_from_mapping({"text": "Other body", "url": "https://example.org/a"})
    assert a.id == b.id == article_id_for(url="https://example.org/a")


def test_text_file_title_is_first_line(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text("\n  Kenya and Ethiopia sign power deal\n\nThe two countries signed an agreement.\n")
    (item,) = list(read_path(path))
    assert item.article.title == "Kenya and Ethiopia sign power deal"
    assert item.article.text == "The two countries signed an agreement."


def test_directory_reads_known_files_in_order(tmp_path):
    (tmp_path / "b.txt").write_text("Title B\nBody B")
    (tmp_path / "a.jsonl").write_text(json.dumps({"text": "Body A"}) + "\n")
    (tmp_path / "notes.bin").write_bytes(b"\x00\x01")
    (tmp_path / "empty.txt").write_text("  \n")
    items = list(read_path(tmp_path))
    assert [i.article.text for i in items if i.article] == ["Body A", "Body B"]
    assert [i.error for i in items if i.error] == ["the file is empty"]


def test_feed_file_entries_become_articles(tmp_path):
    path = tmp_path / "desk.rss"
    path.write_text(RSS)
    items = list(read_path(path))
    first = items[0].article
    assert first.text == "Norway expelled a Russian diplomat on Monday."  # HTML stripped
    assert first.source == "Test Desk" and first.published.isoformat() == "2026-11-02T10:00:00+00:00"
    assert first.id == article_id_for(url="https://example.org/n/1")
    assert items[1].article is None and "text" in items[1].error


def test_missing_path_is_an_error():
    (item,) = list(read_sources(["/nonexistent/articles.jsonl"]))
    assert item.error == "no such file or directory"


def test_shipped_samples_are_valid_articles():
    path = files("streams") / "samples" / "articles.jsonl"
    items = list(read_path(path))
    assert len(items) >= 12 and all(i.article is not None for i in items), [i.error for i in items if i.error]
    assert len({i.article.id for i in items}) == len(items)
    assert all(i.article.published is not None for i in items)
