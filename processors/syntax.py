"""Small dependency-parse helpers shared by the detectors."""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Token

from processors.actors import ActorIndex

CLAUSE_BREAKS = frozenset({"ccomp", "advcl", "relcl", "parataxis", "csubj"})
SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj"})


def governing_chain(tok: Token) -> tuple[list[Token], Token | None]:
    """Tokens from `tok` up to its clause head, and the head of the clause above (or None).

    Climbs object, complement and infinitive links ("refused to [impose [sanctions]]") but stops at
    a clause boundary, so a reporting verb ("said it would impose") does not lend its modality."""
    chain = [tok]
    cur = tok
    while cur.head != cur:
        if cur.dep_ in CLAUSE_BREAKS:
            return chain, cur.head
        cur = cur.head
        chain.append(cur)
        if len(chain) > 12:
            break
    return chain, None


def first_verb(chain: list[Token]) -> Token | None:
    for t in chain:
        if t.pos_ in ("VERB", "AUX") and t.dep_ != "amod":
            return t
    return None


def subject_of(verb: Token) -> list[Token]:
    """Subject tokens of a verb, borrowed from a governing verb for infinitives and conjuncts."""
    cur = verb
    for _ in range(4):
        subs = [c for c in cur.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subs:
            return subs
        if cur.dep_ == "xcomp":
            controllers = [c for c in cur.head.children if c.dep_ in ("dobj", "dative")]
            if controllers:
                return controllers  # "China urged the EU to lift its embargo": the EU would lift it
        if cur.dep_ in ("xcomp", "conj", "advcl", "acl", "amod", "pcomp", "prep") and cur.head != cur:
            agents = agent_of(cur)
            if agents:
                return agents  # "measures adopted by the NAM to boycott ..."
            if cur.dep_ in ("acl", "amod") and cur.head.pos_ in ("NOUN", "PROPN"):
                # "Trump signed an order imposing sanctions": an object's modifier acts for the
                # subject of its verb; a subject's modifier acts for the subject itself
                if cur.head.dep_ in ("dobj", "pobj", "attr", "oprd", "appos") and cur.head.head != cur.head:
                    cur = cur.head.head
                    while cur.dep_ == "prep" and cur.head != cur:
                        cur = cur.head
                    continue
                return [cur.head]
            cur = cur.head
        else:
            break
    return []


def agent_of(verb: Token) -> list[Token]:
    """The 'by X' agent of a passive verb."""
    return [g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]


def codes_in(tokens: Iterable[Token], actors: ActorIndex, exclude: set[str] | None = None) -> list[str]:
    """Distinct actor codes of the tokens, in text order."""
    seen: list[str] = []
    for t in sorted(tokens, key=lambda x: x.i):
        for c in actors.codes_at(t.i):
            if c not in seen and not (exclude and c in exclude):
                seen.append(c)
    return seen


_NP_DEPS = frozenset({"compound", "amod", "poss", "nmod", "appos", "conj", "det", "npadvmod", "nummod"})


def np_tokens(tok: Token, depth: int = 0) -> list[Token]:
    """The noun phrase core of `tok`: modifiers, appositions, conjuncts and 'of' objects, but not
    relative clauses or other attachments ("measures adopted by X" is not X)."""
    out = [tok]
    if depth > 6:
        return out
    for c in tok.children:
        if c.dep_ in _NP_DEPS:
            out.extend(np_tokens(c, depth + 1))
        elif c.dep_ == "prep" and c.lower_ in ("of", "from"):
            for g in c.children:
                if g.dep_ == "pobj":
                    out.extend(np_tokens(g, depth + 1))
    return out


def subtree_codes(tok: Token, actors: ActorIndex, exclude: set[str] | None = None) -> list[str]:
    if tok.pos_ in ("NOUN", "PROPN", "PRON", "NUM", "ADJ"):
        return codes_in(np_tokens(tok), actors, exclude)
    return codes_in(tok.subtree, actors, exclude)


def conj_expand(tokens: list[Token]) -> list[Token]:
    out = list(tokens)
    for t in tokens:
        out.extend(c for c in t.conjuncts if c not in out)
    return out


def prep_objects(tok: Token, preps: frozenset[str]) -> list[Token]:
    """Objects of the given prepositions attached to `tok` ("sanctions [on] Iran")."""
    out: list[Token] = []
    for c in tok.children:
        if c.dep_ in ("prep", "dative") and c.lower_ in preps:
            # "dep" too: the parser often leaves a title's last noun unattached ("on Myanmar")
            out.extend(g for g in c.children if g.dep_ in ("pobj", "pcomp")
                       or g.dep_ == "dep" and g.pos_ in ("PROPN", "NOUN"))
    return out
