"""Sanction mentions: a trigger noun or verb, its subtype (impose, extend, lift, threaten), its
actors and targets, and the checks that keep regimes told as background and non-state "sanctions" out."""

from __future__ import annotations

from spacy.tokens import Span, Token

from processors.actors import ActorIndex
from processors.discourse import lists_package
from processors.mentions import EventMention, context_words, is_background, is_headline, trigger_phrase
from processors.modality import certainty_with_reason
from processors.roles import modifier_tokens, role_codes
from processors.rules import Rules
from processors.sanction_acts import relief_noun, verb_object_subtype
from processors.syntax import (
    agent_of,
    conj_expand,
    first_verb,
    governing_chain,
    prep_objects,
    subject_of,
)


def _sanction_trigger(tok: Token, rules: Rules) -> str | None:
    """'strong' / 'weak' / 'verb' when `tok` can name a sanction, else None."""
    s = rules.sanction
    lem = tok.lemma_.lower()
    low = tok.lower_
    prev = tok.doc[tok.i - 1].lower_ if tok.i > 0 else ""
    if tok.pos_ == "VERB" and lem in s["verbs"]:
        return "verb"
    # a compound "sanctions" names a sanction only on a noun that can carry one ("new sanctions legislation")
    if tok.dep_ == "compound" and tok.head.lemma_.lower() not in s["compound_holders"]:
        return None  # "sanctions fears", "sanctions regime" background, "sanctions expert"
    if tok.pos_ in ("NOUN", "PROPN", "VERB"):
        if lem in s["strong_nouns"] or low in s["strong_nouns"] or f"{prev} {lem}" in s["strong_nouns"]:
            if tok.pos_ == "VERB" and lem not in s["verbs"]:
                return None
            return "strong"
        if lem in s["weak_nouns"] and tok.pos_ == "NOUN":
            return "weak"
    return None


def _sanction_subtype(tok: Token, verb: Token | None, rules: Rules) -> str:
    s = rules.sanction
    if is_headline(tok) and (verb is None or verb.pos_ == "PROPN"):
        # title case hides verbs from the tagger: "Ottawa Eases Long-Standing Cuba Trade Curbs"
        for t in tok.doc[max(0, tok.i - 5):tok.i]:
            low = t.lemma_.lower() if t.pos_ == "VERB" else t.lower_.rstrip("s")
            if low in s["lift_verbs"]:
                return "lift_or_ease"
            if low in s["extend_verbs"]:
                return "extend"
            if low in ("threaten", "warn"):
                return "threaten"
    mods = {c.lemma_.lower() for c in tok.children}
    head = tok.head.lemma_.lower() if tok.head != tok else ""
    if mods & s["lift_nouns"] or head in s["lift_nouns"]:
        return "lift_or_ease"
    if verb is not None:
        vl = verb.lemma_.lower()
        prt = {c.lower_ for c in verb.children if c.dep_ == "prt"}
        if vl in s["lift_verbs"] and not (vl in ("draw", "roll") and not prt & {"down", "back"}):
            return "lift_or_ease"
        if vl in s["extend_verbs"]:
            return "extend"
        if vl in s["threat_verbs"]:
            return "threaten"
        if vl == "face" and any(c.lower_ == "or" for c in verb.doc[max(0, verb.i - 2):verb.i]):
            return "threaten"
    return "impose"


def sanction_roles(tok: Token, verb: Token | None, kind: str, actors: ActorIndex,
                    rules: Rules) -> tuple[list[str], list[str]]:
    targets: list[str] = []
    acts: list[str] = []
    if kind == "verb":
        # "Washington sanctioned three Iranian firms" / "officials already sanctioned"
        objs = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")]
        if tok.dep_ in ("acl", "amod") and tok.head.pos_ in ("NOUN", "PROPN"):
            objs.append(tok.head)
        targets = role_codes(objs, actors, rules, full=True)
        subj = [c for c in tok.children if c.dep_ == "nsubj"] + agent_of(tok) or \
            [s for s in subject_of(tok) if s.i != tok.i and s not in objs and s.i not in {o.i for o in objs}]
        acts = role_codes(subj, actors, rules, firms=False)
        if not acts and any(actors.tok_firm[x.i] for s_ in subj for x in s_.subtree):
            return ["<firm>"], targets
        return acts, targets
    # prepositional targets on the noun, then on the verb
    targets = role_codes(prep_objects(tok, rules.sanction["target_preps"]), actors, rules, full=True)
    if verb is not None and not targets:
        # not the phrase of the trigger itself: "added to the Commerce Department's entity list"
        own = [o for o in prep_objects(verb, rules.sanction["target_preps"])
               if not o.left_edge.i <= tok.i <= o.right_edge.i]
        targets = role_codes(own, actors, rules, full=True)
        if not targets and verb.lemma_.lower() in ("hit", "target", "punish", "slap", "threaten", "warn"):
            targets = role_codes([c for c in verb.children if c.dep_ == "dobj" and c != tok], actors, rules)
    if verb is not None:
        subj = subject_of(verb)
        if verb.tag_ == "VBN" and any(c.dep_ in ("auxpass", "agent") for c in verb.children):
            acts = role_codes(agent_of(verb), actors, rules)
            if not targets:
                targets = role_codes([s for s in subj if s != tok], actors, rules)
        elif verb.lemma_.lower() in rules.sanction["suffer_verbs"]:
            # "Russia faced U.S.-EU sanctions": the subject is the target
            targets = targets or role_codes([s for s in subj if s != tok], actors, rules)
        else:
            acts = role_codes([s for s in subj if s != tok], actors, rules, None, firms=False)
            if not acts and subj and any(actors.tok_firm[x.i] for s_ in subj for x in s_.subtree):
                return ["<firm>"], targets  # a company's commercial "sanctions" are not sanctions
    # "curbs imposed by Canada and Japan": a participle on the noun names the actor
    for c in tok.children:
        if c.dep_ in ("acl", "relcl") and c.pos_ == "VERB":
            agent = role_codes(agent_of(c), actors, rules)
            if agent:
                if tok.head.lower_ == "under" and verb is not None and not targets:
                    # "China remains under an embargo imposed by ...": the subject is the target
                    targets = role_codes(subject_of(verb), actors, rules)
                acts = agent
            targets = targets or role_codes(prep_objects(c, rules.sanction["target_preps"]), actors, rules)
    # noun modifiers: "U.S. sanctions" (actor) vs "Iran sanctions" (target)
    about = rules.sanction["about_modifiers"]
    for m in modifier_tokens(tok):
        if m.lower_ in about or (m.i + 2 < len(m.doc) and m.doc[m.i + 1].text == "-"
                                 and m.doc[m.i + 2].lower_ in about):
            continue  # "Ukraine-related sanctions" are about Ukraine, not on it
        for code in role_codes([m], actors, rules):
            if code in acts or code in targets:
                continue
            if targets or code in rules.igo_codes or code in rules.sanctioners:
                acts.append(code)
            else:
                targets.append(code)
    targets = [t for t in targets if t not in acts] or targets
    return acts, targets


def _accept_sanction(tok: Token, verb: Token | None, kind: str, sent: Span, rules: Rules) -> bool:
    s = rules.sanction
    ctx = context_words(sent, tok)
    if ctx & s["not_sanction_context"]:
        return False
    stated = any(c.dep_ in ("acl", "relcl") and c.lemma_.lower() in s["impose_verbs"] for c in tok.children)
    if tok.head.lower_ in ("under", "breaking", "violating", "evading", "despite") and not stated:
        return False  # background regime ("long under sanctions"), unless the act is stated
    if any(p in sent.text.lower() for p in s["approve_sense"]) and tok.lemma_.lower() == "sanction" \
            and tok.pos_ == "VERB":
        return False
    if tok.i > 0 and tok.doc[tok.i - 1].text == "-":  # "state-sanctioned"
        return False
    if kind == "verb":
        # "X sanctioned Y", "Y was sanctioned", "entities already sanctioned for ..."
        return any(c.dep_ in ("dobj", "nsubjpass", "nsubj") for c in tok.children) or \
            tok.dep_ in ("acl", "amod", "advcl", "relcl", "conj", "ROOT")
    vl = verb.lemma_.lower() if verb is not None else ""
    act_verb = vl in s["impose_verbs"] | s["extend_verbs"] | s["lift_verbs"] | s["threat_verbs"] | s["authorise_verbs"]
    mods = {c.lemma_.lower() for c in tok.children if c.dep_ in ("amod", "compound")}
    participle = any(c.dep_ in ("acl", "relcl") and c.lemma_.lower() in s["impose_verbs"] | s["extend_verbs"]
                     for c in tok.children)
    head_noun = tok.head.lemma_.lower() if tok.head != tok else ""
    if kind == "weak":
        return act_verb and vl not in ("face", "risk", "set", "put") and bool(prep_objects(tok, s["target_preps"]) or
                                                                             verb is not None and
                                                                             prep_objects(verb, s["target_preps"]))
    return (act_verb or participle or bool(mods & s["new_modifiers"]) or head_noun in s["lift_nouns"]
            or head_noun in s["threat_nouns"] or head_noun in ("call", "push", "campaign", "package", "round")
            or is_headline(tok) and bool(prep_objects(tok, s["target_preps"]) or modifier_tokens(tok)))


def detect_sanctions(sent: Span, actors: ActorIndex, rules: Rules,
                     candidates: list[Token] | None = None) -> list[EventMention]:
    out: list[EventMention] = []
    used: set[int] = set()
    for tok in (sent if candidates is None else candidates):
        implicit = _implicit_sanction(tok, sent, actors, rules)
        if implicit is not None:
            out.append(implicit)
            continue
        kind = _sanction_trigger(tok, rules)
        if kind is None or tok.i in used:
            continue
        chain, _ = governing_chain(tok)
        verb = tok if kind == "verb" else first_verb(chain[1:])
        if not _accept_sanction(tok, verb, kind, sent, rules):
            continue
        subtype = "impose" if kind == "verb" else _sanction_subtype(tok, verb, rules)
        acts, targets = sanction_roles(tok, verb, kind, actors, rules)
        if acts == ["<firm>"] or (kind == "weak" and not targets):
            continue
        if is_headline(tok) and not targets and len(tok.doc) > 30:
            continue  # a telegraphic title naming no target is left to the body, when there is one
        skip = frozenset({"threaten", "warn", "threat"}) if subtype == "threaten" else frozenset()
        certainty, why = certainty_with_reason(tok, sent, rules, skip)
        threat = _threat_governor(tok, rules)
        warner = role_codes(subject_of(_warner(threat)), actors, rules, firms=False) if threat is not None else []
        warned = role_codes([c for c in threat.children if c.dep_ == "dobj" and c != tok], actors, rules) \
            if threat is not None else []
        if threat is not None and warner and subtype in ("impose", "extend", "threaten") \
                and not set(warner) & set(warned or targets):
            # an explicit warning by one party to another is itself the act, asserted once made;
            # a government lawyer warning his own state of sanctions is not a threat
            subtype = "threaten"
            certainty, why = certainty_with_reason(_warner(threat), sent, rules)
            acts, targets = warner, warned or targets
        head = tok.head.lemma_.lower()
        if subtype == "impose" and head in rules.sanction["threat_nouns"] and certainty == "asserted":
            owner = [c for c in tok.head.children if c.dep_ == "poss"]
            if owner:
                subtype = "threaten"
            else:
                certainty = "hypothetical"
        for c in conj_expand([tok]):
            used.add(c.i)
        conf = 0.8 if kind != "weak" else 0.55
        conf += 0.1 if acts and targets else (-0.1 if not targets else 0.0)
        out.append(EventMention("sanction", subtype, tuple(acts), tuple(targets), certainty, tok,
                                trigger_phrase(tok), sent, round(min(conf, 0.95), 2),
                                headline=is_headline(tok), why=why, background=is_background(tok, rules),
                                package_part=lists_package(chain, rules)))
        if not (subtype == "impose" and certainty == "asserted"):
            out.extend(_nested_acts(tok, acts, targets, sent, actors, rules))
    return out


NESTED = "nested earlier act"  # the `why` of such a mention


def _nested_acts(tok: Token, acts: list[str], targets: list[str], sent: Span, actors: ActorIndex,
                 rules: Rules) -> list[EventMention]:
    """The earlier act that a past participle or relative clause on the sanction noun states, apart
    from the mention's own act and modality: "would waive the curbs [imposed] by Quito on Lima",
    "to restore the duties that Oslo [had eased]". Its parties are its own agent or subject and
    target, else the mention's."""
    s = rules.sanction
    out = []
    for c in tok.children:
        lem = c.lemma_.lower()
        if c.dep_ not in ("acl", "relcl") or c.pos_ != "VERB" or c.tag_ not in ("VBN", "VBD"):
            continue
        subtype = "impose" if lem in s["impose_verbs"] else ("lift_or_ease" if lem in s["lift_verbs"] else None)
        if subtype is None or any(a.dep_ in ("aux", "neg") and (a.tag_ == "MD" or a.dep_ == "neg") for a in c.children):
            continue
        doers = agent_of(c) or [a for a in c.children if a.dep_ == "nsubj" and a.lower_ not in ("that", "which")]
        by = role_codes(doers, actors, rules, firms=False) or list(acts)
        on = role_codes(prep_objects(c, s["target_preps"]), actors, rules) or list(targets)
        if not by and not on:
            continue
        out.append(EventMention("sanction", subtype, tuple(by), tuple(on), "asserted", c, trigger_phrase(c), sent,
                                0.7, headline=is_headline(c), why=NESTED,
                                background=is_background(c, rules)))
    return out


def _implicit_sanction(tok: Token, sent: Span, actors: ActorIndex, rules: Rules) -> EventMention | None:
    """A measure named by verb and object ("froze the assets of", "suspended arms sales to"), or a
    waiver/licence/reprieve granted in a sentence about sanctions (an easing)."""
    subtype = verb_object_subtype(tok, rules)
    if subtype is not None:
        subj = subject_of(tok)
        if any(x.lemma_.lower() in rules.sanction["strong_nouns"] | rules.sanction["package_nouns"] for x in subj):
            return None  # "the sanctions ..., freezing any funds": a measure of the package already named
        acts = role_codes(agent_of(tok) or subj, actors, rules, firms=False)
        objs = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")]
        targets = role_codes(objs + prep_objects(tok, rules.sanction["target_preps"]), actors, rules, set(acts),
                             full=True)
        if not targets:
            return None  # a freeze or a halt with no foreign target is no sanction ("froze hiring")
    elif relief_noun(tok, sent, rules):
        subtype = "lift_or_ease"
        giver = tok.head if tok.dep_ in ("dobj", "nsubjpass") else \
            next(c for c in tok.children if c.dep_ in ("acl", "relcl"))
        acts = role_codes(agent_of(giver) or ([] if tok.dep_ == "nsubjpass" else subject_of(giver)),
                           actors, rules, firms=False)
        receivers = prep_objects(giver, frozenset({"to", "for"})) + prep_objects(tok, frozenset({"to", "for"}))
        targets = role_codes(receivers, actors, rules, set(acts), full=True)
    else:
        return None
    certainty, why = certainty_with_reason(tok, sent, rules)
    conf = 0.65 + (0.1 if acts and targets else 0.0)
    return EventMention("sanction", subtype, tuple(acts), tuple(targets), certainty, tok, trigger_phrase(tok),
                        sent, round(conf, 2), headline=is_headline(tok), why=why, background=is_background(tok, rules))


def _threat_governor(tok: Token, rules: Rules) -> Token | None:
    """The threatening word above a sanction: "threatened to impose sanctions", "warned Caracas it
    could face sanctions", "vowed to sanction", "is ready to put its firms on a blacklist"."""
    chain, above = governing_chain(tok)
    for t in chain[1:] + ([above] if above is not None else []):
        lem = t.lemma_.lower()
        if t.pos_ == "VERB" and lem in rules.sanction["threat_verbs"] or \
                t.pos_ == "ADJ" and lem in rules.sanction["threat_adjs"] and t.dep_ == "acomp":
            return t
    return None


def _warner(threat: Token) -> Token:
    """The word whose subject makes the threat: the verb itself, or the copula of "is ready to"."""
    return threat.head if threat.pos_ == "ADJ" else threat
