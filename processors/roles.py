"""Role readers: which actor codes a phrase names (groups, pronouns, firms), and the actors and
targets of participants, visits, directed acts and `other` acts, read from the parse."""

from __future__ import annotations

from spacy.tokens import Span, Token

from processors.actors import ActorIndex
from processors.other_acts import act_objects, expelling_body
from processors.rules import Rules
from processors.syntax import (
    agent_of,
    codes_in,
    conj_expand,
    first_verb,
    governing_chain,
    prep_objects,
    subject_of,
    subtree_codes,
)


def modifier_tokens(tok: Token) -> list[Token]:
    return [c for c in tok.children if c.dep_ in ("compound", "amod", "poss", "nmod", "npadvmod")]


def _group_code(tok: Token, actors: ActorIndex, rules: Rules) -> str | None:
    """'Maoist rebels', 'Sudan's southern rebels' -> 'NPL-Maoists', 'SDN-rebels'."""
    desc = rules.group_words.get(tok.lower_)
    if not desc:
        return None
    for c in tok.subtree:
        code = actors.code_at(c.i)
        if code and len(code) == 3:
            return f"{code}-{desc}"
    return None


def _firm_code(tok: Token, code: str, actors: ActorIndex) -> bool:
    """True when every token giving `code` under `tok` belongs to a firm's name."""
    toks = [x for x in tok.subtree if actors.tok_code[x.i] == code]
    return bool(toks) and all(actors.tok_firm[x.i] for x in toks)


_PERSONAL = frozenset({"he", "she", "his", "her", "him"})
_NONPERSONAL = frozenset({"it", "its", "they", "their", "them"})


def _pronoun_code(tok: Token, actors: ActorIndex) -> str | None:
    """He/she/his/her -> the nearest person named before; it/its/they -> the nearest state or body
    (not a firm, not a person) named before; within ~60 tokens."""
    if tok.lower_ == "it" and (tok.head.lemma_ == "be" or any(c.dep_ in ("acomp", "attr") for c in tok.head.children)):
        return None  # expletive "it was better to wait"
    personal = tok.lower_ in _PERSONAL
    for i in range(tok.i - 1, max(-1, tok.i - 60), -1):
        code = actors.tok_code[i]
        if not code:
            continue
        if personal and actors.tok_person[i]:
            return code
        if not personal and not actors.tok_person[i] and not actors.tok_firm[i]:
            return code
    return None


def role_codes(tokens: list[Token], actors: ActorIndex, rules: Rules, exclude=None,
                firms: bool = True, full: bool = False) -> list[str]:
    """Codes of the phrases headed by `tokens` (noun-phrase core, or the whole subtree when `full`:
    a target is often described by a clause, "two people linked to Charles Taylor")."""
    out: list[str] = []
    for t in conj_expand(tokens):
        g = _group_code(t, actors, rules)
        if g:
            found = [g]
        elif t.lower_ in _PERSONAL or t.lower_ in _NONPERSONAL:
            pc = _pronoun_code(t, actors)
            found = [pc] if pc else []
        elif not full and actors.codes_at(t.i) and not (exclude and set(actors.codes_at(t.i)) & exclude):
            # a named actor stands for itself, not its modifiers
            found = [] if (not firms and actors.tok_firm[t.i]) else actors.codes_at(t.i)
        else:
            found = codes_in(t.subtree, actors, exclude) if full else subtree_codes(t, actors, exclude)
            found = [c for c in found if firms or not _firm_code(t, c, actors)]
        for c in found:
            if c not in out and not (exclude and c in exclude):
                out.append(c)
    return out


def visit_roles(tok: Token, actors: ActorIndex, rules: Rules) -> tuple[list[str], list[str]]:
    lem = tok.lemma_.lower()
    if tok.pos_ == "VERB" or tok.lower_ == "visiting":
        # "visiting Iraqi PM Salih": the participle modifies the visitor, unless it has a subject of its own
        # ("NEW DELHI - Japan's prime minister arrived ...", where the parser hangs the clause on the dateline)
        if tok.dep_ in ("acl", "amod", "compound") and tok.head.pos_ in ("PROPN", "NOUN") \
                and not any(c.dep_ in ("nsubj", "nsubjpass") for c in tok.children):
            acts = role_codes([tok.head], actors, rules)
        else:
            acts = role_codes(subject_of(tok), actors, rules)
        places = [c for c in tok.children if c.dep_ == "dobj"]
        places += prep_objects(tok, frozenset({"to", "in", "at"}))
        return acts, role_codes(places, actors, rules, set(acts))
    acts = role_codes([c for c in tok.children if c.dep_ == "poss"], actors, rules)
    acts += [c for c in role_codes([g for p in prep_objects(tok, frozenset({"by"})) for g in [p]], actors, rules)
             if c not in acts]
    targets = role_codes(prep_objects(tok, frozenset({"to", "in"})), actors, rules, set(acts))
    mods = [c for c in tok.children if c.dep_ in ("compound", "amod", "nmod")]
    verb = first_verb(governing_chain(tok)[0][1:])
    if not acts and verb is not None and verb.lemma_.lower() in rules.diplomacy["hosting_verbs"]:
        # "Nyusi welcomes Kagame to Pemba for a working visit": the object visits the subject
        acts = role_codes([c for c in verb.children if c.dep_ == "dobj"], actors, rules)
        targets = targets or role_codes(subject_of(verb), actors, rules, set(acts))
    if not acts and verb is not None:
        acts = role_codes([s for s in subject_of(verb) if s != tok], actors, rules, set(targets))
    for code in role_codes(mods, actors, rules, set(acts) | set(targets)):
        (targets if acts and code not in acts else acts).append(code)
    if not targets and verb is not None and lem in ("visit", "trip", "tour"):
        targets = role_codes(prep_objects(verb, frozenset({"to", "in"})), actors, rules, set(acts))
    if not targets and lem in ("tour", "trip"):
        targets = role_codes(prep_objects(tok, frozenset({"of", "through", "across"})), actors, rules, set(acts))
    return acts, [t for t in targets if t not in acts]


def places_in(sent: Span, actors: ActorIndex, exclude: set[str]) -> list[str]:
    """Codes of place names (GPE) in the sentence, else in the dateline (the article's first words):
    the host when the text names no destination."""
    found = codes_in([t for t in sent if t.ent_type_ == "GPE"], actors, exclude)
    if not found:
        head = sent.doc[: min(len(sent.doc), 12)]
        found = codes_in([t for t in head if t.ent_type_ in ("GPE", "ORG") and t.is_upper], actors, exclude)[:1]
    return found


def directed_roles(tok: Token, actors: ActorIndex, rules: Rules) -> tuple[list[str], list[str]]:
    if tok.lemma_.lower() in ("mediator", "mediators") or tok.lower_ == "mediators":
        # the mediators are named by their own phrase; the parties are the rest of the clause
        acts = role_codes([tok], actors, rules)
        top = governing_chain(tok)[0][-1]
        return acts, codes_in(top.subtree, actors, set(acts))
    verb = tok if tok.pos_ == "VERB" else first_verb(governing_chain(tok)[0][1:])
    acts = role_codes([c for c in tok.children if c.dep_ == "poss"], actors, rules)
    if verb is not None and not acts:
        acts = role_codes([s for s in subject_of(verb) if s != tok], actors, rules)
    objs = [c for c in (verb or tok).children if c.dep_ in ("dobj", "dative", "nsubjpass")]
    objs += prep_objects(verb or tok, frozenset({"from", "to", "with", "between", "in", "of"}))
    targets = role_codes(objs, actors, rules, set(acts), full=True)
    if not targets:
        targets = role_codes([c for c in tok.children if c != tok], actors, rules, set(acts))
    return acts, targets


def other_act_roles(tok: Token, actors: ActorIndex, rules: Rules) -> tuple[list[str], list[str]]:
    """Doer -> recipient of an `other` act: the subject (or the owner of a noun) acts on the states named
    in its objects ("Algeria cut ties with Morocco", "Britain summoned the Russian ambassador"). A body
    that expels a member is the actor and the member the target. Parties joined as one subject
    ("Iran and Saudi Arabia restored ties") are all actors."""
    body = expelling_body(tok, actors, rules)
    if body is not None:
        members = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")]
        return [body], role_codes(members, actors, rules, {body}, firms=False)
    if tok.pos_ == "VERB":
        acts = role_codes(agent_of(tok) or subject_of(tok), actors, rules, firms=False)
        objs = act_objects(tok, rules) + prep_objects(tok, frozenset({"to", "against", "with", "from"}))
    else:
        verb = first_verb(governing_chain(tok)[0][1:])
        owner = [c for c in tok.children if c.dep_ == "poss"]
        acts = role_codes(owner or (subject_of(verb) if verb is not None else []), actors, rules, firms=False)
        objs = [c for c in tok.children if c.dep_ in ("prep", "compound", "acl")]
    targets = role_codes(objs, actors, rules, set(acts), firms=False, full=True)
    if not acts and tok.pos_ == "NOUN" and len(targets) >= 2:
        return targets, []  # "the breakdown in relations between Kenya and Somalia": both parties act
    return acts, targets


def participants(tok: Token, sent: Span, actors: ActorIndex, rules: Rules) -> list[str]:
    """Parties of a symmetric event: codes in the governing clause, else in the sentence."""
    chain, _ = governing_chain(tok)
    top = chain[-1]
    codes = role_codes([top], actors, rules, firms=False)
    if len(codes) < 2 and not any(c in rules.igo_codes for c in codes):
        codes += [c for c in codes_in([t for t in sent if not actors.tok_firm[t.i]], actors) if c not in codes]
    return codes
