"""The one input path (streams.inputs): what publish, POST /articles and analyze read, and the Article each
record becomes. The fixtures are in tests/fixtures/inputs/ (see its README)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import pytest

from schemas import Article
from schemas.ids import article_id_for
from streams.inputs import (
    ArticleInputError,
    admit,
    article_from_mapping,
    kind_for_content_type,
    read_document,
    read_path,
    read_sources,
)
from streams.inputs.dates import parse_date
from streams.inputs.encoding import decode
from tests.support.inputs import BAD, GOOD


def articles(path: Path) -> list[Article]:
    items = list(read_path(path))
    assert all(i.article for i in items), [(i.where, i.error) for i in items if not i.article]
    return [i.article for i in items]


# --- dates -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11-02T10:00:00Z", datetime(2026, 11, 2, 10, tzinfo=UTC)),
    ("2026-11-02T12:00:00+02:00", datetime(2026, 11, 2, 10, tzinfo=UTC)),
    ("2026-11-02", datetime(2026, 11, 2, tzinfo=UTC)),
    ("2026-11-02 10:00:00", datetime(2026, 11, 2, 10, tzinfo=UTC)),  # news-please: naive is UTC
    ("Mon, 02 Nov 2026 10:00:00 GMT", datetime(2026, 11, 2, 10, tzinfo=UTC)),
    ("Mon, 02 Nov 2026 11:00:00 +0100", datetime(2026, 11, 2, 10, tzinfo=UTC)),
    (1793613600, datetime(2026, 11, 2, 10, tzinfo=UTC)),
    (1793613600000, datetime(2026, 11, 2, 10, tzinfo=UTC)),
    ("1793613600", datetime(2026, 11, 2, 10, tzinfo=UTC)),
    ("1793613600000", datetime(2026, 11, 2, 10, tzinfo=UTC)),
])
def test_dates_in_every_accepted_form(value, expected):
    got = parse_date(value)
    assert got == expected and got.tzinfo is not None


@pytest.mark.parametrize("value", ["last Tuesday", "02/11/2026", "2026-13-45", True, [2026]])
def test_an_unreadable_date_is_a_clear_error(value):
    with pytest.raises(ArticleInputError, match="is not a date newsmon can read.*ISO 8601.*RFC 2822.*epoch"):
        parse_date(value, "publishedAt")


def test_no_date_is_none():
    assert parse_date(None) is None and parse_date("  ") is None


# --- encodings ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_text_with_a_byte_order_mark_is_read(codec):
    raw = "Ελλάδα and Türkiye".encode(codec)
    if codec == "utf-16-be":
        raw = b"\xfe\xff" + raw
    assert decode(raw) == "Ελλάδα and Türkiye"


def test_non_utf8_names_the_encoding_seen():
    with pytest.raises(ArticleInputError) as exc:
        decode((BAD / "cp1252.txt").read_bytes())
    message = str(exc.value)
    assert message.startswith("not UTF-8 (byte 0xe9 at offset 3): it looks like cp125")
    assert "iconv -f cp125" in message


# --- mappings ----------------------------------------------------------------------------------------------------

def test_newsapi_response():
    first, second = articles(GOOD / "newsapi.json")
    assert first.text.startswith("Estonia and Finland signed") and "[+1830 chars]" not in first.text
    assert (first.source, first.author, first.title) == (
        "Harbour Post", "Mari Tamm", "Estonia and Finland agree to guard Baltic cables together")
    assert first.published == datetime(2026, 11, 2, 7, 45, tzinfo=UTC)
    assert first.id == article_id_for(url="https://harbour.example/world/2026/11/02/baltic-cables")
    assert first.extra == {"source": {"id": "harbour-post"}, "urlToImage": "https://harbour.example/img/cables.jpg",
                           "description": "The two governments will share patrol boats after a cable was cut."}
    # No content: the description is the text; nulls are not kept.
    assert second.text.startswith("Ghana recalled its ambassador") and second.extra == {}
    assert second.author is None and second.source == "Delta Wire"


def test_news_please_record():
    (a,) = articles(GOOD / "news-please.json")
    assert a.text.startswith("The European Union imposed sanctions on four shipping firms")
    assert (a.source, a.author, a.language) == ("canal.example", "Lena Vogt, Piet de Wit", "en")
    assert a.published == datetime(2026, 11, 3, 6, 30, tzinfo=UTC)
    assert a.extra["date_download"] == "2026-11-03 09:12:44" and a.extra["title_page"].endswith("| Canal")
    assert "maintext" not in a.extra and "date_modify" not in a.extra


def test_array_with_epoch_dates_and_extra_fields():
    first, second = articles(GOOD / "array.json")
    assert first.published == datetime.fromtimestamp(1793700000, UTC)
    assert second.published == datetime.fromtimestamp(1793786400, UTC)  # milliseconds
    assert second.id == "desk-0042" and second.extra == {"section": "world", "tags": ["sanctions", "banks"]}
    assert first.id == article_id_for(text=first.text)


def test_json_lines_skip_comments_and_keep_unknown_fields():
    items = list(read_path(GOOD / "lines.jsonl"))
    assert [i.where.rsplit(":", 1)[1] for i in items] == ["2", "3"]
    japan, norway = (i.article for i in items)
    assert japan.extra == {"desk": "asia"}
    assert norway.published == datetime(2026, 10, 29, 13, 5, tzinfo=UTC)  # RFC 2822 in a JSON record


def test_rss_with_rfc2822_dates():
    first, second = articles(GOOD / "feed.rss")
    assert first.text == "Kazakhstan and Uzbekistan signed an agreement on sharing the Syr Darya's water on Tuesday."
    assert first.published == datetime(2026, 11, 3, 6, 20, tzinfo=UTC)
    assert first.published.utcoffset().total_seconds() == 5 * 3600  # the feed's own offset is kept
    assert (first.source, first.author) == ("Steppe Observer", "Aruzhan Sadykova")
    assert second.published == datetime(2026, 11, 2, 8, tzinfo=UTC)


def test_html_page_text_and_metadata_are_extracted():
    (a,) = articles(GOOD / "page.html")
    assert a.text.startswith("Portugal and Morocco signed an agreement in Rabat")
    assert "Home" not in a.text and "rights reserved" not in a.text  # navigation and footer left out
    assert a.title == "Portugal and Morocco sign a ferry deal"
    assert (a.url, a.source, a.author) == ("https://ledger.example/europe/portugal-morocco-ferry",
                                           "Atlantic Ledger", "Rui Matos")
    assert a.published == datetime(2026, 11, 4, 10, 15, tzinfo=UTC)


def test_an_html_page_inside_a_record_is_extracted_too():
    page = (GOOD / "page.html").read_text()
    a = article_from_mapping({"text": page, "title": "Given title"})
    assert a.text.startswith("Portugal and Morocco signed") and a.title == "Given title"


def test_utf16_text_file():
    (a,) = articles(GOOD / "utf16.txt")
    assert a.title == "Türkiye and Greece reopen talks on the Aegean"
    assert a.text.startswith("The foreign ministers of Türkiye and Greece")


def test_a_written_article_reads_back_as_itself():
    """A v2 record as publish writes it goes through the readers unchanged (replays, re-publishing)."""
    for a in articles(GOOD):
        assert article_from_mapping(json.loads(a.model_dump_json())) == a


def test_version_1_records_are_read_as_version_2():
    a = Article.model_validate({"schema_version": 1, "id": "v1", "text": "Old record."})
    assert a.schema_version == 2 and a.extra == {} and a.author is None


def test_ids_derive_from_url_before_text():
    a = article_from_mapping({"text": "Body", "url": "https://Example.org/a/?utm_source=feed"})
    b = article_from_mapping({"text": "Other body", "url": "https://example.org/a"})
    assert a.id == b.id == article_id_for(url="https://example.org/a")


# --- the same article whichever way it comes in -----------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(p.name for p in GOOD.iterdir()))
def test_file_stdin_and_body_give_the_same_articles(name):
    path = GOOD / name
    raw = path.read_bytes()
    from_file = articles(path)
    from_stdin = [i.article for i in read_sources(["-"], stdin=io.BytesIO(raw))]
    from_body = [i.article for i in read_document(raw, "body")]  # no Content-Type: recognised
    assert from_file == from_stdin == from_body and from_file


@pytest.mark.parametrize(("content_type", "kind"), [
    ("application/json", "json"), ("application/x-ndjson; charset=utf-8", "json"), ("text/plain", "text"),
    ("text/html; charset=utf-8", "html"), ("application/rss+xml", "feed"), ("application/atom+xml", "feed"),
    ("application/x-www-form-urlencoded", None), (None, None),
])
def test_content_types(content_type, kind):
    assert kind_for_content_type(content_type) == kind


# --- refused, with the reason ------------------------------------------------------------------------------------

def test_bad_records_are_refused_with_the_reason():
    items = list(read_path(BAD / "records.jsonl"))
    errors = {i.where.split("records.jsonl:", 1)[1]: i.error for i in items}
    assert all(i.article is None for i in items)
    assert errors["1"].startswith("no article text: none of 'text', 'maintext', 'content'")
    assert "'published' is not a date newsmon can read ('last Tuesday')" in errors["2"]
    assert errors["3"].startswith("not JSON")
    assert errors["4[0]"].startswith("expected a JSON object") and errors["4[1]"].endswith("got str")
    assert errors["5"].startswith("not an article: the HTML page holds no article text")


def test_a_page_without_article_text_is_not_an_article():
    (item,) = read_path(BAD / "nav.html")
    assert item.error.startswith("not an article")


def test_admission_is_the_workers_edge_check():
    record = json.dumps({"id": "big", "text": "word " * 400}).encode()
    (item,) = admit(read_document(record, "body"), max_text_bytes=1000)
    assert item.error.startswith("oversize: record is") and "NEWSMON_MAX_TEXT_BYTES" in item.error
    (item,) = admit(read_document(b'{"text": "Chile\\u0000 and Peru met."}', "body"), max_text_bytes=1000)
    assert item.article.text == "Chile and Peru met."  # control characters stripped, as the worker does


def test_directory_names_what_it_skips(tmp_path):
    (tmp_path / "b.txt").write_text("Title B\nBody B")
    (tmp_path / "a.jsonl").write_text(json.dumps({"text": "Body A"}) + "\n")
    (tmp_path / "notes.bin").write_bytes(b"\x00\x01")
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / "empty.txt").write_text("  \n")
    items = list(read_path(tmp_path))
    assert [i.article.text for i in items if i.article] == ["Body A", "Body B"]
    assert [(Path(i.where).name, i.error) for i in items if i.failed] == [("empty.txt", "the input is empty")]
    skipped = {Path(i.where).name: i.error for i in items if i.skipped}
    assert skipped[".hidden.txt"] == "skipped: hidden file"
    assert skipped["notes.bin"].startswith("skipped: not a known input type (known: .json, .jsonl")


def test_missing_path_is_an_error():
    (item,) = list(read_sources(["/nonexistent/articles.jsonl"]))
    assert item.error == "no such file or directory"


def test_shipped_samples_are_valid_articles():
    path = files("streams") / "samples" / "articles.jsonl"
    items = list(read_path(Path(str(path))))
    assert len(items) >= 12 and all(i.article is not None for i in items), [i.error for i in items if i.error]
    assert len({i.article.id for i in items}) == len(items)
    assert all(i.article.published is not None for i in items)


def test_the_readme_table_of_fields_is_the_mapping():
    """The README's table of record fields lists, for each article field, exactly the keys the mapping reads."""
    import re

    from streams.inputs import FIELDS
    from tests.support.workers import ROOT

    rows = {}
    for line in (ROOT / "README.md").read_text().splitlines():
        match = re.match(r"^\| `(\w+)`(?: \(required\))? \| (.+?) \|", line)
        if match and match.group(1) in FIELDS:
            rows[match.group(1)] = tuple(re.findall(r"`(\w+)`", match.group(2)))
    assert rows == FIELDS


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Fjord Daily</title>
<entry><title>Iceland opens an embassy in Seoul</title><link href="https://fjord.example/n/iceland-seoul"/>
<updated>2026-11-05T09:30:00+01:00</updated><author><name>Sigrid Berg</name></author>
<content type="html">&lt;p&gt;Iceland opened an embassy in Seoul on Thursday, its first in East Asia.&lt;/p&gt;
</content>
</entry></feed>"""


def test_atom_entries_with_iso_dates():
    (item,) = read_document(ATOM.encode(), "atom.xml")
    a = item.article
    assert a.text == "Iceland opened an embassy in Seoul on Thursday, its first in East Asia."
    assert (a.title, a.source, a.author) == ("Iceland opens an embassy in Seoul", "Fjord Daily", "Sigrid Berg")
    assert a.published == datetime(2026, 11, 5, 8, 30, tzinfo=UTC)
    assert a.id == article_id_for(url="https://fjord.example/n/iceland-seoul")


def test_an_html_page_in_its_declared_charset_is_read():
    page = (GOOD / "page.html").read_text().replace('<meta charset="utf-8">', '<meta charset="windows-1252">')
    page = page.replace("Faro and Tangier", "Faro and Tânger")
    (item,) = read_document(page.encode("cp1252"), "page.html", "html")
    assert "Faro and Tânger" in item.article.text
    (item,) = read_document("Caf\u00e9 owners protest\nThey marched.".encode("cp1252"), "notes.txt", "text")
    assert item.error.startswith("not UTF-8")  # text declares nothing: refused, naming what it looks like
