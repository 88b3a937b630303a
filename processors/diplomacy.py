"""Diplomacy mentions: a trigger and its subtype, the checks that tell a diplomatic occurrence from a
domestic, habitual or generic one, and its parties (symmetric events, visits, directed and `other` acts)."""

from __future__ import annotations

from spacy.tokens import Span, Token

from processors.actors import ActorIndex
from processors.discourse import bare_definite
from processors.mentions import EventMention, context_words, is_background, is_headline, trigger_phrase
from processors.modality import certainty_with_reason
from processors.other_acts import accession_body, act_objects, is_diplomatic_drive, is_other_act
from processors.roles import directed_roles, other_act_roles, participants, places_in, role_codes, visit_roles
from processors.rules import Rules
from processors.syntax import (
    codes_in,
    conj_expand,
    first_verb,
    governing_chain,
    prep_objects,
    subject_of,
)

SYMMETRIC = frozenset({"meeting_or_talks", "summit", "phone_call", "agreement_signed", "negotiation",
                        "joint_statement"})


def _diplomacy_subtype(tok: Token, rules: Rules) -> str | None:
    d = rules.diplomacy
    lem = tok.lemma_.lower()
    low = tok.lower_
    prev = tok.doc[tok.i - 1].lower_ if tok.i > 0 else ""
    children = {c.lemma_.lower() for c in tok.children}
    if tok.pos_ in ("NOUN", "PROPN"):
        sub = rules.diplomacy_nouns.get(f"{prev} {low}") or rules.diplomacy_nouns.get(f"{prev} {lem}")
        sub = sub or rules.diplomacy_nouns.get(low) or rules.diplomacy_nouns.get(lem)
        if sub is None:
            return None
        if lem == "talk" and low != "talks" and tok.tag_ != "NNS":
            return None
        if sub == "meeting_or_talks" and (children | {prev}) & d["negotiation_modifiers"]:
            return "negotiation"
        if sub == "meeting_or_talks" and tok.head.lemma_.lower() in d["negotiation_governors"]:
            return "negotiation"
        return sub
    if tok.lower_ == "visiting" and tok.dep_ in ("amod", "acl", "compound") and tok.head.pos_ in ("PROPN", "NOUN"):
        return "visit"  # "visiting Chilean Foreign Minister Ana Ruiz told ..."
    if tok.pos_ == "VERB" and lem in ("speak", "address"):
        # "spoke at the UN General Assembly": taking part in an IGO session
        venues = prep_objects(tok, frozenset({"at", "before", "to"})) + [c for c in tok.children if c.dep_ == "dobj"]
        if any(t.ent_type_ in ("ORG", "FAC", "EVENT") and t.pos_ == "PROPN" for v in venues for t in v.subtree):
            return "meeting_or_talks"
    if tok.pos_ == "VERB":
        deals = [c for c in tok.children if c.dep_ == "dobj"
                 and rules.diplomacy_nouns.get(c.lemma_.lower()) == "agreement_signed"]
        if lem in rules.diplomacy["brokering_verbs"] and deals:
            return "agreement_signed"  # "Qatar mediated a truce between ...": the deal was reached
        return rules.diplomacy_verbs.get(lem)
    return None


def _accept_diplomacy(tok: Token, subtype: str, sent: Span, actors: ActorIndex, rules: Rules) -> bool:
    d = rules.diplomacy
    lem = tok.lemma_.lower()
    # the cues are nouns ("wage talks", "merger deal"); a governing verb is not one ("a deal was struck")
    mods = {c.lemma_.lower() for c in list(tok.children) + [tok.head] if c.pos_ != "VERB"}
    if mods & d["domestic_cues"]:
        return False
    if lem in ("meet", "host") and any(o.lemma_.lower() in d["business_nouns"] for o in
                                       [c for c in tok.children if c.dep_ == "dobj"]
                                       + prep_objects(tok, frozenset({"with"}))):
        return False  # meeting chief executives, bankers, unions, troops or crowds is not diplomacy
    if any(c.lower_ == "times" and c.dep_ == "npadvmod" for c in tok.children) or \
            (tok.tag_ == "NNS" and tok.head.lower_ == "as" and tok.head.head.lower_ != "such" and False) or \
            (tok.tag_ == "NNS" and tok.dep_ == "pobj" and tok.head.lower_ == "as"
             and tok.head.i > 0 and tok.doc[tok.head.i - 1].lower_ == "such"):
        return False  # habitual ("met him several times") or generic ("meetings such as APEC summits")
    if tok.tag_ == "NNS" and any(c.dep_ == "prep" and c.lower_ == "as" and c.i > 0 and c.doc[c.i - 1].lower_ == "such"
                                 for c in tok.children):
        return False  # a kind, not an occurrence: "international meetings such as APEC's"
    if lem == "talk" and any(c.dep_ == "prep" and c.lower_ in ("of", "about") for c in tok.children):
        return False  # "talks of war crimes": speaks of
    if tok.head.lower_ in ("under", "despite", "violating", "breaching") and tok.dep_ == "pobj":
        return False  # background framework: "under an agreement with the UN"
    verb = first_verb(governing_chain(tok)[0][1:]) if tok.pos_ != "VERB" else tok
    vl = verb.lemma_.lower() if verb is not None else ""
    objs = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass", "pobj")]
    obj_lemmas = {o.lemma_.lower() for o in objs}
    if subtype == "agreement_signed":
        if tok.pos_ == "VERB":
            if lem == "agree":
                return _agree_is_agreement(tok, actors, rules)
            if lem == "join":
                return any(actors.code_at(o.i) in rules.igo_codes for o in objs)
            return bool(obj_lemmas & set(rules.diplomacy_nouns)) or lem in ("ratify", "accede", "broker")
        if lem in ("signing", "accession"):
            return True
        part = any(c.dep_ in ("acl", "relcl") and c.lemma_.lower() in d["agreement_verbs"] for c in tok.children)
        return vl in d["agreement_verbs"] or part or tok.sent.start == 0 and tok.i < 15 and vl == ""
    if subtype == "visit":
        if not _official_visitor(tok, actors, rules):
            return False
        if tok.pos_ == "VERB" and lem in ("travel", "fly", "head", "land", "arrive"):
            preps = {"arrive": ("in", "at"), "land": ("in", "at")}.get(lem, ("to",))
            places = prep_objects(tok, frozenset(preps))
            return bool(places) and bool(codes_in([t for p in places for t in p.subtree], actors))
        if lem == "stop" and not prep_objects(tok, frozenset({"in"})):
            return False
        return True
    if subtype == "phone_call":
        ctx = context_words(sent, tok, 8)
        if lem in ("call", "speak", "talk") or tok.lower_ == "call":
            if not ctx & d["phone_cues"] and lem not in ("conversation",):
                return False
        return True
    if subtype == "envoy_expelled_or_recalled":
        if tok.pos_ == "VERB":
            return any(o.lemma_.lower() in d["envoy_nouns"] for o in conj_expand(objs))
        return True
    if subtype == "joint_statement":
        return lem in ("communique", "communiqué") or any(c.lower_ == "joint" for c in tok.children) \
            or tok.i > 0 and tok.doc[tok.i - 1].lower_ == "joint"
    if subtype == "other":
        if lem in ("withdrawal", "exit"):
            froms = prep_objects(tok, frozenset({"from"}))
            return any(f.lemma_.lower() in rules.diplomacy_nouns or actors.code_at(f.i) for f in froms)
        if lem in ("summon",):
            return any(o.lemma_.lower() in d["envoy_nouns"] for o in objs)
        if lem in ("sever",):
            return bool(obj_lemmas & {"tie", "relation", "relations", "ties"})
        return lem in ("mediate", "mediation", "mediator", "mediators")
    if subtype == "meeting_or_talks" and lem in ("host",):
        return any(actors.code_at(o.i) for o in objs)
    return True


def _agree_is_agreement(tok: Token, actors: ActorIndex, rules: Rules) -> bool:
    """"Pakistan and India agreed to reopen a rail link": two parties agree on a joint course.

    Not when what they agree on is itself a sanction (that is the sanction event)."""
    subj = conj_expand(subject_of(tok))
    partners = prep_objects(tok, frozenset({"with"}))
    parties = role_codes(subj + partners, actors, rules, firms=False)
    what = [c for c in tok.children if c.dep_ in ("xcomp", "dobj", "ccomp")]
    if not what or len(parties) < 2:
        return False
    sanction_words = rules.sanction["strong_nouns"] | rules.sanction["weak_nouns"]
    tentative = rules.modality["hypothetical_verbs"] | {"arrange", "work", "explore", "study"}
    diplomacy = set(rules.diplomacy_nouns)
    for t in (t for w in what for t in w.subtree):
        lem = t.lemma_.lower()
        # agreeing to sanction, to try something, or to hold talks is another event, not an accord
        if lem in sanction_words or lem in tentative or (lem in diplomacy and t.pos_ == "NOUN"):
            return False
    return True


def _official_visitor(tok: Token, actors: ActorIndex, rules: Rules) -> bool:
    """Visits count between officials: a team's or a firm's trip is not diplomacy."""
    verb = tok if tok.pos_ == "VERB" else first_verb(governing_chain(tok)[0][1:])
    heads = [c for c in tok.children if c.dep_ == "poss"]
    if verb is not None:
        heads += subject_of(verb)
    if tok.dep_ == "acl":
        heads.append(tok.head)
    return not any(h.lemma_.lower() in rules.diplomacy["non_official_nouns"] for h in heads)


def _domestic_trip(tok: Token, acts: list[str], actors: ActorIndex) -> bool:
    """True when the places named in the visit's clause all belong to the visitor's own state."""
    top = governing_chain(tok)[0][-1]
    places = codes_in([t for t in top.subtree if t.ent_type_ in ("GPE", "LOC", "FAC")], actors)
    return bool(places) and set(places) <= set(acts)


def _named_places(tok: Token) -> bool:
    """The visit's clause names a place (GPE/LOC/FAC) at all."""
    top = governing_chain(tok)[0][-1]
    return any(t.ent_type_ in ("GPE", "LOC", "FAC") for t in top.subtree)


def _salient_igo(actors: ActorIndex, rules: Rules) -> str | None:
    """The international body the article names most (at least twice), if any."""
    counts: dict[str, int] = {}
    for m in actors.mentions:
        if m.code in rules.igo_codes:
            counts[m.code] = counts.get(m.code, 0) + 1
    best = max(counts, key=lambda c: counts[c], default=None)
    return best if best and counts[best] >= 2 else None


def _has_partner(tok: Token, rules: Rules) -> bool:
    """A one-state agreement or negotiation still counts with a named counterpart or a treaty:
    "negotiating with other Gulf countries", "Russia's signing of the Kyoto treaty", "peace talks"."""
    d = rules.diplomacy
    words = {c.lemma_.lower() for c in tok.subtree} | {tok.lemma_.lower()}
    if prep_objects(tok, frozenset({"with"})) or words & d["treaty_nouns"]:
        return True
    return bool({c.lemma_.lower() for c in tok.children} & d["negotiation_modifiers"])


def detect_diplomacy(sent: Span, actors: ActorIndex, rules: Rules,
                     candidates: list[Token] | None = None) -> list[EventMention]:
    out: list[EventMention] = []
    for tok in (sent if candidates is None else candidates):
        by_object = is_other_act(tok, actors, rules) or is_diplomatic_drive(tok, rules)
        body = accession_body(tok, actors, rules)
        if body is not None:
            subtype = "agreement_signed"
            acts = role_codes(subject_of(tok), actors, rules, {body}, firms=False) + [body]
            targets: list[str] = []
        elif by_object:
            subtype = "other"
            acts, targets = other_act_roles(tok, actors, rules)
            if not acts:
                continue  # the doer must be a state or an international body
            if not targets and any(o.lemma_.lower() in rules.diplomacy["other_needs_recipient"]
                                   for o in act_objects(tok, rules)):
                continue  # a letter or a complaint is diplomatic only when addressed to another party
        else:
            found = _diplomacy_subtype(tok, rules)
            if found is None or not _accept_diplomacy(tok, found, sent, actors, rules):
                continue
            subtype = found
        if by_object or body is not None:
            pass
        elif subtype in SYMMETRIC:
            parts = participants(tok, sent, actors, rules)
            igo = any(p in rules.igo_codes for p in parts)
            if not igo and len(parts) < 2 and subtype in ("summit", "joint_statement", "meeting_or_talks") \
                    and any(t.lemma_.lower() in rules.diplomacy["bloc_words"] for t in tok.subtree) or \
                    not igo and len(parts) < 2 and subtype in ("summit", "joint_statement"):
                main_igo = _salient_igo(actors, rules)
                if main_igo:
                    parts, igo = parts + [main_igo], True  # "the bloc's summit": the body the article is about
            if len(parts) < 2 and not igo and not (subtype in ("agreement_signed", "negotiation")
                                                   and _has_partner(tok, rules)):
                continue
            if not parts:
                continue
            if tok.pos_ == "VERB" and tok.lemma_.lower() in rules.diplomacy["brokering_verbs"] \
                    and subtype == "agreement_signed":
                mediators = role_codes(subject_of(tok), actors, rules, firms=False)
                parts = [p for p in parts if p not in mediators] + mediators  # the mediator goes last
            acts, targets = parts, []
        elif subtype == "visit":
            acts, targets = visit_roles(tok, actors, rules)
            if not acts and not targets:
                continue
            if acts and not targets and _domestic_trip(tok, acts, actors):
                continue  # a leader touring a factory at home is not a visit
            if acts and not targets:
                targets = places_in(sent, actors, set(acts))
            if acts and not targets and _named_places(tok):
                continue  # places are named but none is a foreign state: a trip at home
        else:
            acts, targets = directed_roles(tok, actors, rules)
            if not acts and not targets:
                continue
        certainty, why = certainty_with_reason(tok, sent, rules)
        conf = 0.7 + (0.1 if len(acts) + len(targets) >= 2 else 0.0)
        out.append(EventMention("diplomacy", subtype, tuple(acts), tuple(targets), certainty, tok,
                                trigger_phrase(tok), sent, round(conf, 2), headline=is_headline(tok), why=why,
                                background=is_background(tok, rules),
                                anaphoric=subtype == "meeting_or_talks" and bare_definite(tok, actors, rules)))
    return out
