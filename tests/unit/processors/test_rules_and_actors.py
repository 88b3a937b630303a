"""Rules as frozen versioned data; actor resolution to guideline codes."""

from __future__ import annotations

import dataclasses

import pytest
import spacy

from processors import RULES_VERSION, load_rules
from processors.actors import lookup_name, resolve_doc


def test_rules_are_frozen_and_versioned(rules):
    assert rules.version.startswith(RULES_VERSION + "+")
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.version = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        rules.names["narnia"] = "NAR"  # type: ignore[index]
    with pytest.raises(ValueError, match="unknown rules version"):
        load_rules("rules.v0")


@pytest.mark.parametrize("name,code", [
    ("France", "FRA"), ("the Republic of Korea", "KOR"), ("Korea, Republic of", "KOR"),   # pycountry
    ("U.S.", "USA"), ("America", "USA"), ("Britain", "GBR"), ("North Korea", "PRK"),       # aliases
    ("Ivory Coast", "CIV"), ("the Palestinian Authority", "PSE"), ("Holy See", "VAT"),
    ("the Kremlin", "RUS"), ("Khartoum", "SDN"), ("the White House", "USA"), ("Brussels", "EU"),
    ("European Commission", "EU"), ("U.N. Security Council", "UN"), ("OPEC", "OPEC"),
    ("Arab League", "Arab League"), ("World Bank", "World Bank"), ("Chinese", "CHN"),
])
def test_names_resolve_to_guideline_codes(rules, name, code):
    assert lookup_name(name, rules) == (code, False)


def test_ambiguous_names_are_flagged_not_guessed(rules):
    assert lookup_name("Georgia", rules) == (None, True)
    assert lookup_name("Narnia", rules) == (None, False)


def _ruled_doc(text: str, patterns: list[dict]):
    """A blank pipeline with an entity ruler: the resolver reads entities and sentences, not the parse."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("entity_ruler").add_patterns(patterns)
    return nlp(text)


def test_official_by_title_and_later_surname_share_the_country(rules):
    doc = _ruled_doc(
        "Russian Foreign Minister Sergey Lavrov arrived on Monday. Lavrov said little.",
        [{"label": "NORP", "pattern": "Russian"}, {"label": "PERSON", "pattern": "Sergey Lavrov"},
         {"label": "PERSON", "pattern": "Lavrov"}])
    idx = resolve_doc(doc, rules)
    people = [m for m in idx.mentions if m.label == "PERSON"]
    assert [m.code for m in people] == ["RUS", "RUS"]
    assert people[0].key == people[1].key  # one entity, two mentions


def test_country_specific_title_without_country_word(rules):
    doc = _ruled_doc("Secretary of State Jane Roe flew in.", [{"label": "PERSON", "pattern": "Jane Roe"}])
    assert resolve_doc(doc, rules).mentions[0].code == "USA"


def test_washington_state_is_ambiguous_but_washington_is_the_us(rules):
    doc = _ruled_doc("Apples from Washington state sell well. Washington disagreed.",
                     [{"label": "GPE", "pattern": "Washington"}])
    first, second = resolve_doc(doc, rules).mentions
    assert (first.code, first.ambiguous) == (None, True)
    assert (second.code, second.ambiguous) == ("USA", False)


def test_joined_names_give_every_party(rules):
    doc = _ruled_doc("U.S.-EU sanctions followed.", [{"label": "ORG", "pattern": "nothing here"}])
    idx = resolve_doc(doc, rules)
    assert idx.codes_at(0) == ["USA", "EU"]


def test_entities_merge_with_mention_counts(analyze):
    a = analyze("Iran rejected the offer. Officials in Iran said talks would go on. Iran's envoy agreed.")
    iran = [e for e in a.entities if e.actor == "IRN"]
    assert len(iran) == 1 and iran[0].mentions == 3
    assert all(a.entities[[e.id for e in a.entities].index(m.entity_id)] for m in a.mentions)
    text = "Iran rejected the offer. Officials in Iran said talks would go on. Iran's envoy agreed."
    assert all(text[m.start:m.end] == m.text for m in a.mentions)
