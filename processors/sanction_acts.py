"""Sanctions named without a sanction noun: a verb and its object ("froze the assets of",
"suspended arms sales to", "halted military aid to"), and the relief nouns of a sanction regime
("granted a waiver", "licences", "reprieves") when the sentence is about sanctions.

The lexicons live in data/lexicons.json (sanction.verb_objects, sanction.relief_nouns,
sanction.giving_verbs)."""

from __future__ import annotations

from spacy.tokens import Span, Token

from processors.patterns import match_ends
from processors.rules import Rules


def _object_words(tok: Token) -> set[str]:
    """Lemmas of the verb's direct object and its compound/amod modifiers ("arms sales")."""
    out: set[str] = set()
    for o in (c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")):
        out.add(o.lemma_.lower())
        mods = [c.lemma_.lower() for c in o.children if c.dep_ in ("compound", "amod")]
        out.update(f"{m} {o.lemma_.lower()}" for m in mods)
    return out


def verb_object_subtype(tok: Token, rules: Rules) -> str | None:
    """'impose' / 'lift_or_ease' when a verb with its object names a restrictive measure or its end."""
    if tok.pos_ != "VERB":
        return None
    table = rules.sanction["verb_objects"]
    entry = table.get(tok.lemma_.lower())
    if not entry:
        return None
    words = _object_words(tok)
    if not words & set(entry["objects"]):
        return None
    return entry["subtype"]


def relief_noun(tok: Token, sent: Span, rules: Rules) -> bool:
    """A waiver, licence or reprieve given in a sentence about sanctions: an easing (`lift_or_ease`)."""
    s = rules.sanction
    if tok.pos_ != "NOUN" or tok.lemma_.lower() not in s["relief_nouns"]:
        return False
    givers = [tok.head] if tok.dep_ in ("dobj", "nsubjpass") else []
    givers += [c for c in tok.children if c.dep_ in ("acl", "relcl")]
    if not any(g.lemma_.lower() in s["giving_verbs"] for g in givers):  # a relief granted, issued, won
        return False
    words = s["strong_nouns"] | s["verbs"]
    phrases = match_ends(sent.doc, rules, "sanction_phrases")
    return any(t.lemma_.lower() in words or t.lower_ in words or t.i in phrases for t in sent)
