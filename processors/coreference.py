"""Phrases that stand for parties named before: "the two countries", "both sides", "the bloc".

They carry no name, so NER gives them no entity; without a code, a meeting or a deal they take part
in drops out (a symmetric event needs two parties). The words are data (gazetteer "coreference")."""

from __future__ import annotations

from spacy.tokens import Doc

from processors.actors import ActorIndex
from processors.rules import Rules

_WINDOW = 80  # tokens back in which the antecedents must be named
_PLACE_PREPS = frozenset({"in", "at", "near", "outside", "inside"})


def _recent_codes(doc: Doc, idx: ActorIndex, before: int, limit: int, states_only: bool) -> list[str]:
    """Distinct codes named before token `before`, latest first (people and firms excluded)."""
    out: list[str] = []
    for i in range(before - 1, max(-1, before - _WINDOW), -1):
        t = doc[i]
        if t.ent_type_ in ("GPE", "LOC", "FAC") and t.head.lower_ in _PLACE_PREPS:
            continue  # "met in Cairo": where it happened, not who took part
        for code in idx.codes_at(i):
            if idx.tok_person[i] or idx.tok_firm[i] or code in out or (states_only and len(code) != 3):
                continue
            out.append(code)
            if len(out) == limit:
                return out
    return out


def resolve_references(doc: Doc, idx: ActorIndex, rules: Rules) -> None:
    """Give "the two countries" / "both sides" the last two states named before, and "the bloc" the
    international body the text named last: codes on the noun, so role readers see the parties."""
    words = rules.coreference
    for t in doc:
        low = t.lower_
        if idx.code_at(t.i) or t.pos_ != "NOUN":
            continue
        dets = {c.lower_ for c in t.children if c.dep_ in ("det", "nummod", "predet", "amod")}
        if low in words["pair_nouns"] and ("two" in dets or "both" in dets):
            found = _recent_codes(doc, idx, t.i, 2, states_only=low in words["state_nouns"])
            if len(found) == 2:
                idx.tok_code[t.i] = found[1]
                idx.tok_extra[t.i] = [found[0]]
        elif low in words["body_nouns"] and dets & {"the", "this"}:
            bodies = [c for c in _recent_codes(doc, idx, t.i, 6, states_only=False) if c in rules.igo_codes]
            if bodies:
                idx.tok_code[t.i] = bodies[0]
