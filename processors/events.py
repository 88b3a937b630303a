"""Sanction and diplomacy event mentions from a parsed document (dependency rules over lexicons).

Each detector returns `EventMention`s: one per trigger, with roles and certainty. Merging mentions of
the same occurrence into events happens in `processors.merge`. The detectors live in
`processors.sanctions` and `processors.diplomacy`, the role readers in `processors.roles`, and the
readings across sentences in `processors.discourse`; this module is the entry point."""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

from processors.actors import ActorIndex
from processors.diplomacy import SYMMETRIC, detect_diplomacy
from processors.discourse import drop_package_parts, fill_sanction_roles
from processors.mentions import EventMention, is_background, is_headline, trigger_phrase
from processors.modality import certainty_with_reason
from processors.roles import directed_roles, other_act_roles, participants, places_in, visit_roles
from processors.rules import Rules
from processors.sanctions import detect_sanctions, sanction_roles
from processors.syntax import first_verb, governing_chain

__all__ = ["EventMention", "detect_diplomacy", "detect_events", "detect_sanctions", "mention_for"]


def detect_events(doc: Doc, actors: ActorIndex, rules: Rules) -> list[EventMention]:
    """All event mentions of the document, in text order.

    Only tokens whose lemma or form is a trigger word reach the detectors (most sentences have none)."""
    trig = _trigger_lemmas(rules)
    lemmas = [t.lemma_.lower() for t in doc]
    out: list[EventMention] = []
    for sent in doc.sents:
        if len(sent) > 200:
            continue  # run-on extraction noise (tables, link lists): no reliable parse
        cands = [doc[i] for i in range(sent.start, sent.end)
                 if lemmas[i] in trig or doc[i].lower_ in trig]
        if not cands:
            continue
        out.extend(detect_sanctions(sent, actors, rules, cands))
        out.extend(detect_diplomacy(sent, actors, rules, cands))
    fill_sanction_roles(out, actors, rules)
    return drop_package_parts(out)


_TRIG_CACHE: dict[str, frozenset[str]] = {}


def _trigger_lemmas(rules: Rules) -> frozenset[str]:
    if rules.version not in _TRIG_CACHE:
        words: set[str] = set()
        for key in ("strong_nouns", "weak_nouns", "verbs"):
            for w in rules.sanction[key]:
                words.add(w.split()[-1])
        words |= set(rules.diplomacy_verbs) | {w.split()[-1] for w in rules.diplomacy_nouns}
        words |= {"talks", "visiting", "speak", "address", "mediators", "become"}
        words |= set(rules.sanction["verb_objects"]) | set(rules.sanction["relief_nouns"])
        d = rules.diplomacy
        words |= set(d["other_verbs_obj"]) | set(d["other_nouns_obj"])
        words |= set(d["expulsion_verbs"]) | set(d["drive_nouns"])
        _TRIG_CACHE[rules.version] = frozenset(words)
    return _TRIG_CACHE[rules.version]


def mention_for(tok: Token, type_: str, subtype: str, sent: Span, actors: ActorIndex,
                rules: Rules) -> EventMention | None:
    """A mention of `subtype` anchored on `tok`, with the rules' own role and certainty readers.

    The learned proposer names sentences that hold an event no rule found; this gives such an event
    its parties the way the detectors would. None when no party can be read."""
    if type_ == "sanction":
        kind = "verb" if tok.pos_ == "VERB" else "strong"
        verb = tok if kind == "verb" else first_verb(governing_chain(tok)[0][1:])
        acts, targets = sanction_roles(tok, verb, kind, actors, rules)
        if acts == ["<firm>"]:
            return None
    elif subtype in SYMMETRIC:
        acts, targets = participants(tok, sent, actors, rules), []
    elif subtype == "visit":
        acts, targets = visit_roles(tok, actors, rules)
        if acts and not targets:
            targets = places_in(sent, actors, set(acts))
    elif subtype == "other":
        acts, targets = other_act_roles(tok, actors, rules)
    else:
        acts, targets = directed_roles(tok, actors, rules)
    if not acts and not targets:
        return None
    certainty, why = certainty_with_reason(tok, sent, rules)
    return EventMention(type_, subtype, tuple(acts), tuple(targets), certainty, tok, trigger_phrase(tok),
                        sent, 0.5, headline=is_headline(tok), why=why, background=is_background(tok, rules))
