"""The Matcher patterns of lexicons.json: matched on a bare tokenizer (no parse or lemmas needed),
once per document and rules version."""

from __future__ import annotations

import spacy

from processors.patterns import match_ends
from processors.rules import load_rules


def test_a_split_goal_and_a_sanction_phrase_end_where_their_last_token_is():
    rules = load_rules(learned=False)
    doc = spacy.blank("en")("They sought a cease-fire, and the firm went on the entity list.")
    assert [doc[i].text for i in match_ends(doc, rules, "split_drive_goals")] == ["fire"]
    assert [doc[i].text for i in match_ends(doc, rules, "sanction_phrases")] == ["list"]
    assert match_ends(doc, rules, "no_such_patterns") == ()


def test_two_words_apart_are_no_match():
    rules = load_rules(learned=False)
    doc = spacy.blank("en")("A cease in the fire, and an entity on a list.")
    assert match_ends(doc, rules, "split_drive_goals") == ()
    assert match_ends(doc, rules, "sanction_phrases") == ()


def test_the_matches_are_kept_on_the_document_per_rules_version():
    doc = spacy.blank("en")("the entity list")
    rules, rules_only = load_rules(), load_rules(learned=False)
    match_ends(doc, rules, "sanction_phrases")
    match_ends(doc, rules_only, "sanction_phrases")
    assert {k for k in doc.user_data if k.startswith("newsmon_matches+")} == {
        f"newsmon_matches+{rules.version}", f"newsmon_matches+{rules_only.version}"}
