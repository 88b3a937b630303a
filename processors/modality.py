"""Certainty of an event mention: asserted, hypothetical or negated, read from its governing clause."""

from __future__ import annotations

from spacy.tokens import Span, Token

from processors.rules import Rules
from processors.syntax import governing_chain

_DATE_LABELS = frozenset({"DATE", "TIME"})
_SCHEDULE_VERBS = frozenset({"plan", "schedule", "set", "due", "slate", "expect", "arrange", "prepare"})


def _has_date(tok: Token) -> bool:
    return any(t.ent_type_ in _DATE_LABELS for t in tok.subtree)


def certainty_of(trigger: Token, sent: Span, rules: Rules, skip_lemmas: frozenset[str] = frozenset()) -> str:
    """Modality cues on the path from the trigger up to its clause head decide; reporting verbs don't.

    `skip_lemmas` are cue words that are part of the trigger itself (the 'threaten' of a threat)."""
    m = rules.modality
    chain, above = governing_chain(trigger)
    hypothetical = False
    for k, t in enumerate(chain):
        lem = t.lemma_.lower()
        own = k == 0 or lem in skip_lemmas
        for c in t.children:
            cl = c.lower_
            if c.dep_ == "neg" or (c.dep_ == "det" and cl == "no") or (c.dep_ == "prep" and cl == "without"):
                if not own or c.dep_ != "prep":
                    return "negated"
            if c.dep_ == "aux" and cl in m["hypothetical_aux"]:
                hypothetical = True
            if c.dep_ == "mark" and cl in m["conditional_marks"]:
                hypothetical = True
            if c.dep_ in ("amod", "compound") and c.lemma_.lower() in m["hypothetical_adjs"] and k <= 1:
                hypothetical = True
            if c.dep_ == "prt" and f"{lem} {cl}" in m["negation_verbs"]:
                return "negated"
        if own:
            continue
        if lem in m["negation_verbs"] and t.pos_ in ("VERB", "NOUN"):
            return "negated"
        if t.pos_ in ("VERB", "AUX", "ADJ") and (lem in m["hypothetical_verbs"] or lem in m["hypothetical_adjs"]):
            # "plans to visit China next week" is a scheduled act, not a vague plan
            if lem in _SCHEDULE_VERBS and _has_date(t) and lem != "expect":
                continue
            hypothetical = True
        if t.pos_ in ("NOUN", "PROPN") and lem in m["hypothetical_nouns"] and k <= 3:
            hypothetical = True
    if above is not None:
        lem = above.lemma_.lower()
        if lem in m["negation_verbs"] and lem != "block":
            return "negated"
        if lem in m["hypothetical_verbs"] and lem not in m["reporting_verbs"]:
            hypothetical = True
        if any(c.dep_ == "mark" and c.lower_ in m["conditional_marks"] for c in chain[-1].children):
            hypothetical = True
    if sent.text.rstrip().endswith("?"):
        hypothetical = True
    return "hypothetical" if hypothetical else "asserted"
