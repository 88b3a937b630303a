"""The public API: batch equals single, split stages, non-English input, hostile input never crashes."""

from __future__ import annotations

import spacy

from processors import analyze_doc, load_rules, parse_batch, process_article, process_batch
from schemas import Analysis, Article

HOSTILE = [
    "x",
    "\x00\x01\x02 control \x1b[31m characters \x7f",
    "<html><body><script>alert(1)</script><p>EU &amp; UN met</p></body></html>",
    "&lt;b&gt;Iran&lt;/b&gt; #39;s quot;sanctions quot; \\ \\ \\",
    "🙂" * 50,
    "sanctions " * 400,
    "\n\n\n\n.\n\n\n",
]


def test_batch_matches_single_and_keeps_order(nlp, rules):
    arts = [Article(id=f"a{i}", text=t) for i, t in enumerate([
        "Iran and Iraq signed a trade agreement on Monday.", "Rain fell in Oslo.",
        "Canada imposed sanctions on Belarus."])]
    batch = process_batch(arts, nlp, rules, batch_size=2)
    assert [a.article_id for a in batch] == ["a0", "a1", "a2"]
    assert batch == [process_article(a, nlp, rules) for a in arts]


def test_stages_split_as_parse_then_analyze(nlp, rules):
    art = Article(id="s1", title="Talks", text="Egypt and Sudan held talks in Cairo on the Nile dam.")
    docs = parse_batch(nlp, [art.full_text])
    assert len(docs[0].text) == len(art.full_text)
    assert analyze_doc(art, docs[0], rules, "m") == process_article(art, nlp, rules).model_copy(
        update={"model": "m"})


def test_non_english_gets_no_events(nlp, rules):
    art = Article(id="fr", text="Le gouvernement français a imposé des sanctions contre la Russie lundi, "
                                "selon le ministère des affaires étrangères et les diplomates européens.")
    a = process_article(art, nlp, rules)
    assert a.language != "en" and a.events == ()


def test_hostile_inputs_return_an_analysis(nlp, rules):
    for i, text in enumerate(HOSTILE):
        a = process_article(Article(id=f"h{i}", text=text), nlp, rules)
        assert isinstance(a, Analysis)
        for m in a.mentions:
            assert 0 <= m.start <= m.end <= len(text)


def test_huge_input_is_cut_not_fatal():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    text = "The envoy met the minister. " * 20_000  # 560k characters
    (doc,) = parse_batch(nlp, [text])
    assert 0 < len(doc.text) < len(text)
    a = analyze_doc(Article(id="big", text=text), doc, load_rules(), "blank")
    assert isinstance(a, Analysis)
