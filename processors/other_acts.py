"""Diplomatic acts that the guidelines code as `other`, recognised by a verb or noun and its object.

A word like "cut", "leave" or "restore" is no diplomatic act by itself; it is one when its object is
diplomatic: "cut diplomatic ties", "left the treaty", "restored relations", "summoned the envoy",
"reopened its embassy", "delivered a letter", "lodged a complaint", "demanded the ambassador's
recall", "a breakdown in relations". A state expelled or suspended from an international body is
`other` too (its expulsion from the G-8), with the body as the actor. The lexicons live in
data/lexicons.json (diplomacy.other_verbs_obj, other_nouns_obj, expulsion_verbs, leaving_verbs,
act_verb_preps, act_noun_preps)."""

from __future__ import annotations

from spacy.tokens import Token

from processors.actors import ActorIndex
from processors.patterns import match_ends
from processors.rules import Rules


def _pobjs(tok: Token, preps: frozenset[str], depth: int = 0) -> list[Token]:
    """Objects of `tok`'s prepositions, through a particle-preposition chain ("pulled out of X")."""
    out: list[Token] = []
    for c in tok.children:
        if c.dep_ in ("prep", "prt", "dative") and c.lower_ in preps:
            out.extend(g for g in c.children if g.dep_ in ("pobj", "pcomp"))
            if depth < 1:
                out.extend(_pobjs(c, preps, depth + 1))
    return out


def act_objects(tok: Token, rules: Rules) -> list[Token]:
    """The objects that decide whether a verb names a diplomatic act (direct, passive subject, prepositional)."""
    objs = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")]
    if tok.dep_ in ("acl", "amod") and tok.head.pos_ in ("NOUN", "PROPN"):
        objs.append(tok.head)  # "the ties severed last year"
    return objs + _pobjs(tok, rules.diplomacy["act_verb_preps"])


def _names_envoy(tok: Token, rules: Rules) -> bool:
    """'the ambassador's recall', 'the removal of the envoy': the removal is of a diplomat."""
    envoys = rules.diplomacy["envoy_nouns"]
    return any(t.lemma_.lower() in envoys or t.lower_ in envoys for t in tok.subtree if t is not tok)


def _matches(obj: Token, wanted, verb_lemma: str, actors: ActorIndex, rules: Rules) -> bool:
    lem = obj.lemma_.lower()
    if lem in wanted or obj.lower_ in wanted:
        if lem in rules.diplomacy["envoy_removal_nouns"]:
            return _names_envoy(obj, rules)  # "demanded the removal of the envoy", not of a minister
        return True
    # "Britain left the EU", "withdrew from NATO": leaving an international body itself
    return verb_lemma in rules.diplomacy["leaving_verbs"] and actors.code_at(obj.i) in rules.igo_codes


def expelling_body(tok: Token, actors: ActorIndex, rules: Rules) -> str | None:
    """The international body a state is expelled or suspended from ("kicked out of the G-8")."""
    if tok.pos_ != "VERB" or tok.lemma_.lower() not in rules.diplomacy["expulsion_verbs"]:
        return None
    expelled = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")]
    envoys = rules.diplomacy["envoy_nouns"]
    if not expelled or any(c.lemma_.lower() in envoys or c.lower_ in envoys for c in expelled):
        return None  # "expelled two diplomats from the EU mission" is an envoy expulsion
    if not any(actors.code_at(t.i) for c in expelled for t in c.subtree):
        return None  # the expelled must be a state (or its leader): "was kicked out of the G-8"
    for obj in _pobjs(tok, frozenset({"from", "out", "of"})):
        for t in obj.subtree:
            code = actors.code_at(t.i)
            if code in rules.igo_codes:
                return code
    return None


def is_other_act(tok: Token, actors: ActorIndex, rules: Rules) -> bool:
    """True when `tok` names a diplomatic act coded `other` by the verb-object (or noun-object) rule."""
    d = rules.diplomacy
    lem = tok.lemma_.lower()
    if tok.pos_ == "VERB":
        wanted = d["other_verbs_obj"].get(lem)
        if wanted and any(_matches(o, wanted, lem, actors, rules) for o in act_objects(tok, rules)):
            return True
        return expelling_body(tok, actors, rules) is not None
    if tok.pos_ == "NOUN":
        wanted = d["other_nouns_obj"].get(lem)
        if wanted:
            objs = _pobjs(tok, d["act_noun_preps"]) + [c for c in tok.children if c.dep_ == "compound"]
            return any(o.lemma_.lower() in wanted or o.lower_ in wanted for o in objs)
    return False


def accession_body(tok: Token, actors: ActorIndex, rules: Rules) -> str | None:
    """The international body a state joins by becoming its member ("became a NATO member",
    "became a member of the WTO"): an accession, coded `agreement_signed`."""
    if tok.pos_ not in ("VERB", "AUX") or tok.lemma_.lower() != "become":
        return None
    for attr in (c for c in tok.children if c.dep_ in ("attr", "oprd") and c.lemma_.lower() in ("member", "state")):
        for t in [c for c in attr.children if c.dep_ in ("compound", "nmod", "poss")] + _pobjs(attr, frozenset({"of"})):
            for x in t.subtree:
                if actors.code_at(x.i) in rules.igo_codes:
                    return actors.code_at(x.i)
    return None


def is_diplomatic_drive(tok: Token, rules: Rules) -> bool:
    """"China renewed efforts to revive the talks", "a push for a cease-fire": a diplomatic drive
    (`other`) is an effort whose goal is talks, a deal or peace."""
    d = rules.diplomacy
    if tok.pos_ != "NOUN" or tok.lemma_.lower() not in d["drive_nouns"] and tok.lower_ not in d["drive_nouns"]:
        return False
    goals = [c for c in tok.children if c.dep_ in ("acl", "relcl") and c.pos_ == "VERB"
             and any(a.dep_ == "aux" and a.lower_ == "to" for a in c.children)]
    goals += _pobjs(tok, frozenset({"for", "toward", "towards"}))
    if not goals:
        return False
    split = match_ends(tok.doc, rules, "split_drive_goals")  # goals the tokenizer splits ("cease-fire")
    return any(t.lemma_.lower() in d["drive_goals"] or t.lower_ in d["drive_goals"] or t.i in split
               for g in goals for t in g.subtree)
