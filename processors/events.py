"""Sanction and diplomacy event mentions from a parsed document (dependency rules over lexicons).

Each detector returns `Mention`s: one per trigger, with roles and certainty. Merging mentions of the
same occurrence into events happens in `processors.merge`."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from processors.actors import ActorIndex
from processors.modality import certainty_with_reason
from processors.other_acts import accession_body, act_objects, expelling_body, is_diplomatic_drive, is_other_act
from processors.rules import Rules
from processors.sanction_acts import relief_noun, verb_object_subtype
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

_TARGET_PREPS = frozenset({"on", "against", "upon", "to", "towards"})
_SYMMETRIC = frozenset({"meeting_or_talks", "summit", "phone_call", "agreement_signed", "negotiation",
                        "joint_statement"})


@dataclass
class EventMention:
    type: str
    subtype: str
    actors: tuple[str, ...]
    targets: tuple[str, ...]
    certainty: str
    trigger: Token
    trigger_span: tuple[int, int]     # token span of the trigger phrase
    sent: Span
    confidence: float
    headline: bool = False            # a compressed title mention: the body decides its certainty
    why: str = ""                     # the modality cue that decided the certainty (for review)
    background: bool = False          # told as an earlier act ("already sanctioned", "had imposed")
    package_part: bool = False        # lists the contents of a package named before ("the measures include ...")
    anaphoric: bool = False           # "the talks", "the meeting": a bare definite that refers back
    proposed: bool = False            # found by the learned proposer, not by a rule
    filled: frozenset[str] = frozenset()  # roles ("actors", "targets") taken from discourse defaults


def _trigger_phrase(tok: Token) -> tuple[int, int]:
    """The trigger with its fixed modifiers ("arms embargo", "peace talks", "emergency meeting")."""
    start = tok.i
    for c in reversed(list(tok.lefts)):
        if c.dep_ in ("compound", "amod") and c.i == start - 1 and not c.ent_type_:
            start = c.i
        else:
            break
    return start, tok.i + 1


def _modifier_tokens(tok: Token) -> list[Token]:
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
    if tok.lower_ == "it" and (tok.head.lemma_ == "be" or any(c.dep_ in ("acomp", "attr") for c in tok.head.children)):
        return None  # expletive "it was better to wait"
    """He/she/his/her -> the nearest person named before; it/its/they -> the nearest state or body
    (not a firm, not a person) named before; within ~60 tokens."""
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


def _role_codes(tokens: list[Token], actors: ActorIndex, rules: Rules, exclude=None,
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


def _context_words(sent: Span, tok: Token, width: int = 6) -> set[str]:
    doc = sent.doc
    lo, hi = max(sent.start, tok.i - width), min(sent.end, tok.i + width + 1)
    return {t.lower_ for t in doc[lo:hi]}


# ---------------------------------------------------------------- sanctions

def _sanction_trigger(tok: Token, rules: Rules) -> str | None:
    """'strong' / 'weak' / 'verb' when `tok` can name a sanction, else None."""
    s = rules.sanction
    lem = tok.lemma_.lower()
    low = tok.lower_
    prev = tok.doc[tok.i - 1].lower_ if tok.i > 0 else ""
    if tok.pos_ == "VERB" and lem in s["verbs"]:
        return "verb"
    if tok.dep_ == "compound" and tok.head.lemma_.lower() not in _SANCTION_HOLDERS:
        return None  # "sanctions fears", "sanctions regime" background, "sanctions expert"
    if tok.pos_ in ("NOUN", "PROPN", "VERB"):
        if lem in s["strong_nouns"] or low in s["strong_nouns"] or f"{prev} {lem}" in s["strong_nouns"]:
            if tok.pos_ == "VERB" and lem not in s["verbs"]:
                return None
            return "strong"
        if lem in s["weak_nouns"] and tok.pos_ == "NOUN":
            return "weak"
    return None


# Nouns that carry a sanction when "sanctions" modifies them ("new sanctions legislation").
_SANCTION_HOLDERS = frozenset({"legislation", "law", "bill", "package", "order", "measure", "resolution",
                               "act", "list", "designation", "program", "programme"})


def _sanction_subtype(tok: Token, verb: Token | None, rules: Rules) -> str:
    s = rules.sanction
    if _headline(tok) and (verb is None or verb.pos_ == "PROPN"):
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


def _sanction_roles(tok: Token, verb: Token | None, kind: str, actors: ActorIndex,
                    rules: Rules) -> tuple[list[str], list[str]]:
    targets: list[str] = []
    acts: list[str] = []
    if kind == "verb":
        # "Washington sanctioned three Iranian firms" / "officials already sanctioned"
        objs = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")]
        if tok.dep_ in ("acl", "amod") and tok.head.pos_ in ("NOUN", "PROPN"):
            objs.append(tok.head)
        targets = _role_codes(objs, actors, rules, full=True)
        subj = [c for c in tok.children if c.dep_ == "nsubj"] + agent_of(tok) or \
            [s for s in subject_of(tok) if s.i != tok.i and s not in objs and s.i not in {o.i for o in objs}]
        acts = _role_codes(subj, actors, rules, firms=False)
        if not acts and any(actors.tok_firm[x.i] for s_ in subj for x in s_.subtree):
            return ["<firm>"], targets
        return acts, targets
    # prepositional targets on the noun, then on the verb
    targets = _role_codes(prep_objects(tok, _TARGET_PREPS), actors, rules, full=True)
    if verb is not None and not targets:
        # not the phrase of the trigger itself: "added to the Commerce Department's entity list"
        own = [o for o in prep_objects(verb, _TARGET_PREPS) if not o.left_edge.i <= tok.i <= o.right_edge.i]
        targets = _role_codes(own, actors, rules, full=True)
        if not targets and verb.lemma_.lower() in ("hit", "target", "punish", "slap", "threaten", "warn"):
            targets = _role_codes([c for c in verb.children if c.dep_ == "dobj" and c != tok], actors, rules)
    if verb is not None:
        subj = subject_of(verb)
        if verb.tag_ == "VBN" and any(c.dep_ in ("auxpass", "agent") for c in verb.children):
            acts = _role_codes(agent_of(verb), actors, rules)
            if not targets:
                targets = _role_codes([s for s in subj if s != tok], actors, rules)
        elif verb.lemma_.lower() in _SUFFER:
            # "Russia faced U.S.-EU sanctions": the subject is the target
            targets = targets or _role_codes([s for s in subj if s != tok], actors, rules)
        else:
            acts = _role_codes([s for s in subj if s != tok], actors, rules, None, firms=False)
            if not acts and subj and any(actors.tok_firm[x.i] for s_ in subj for x in s_.subtree):
                return ["<firm>"], targets  # a company's commercial "sanctions" are not sanctions
    # "curbs imposed by Canada and Japan": a participle on the noun names the actor
    for c in tok.children:
        if c.dep_ in ("acl", "relcl") and c.pos_ == "VERB":
            agent = _role_codes(agent_of(c), actors, rules)
            if agent:
                if tok.head.lower_ == "under" and verb is not None and not targets:
                    # "China remains under an embargo imposed by ...": the subject is the target
                    targets = _role_codes(subject_of(verb), actors, rules)
                acts = agent
            targets = targets or _role_codes(prep_objects(c, _TARGET_PREPS), actors, rules)
    # noun modifiers: "U.S. sanctions" (actor) vs "Iran sanctions" (target)
    for m in _modifier_tokens(tok):
        if m.lower_ in _ABOUT or (m.i + 2 < len(m.doc) and m.doc[m.i + 1].text == "-"
                                  and m.doc[m.i + 2].lower_ in _ABOUT):
            continue  # "Ukraine-related sanctions" are about Ukraine, not on it
        for code in _role_codes([m], actors, rules):
            if code in acts or code in targets:
                continue
            if targets or code in rules.igo_codes or code in _SANCTIONERS:
                acts.append(code)
            else:
                targets.append(code)
    targets = [t for t in targets if t not in acts] or targets
    return acts, targets


_AUTHORISE = frozenset({"face", "risk", "approve", "authorize", "authorise", "ok", "okay", "endorse", "win",
                        "urge", "seek", "consider", "propose", "want", "demand", "recommend"})
_ABOUT = frozenset({"related", "linked", "based", "focused", "era", "style", "specific"})
_SUFFER = frozenset({"face", "risk", "suffer", "get", "receive", "escape", "evade", "endure", "weather"})
_SANCTIONERS = frozenset({"USA", "EU", "UN", "GBR", "CAN", "AUS", "JPN", "CHE", "NATO"})


def _accept_sanction(tok: Token, verb: Token | None, kind: str, sent: Span, rules: Rules) -> bool:
    s = rules.sanction
    ctx = _context_words(sent, tok)
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
    act_verb = vl in s["impose_verbs"] | s["extend_verbs"] | s["lift_verbs"] | s["threat_verbs"] | _AUTHORISE
    mods = {c.lemma_.lower() for c in tok.children if c.dep_ in ("amod", "compound")}
    participle = any(c.dep_ in ("acl", "relcl") and c.lemma_.lower() in s["impose_verbs"] | s["extend_verbs"]
                     for c in tok.children)
    head_noun = tok.head.lemma_.lower() if tok.head != tok else ""
    if kind == "weak":
        return act_verb and vl not in ("face", "risk", "set", "put") and bool(prep_objects(tok, _TARGET_PREPS) or
                                                                             prep_objects(verb, _TARGET_PREPS))
    return (act_verb or participle or bool(mods & s["new_modifiers"]) or head_noun in s["lift_nouns"]
            or head_noun in s["threat_nouns"] or head_noun in ("call", "push", "campaign", "package", "round")
            or _headline(tok) and bool(prep_objects(tok, _TARGET_PREPS) or _modifier_tokens(tok)))


_EARLIER = frozenset({"already", "previously", "earlier", "once", "formerly", "before"})


def _background(tok: Token) -> bool:
    """An act the text tells as earlier than the news: "already sanctioned", "had imposed",
    "has been stepping up", "sanctions imposed in 2014"."""
    verb = tok if tok.pos_ == "VERB" else first_verb(governing_chain(tok)[0][1:])
    for t in [tok] + ([verb] if verb is not None else []):
        kids = list(t.children)
        if any(c.lower_ in _EARLIER and c.dep_ == "advmod" for c in kids):
            return True
        if any(c.lower_ == "had" and c.dep_ == "aux" for c in kids):
            return True
        if t.tag_ == "VBG" and any(c.lower_ == "been" for c in kids):
            return True
    return False


def _headline(tok: Token) -> bool:
    """The first words of an article: its title, or in wire snippets where the parser runs the title
    into the lead, the first dozen words (titles are rarely longer)."""
    if tok.i >= 12:
        return False
    first_end = tok.doc.user_data.get(_FIRST_END)
    if first_end is None:
        first_end = next(iter(tok.doc.sents)).end
        tok.doc.user_data[_FIRST_END] = first_end
    return tok.i < first_end


_FIRST_END = "newsmon_first_sentence_end"


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
        acts, targets = _sanction_roles(tok, verb, kind, actors, rules)
        if acts == ["<firm>"] or (kind == "weak" and not targets):
            continue
        if _headline(tok) and not targets and len(tok.doc) > 30:
            continue  # a telegraphic title naming no target is left to the body, when there is one
        skip = frozenset({"threaten", "warn", "threat"}) if subtype == "threaten" else frozenset()
        certainty, why = certainty_with_reason(tok, sent, rules, skip)
        threat = _threat_governor(tok, rules)
        warner = _role_codes(subject_of(_warner(threat)), actors, rules, firms=False) if threat is not None else []
        warned = _role_codes([c for c in threat.children if c.dep_ == "dobj" and c != tok], actors, rules) \
            if threat is not None else []
        if warner and subtype in ("impose", "extend", "threaten") and not set(warner) & set(warned or targets):
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
                                _trigger_phrase(tok), sent, round(min(conf, 0.95), 2),
                                headline=_headline(tok), why=why, background=_background(tok),
                                package_part=_lists_package(chain)))
    return out


def _implicit_sanction(tok: Token, sent: Span, actors: ActorIndex, rules: Rules) -> EventMention | None:
    """A measure named by verb and object ("froze the assets of", "suspended arms sales to"), or a
    waiver/licence/reprieve granted in a sentence about sanctions (an easing)."""
    subtype = verb_object_subtype(tok, rules)
    if subtype is not None:
        subj = subject_of(tok)
        if any(x.lemma_.lower() in rules.sanction["strong_nouns"] | _PACKAGE_NOUNS for x in subj):
            return None  # "the sanctions ..., freezing any funds": a measure of the package already named
        acts = _role_codes(agent_of(tok) or subj, actors, rules, firms=False)
        objs = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")]
        targets = _role_codes(objs + prep_objects(tok, _TARGET_PREPS), actors, rules, set(acts), full=True)
        if not targets:
            return None  # a freeze or a halt with no foreign target is no sanction ("froze hiring")
    elif relief_noun(tok, sent, rules):
        subtype = "lift_or_ease"
        giver = tok.head if tok.dep_ in ("dobj", "nsubjpass") else \
            next(c for c in tok.children if c.dep_ in ("acl", "relcl"))
        acts = _role_codes(agent_of(giver) or ([] if tok.dep_ == "nsubjpass" else subject_of(giver)),
                           actors, rules, firms=False)
        receivers = prep_objects(giver, frozenset({"to", "for"})) + prep_objects(tok, frozenset({"to", "for"}))
        targets = _role_codes(receivers, actors, rules, set(acts), full=True)
    else:
        return None
    certainty, why = certainty_with_reason(tok, sent, rules)
    conf = 0.65 + (0.1 if acts and targets else 0.0)
    return EventMention("sanction", subtype, tuple(acts), tuple(targets), certainty, tok, _trigger_phrase(tok),
                        sent, round(conf, 2), headline=_headline(tok), why=why, background=_background(tok))


# ---------------------------------------------------------------- diplomacy

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
        if lem in _BROKERING and deals:
            return "agreement_signed"  # "Qatar mediated a truce between ...": the deal was reached
        return rules.diplomacy_verbs.get(lem)
    return None


_BROKERING = frozenset({"broker", "mediate", "negotiate", "facilitate", "arrange"})


def _accept_diplomacy(tok: Token, subtype: str, sent: Span, actors: ActorIndex, rules: Rules) -> bool:
    d = rules.diplomacy
    lem = tok.lemma_.lower()
    # the cues are nouns ("wage talks", "merger deal"); a governing verb is not one ("a deal was struck")
    mods = {c.lemma_.lower() for c in list(tok.children) + [tok.head] if c.pos_ != "VERB"}
    if mods & d["domestic_cues"]:
        return False
    if lem in ("meet", "host") and any(o.lemma_.lower() in _BUSINESS for o in
                                       [c for c in tok.children if c.dep_ == "dobj"]
                                       + prep_objects(tok, frozenset({"with"}))):
        return False  # meeting chief executives, bankers or unions is not diplomacy
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
        ctx = _context_words(sent, tok, 8)
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


_HOSTING = frozenset({"welcome", "host", "receive", "invite", "greet"})
_BUSINESS = frozenset({"executive", "ceo", "chief", "businessman", "businessmen", "banker", "investor",
                       "union", "company", "firm", "industry", "shareholder", "employee", "worker", "reporter",
                       "journalist", "student", "lawmaker", "senator", "governor", "mayor", "supporter", "voter",
                       # a leader meeting troops, crowds or victims is no diplomatic meeting
                       "troop", "troops", "soldier", "sailor", "personnel", "crowd", "resident", "refugee",
                       "victim", "family", "survivor", "veteran", "protester", "activist", "community"})
_NON_OFFICIAL = frozenset({"team", "player", "fan", "tourist", "student", "company", "firm", "investor",
                           "executive", "family", "star", "band", "athlete", "pilgrim", "worker", "crew",
                           "squad", "club", "artist", "singer", "actor", "scientist", "ceo", "buyer"})


def _agree_is_agreement(tok: Token, actors: ActorIndex, rules: Rules) -> bool:
    """"Pakistan and India agreed to reopen a rail link": two parties agree on a joint course.

    Not when what they agree on is itself a sanction (that is the sanction event)."""
    subj = conj_expand(subject_of(tok))
    partners = prep_objects(tok, frozenset({"with"}))
    parties = _role_codes(subj + partners, actors, rules, firms=False)
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
    return not any(h.lemma_.lower() in _NON_OFFICIAL for h in heads)


def _visit_roles(tok: Token, actors: ActorIndex, rules: Rules) -> tuple[list[str], list[str]]:
    lem = tok.lemma_.lower()
    if tok.pos_ == "VERB" or tok.lower_ == "visiting":
        # "visiting Iraqi PM Salih": the participle modifies the visitor, unless it has a subject of its own
        # ("NEW DELHI - Japan's prime minister arrived ...", where the parser hangs the clause on the dateline)
        if tok.dep_ in ("acl", "amod", "compound") and tok.head.pos_ in ("PROPN", "NOUN") \
                and not any(c.dep_ in ("nsubj", "nsubjpass") for c in tok.children):
            acts = _role_codes([tok.head], actors, rules)
        else:
            acts = _role_codes(subject_of(tok), actors, rules)
        places = [c for c in tok.children if c.dep_ == "dobj"]
        places += prep_objects(tok, frozenset({"to", "in", "at"}))
        return acts, _role_codes(places, actors, rules, set(acts))
    acts = _role_codes([c for c in tok.children if c.dep_ == "poss"], actors, rules)
    acts += [c for c in _role_codes([g for p in prep_objects(tok, frozenset({"by"})) for g in [p]], actors, rules)
             if c not in acts]
    targets = _role_codes(prep_objects(tok, frozenset({"to", "in"})), actors, rules, set(acts))
    mods = [c for c in tok.children if c.dep_ in ("compound", "amod", "nmod")]
    verb = first_verb(governing_chain(tok)[0][1:])
    if not acts and verb is not None and verb.lemma_.lower() in _HOSTING:
        # "Nyusi welcomes Kagame to Pemba for a working visit": the object visits the subject
        acts = _role_codes([c for c in verb.children if c.dep_ == "dobj"], actors, rules)
        targets = targets or _role_codes(subject_of(verb), actors, rules, set(acts))
    if not acts and verb is not None:
        acts = _role_codes([s for s in subject_of(verb) if s != tok], actors, rules, set(targets))
    for code in _role_codes(mods, actors, rules, set(acts) | set(targets)):
        (targets if acts and code not in acts else acts).append(code)
    if not targets and verb is not None and lem in ("visit", "trip", "tour"):
        targets = _role_codes(prep_objects(verb, frozenset({"to", "in"})), actors, rules, set(acts))
    if not targets and lem in ("tour", "trip"):
        targets = _role_codes(prep_objects(tok, frozenset({"of", "through", "across"})), actors, rules, set(acts))
    return acts, [t for t in targets if t not in acts]


def _domestic_trip(tok: Token, acts: list[str], actors: ActorIndex) -> bool:
    """True when the places named in the visit's clause all belong to the visitor's own state."""
    top = governing_chain(tok)[0][-1]
    places = codes_in([t for t in top.subtree if t.ent_type_ in ("GPE", "LOC", "FAC")], actors)
    return bool(places) and set(places) <= set(acts)


def _named_places(tok: Token) -> bool:
    """The visit's clause names a place (GPE/LOC/FAC) at all."""
    top = governing_chain(tok)[0][-1]
    return any(t.ent_type_ in ("GPE", "LOC", "FAC") for t in top.subtree)


def _places_in(sent: Span, actors: ActorIndex, exclude: set[str]) -> list[str]:
    """Codes of place names (GPE) in the sentence, else in the dateline (the article's first words):
    the host when the text names no destination."""
    found = codes_in([t for t in sent if t.ent_type_ == "GPE"], actors, exclude)
    if not found:
        head = sent.doc[: min(len(sent.doc), 12)]
        found = codes_in([t for t in head if t.ent_type_ in ("GPE", "ORG") and t.is_upper], actors, exclude)[:1]
    return found


def _directed_roles(tok: Token, actors: ActorIndex, rules: Rules) -> tuple[list[str], list[str]]:
    if tok.lemma_.lower() in ("mediator", "mediators") or tok.lower_ == "mediators":
        # the mediators are named by their own phrase; the parties are the rest of the clause
        acts = _role_codes([tok], actors, rules)
        top = governing_chain(tok)[0][-1]
        return acts, codes_in(top.subtree, actors, set(acts))
    verb = tok if tok.pos_ == "VERB" else first_verb(governing_chain(tok)[0][1:])
    acts = _role_codes([c for c in tok.children if c.dep_ == "poss"], actors, rules)
    if verb is not None and not acts:
        acts = _role_codes([s for s in subject_of(verb) if s != tok], actors, rules)
    objs = [c for c in (verb or tok).children if c.dep_ in ("dobj", "dative", "nsubjpass")]
    objs += prep_objects(verb or tok, frozenset({"from", "to", "with", "between", "in", "of"}))
    targets = _role_codes(objs, actors, rules, set(acts), full=True)
    if not targets:
        targets = _role_codes([c for c in tok.children if c != tok], actors, rules, set(acts))
    return acts, targets


def _other_act_roles(tok: Token, actors: ActorIndex, rules: Rules) -> tuple[list[str], list[str]]:
    """Doer -> recipient of an `other` act: the subject (or the owner of a noun) acts on the states named
    in its objects ("Algeria cut ties with Morocco", "Britain summoned the Russian ambassador"). A body
    that expels a member is the actor and the member the target. Parties joined as one subject
    ("Iran and Saudi Arabia restored ties") are all actors."""
    body = expelling_body(tok, actors, rules)
    if body is not None:
        members = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")]
        return [body], _role_codes(members, actors, rules, {body}, firms=False)
    if tok.pos_ == "VERB":
        acts = _role_codes(agent_of(tok) or subject_of(tok), actors, rules, firms=False)
        objs = act_objects(tok) + prep_objects(tok, frozenset({"to", "against", "with", "from"}))
    else:
        verb = first_verb(governing_chain(tok)[0][1:])
        owner = [c for c in tok.children if c.dep_ == "poss"]
        acts = _role_codes(owner or (subject_of(verb) if verb is not None else []), actors, rules, firms=False)
        objs = [c for c in tok.children if c.dep_ in ("prep", "compound", "acl")]
    targets = _role_codes(objs, actors, rules, set(acts), firms=False, full=True)
    if not acts and tok.pos_ == "NOUN" and len(targets) >= 2:
        return targets, []  # "the breakdown in relations between Kenya and Somalia": both parties act
    return acts, targets


def _bare_definite(tok: Token, actors: ActorIndex, rules: Rules) -> bool:
    """"The talks in the Alps ...", "the meeting": a definite noun naming no party of its own refers to
    an event told before; its parties, read from the rest of the sentence, are not its own."""
    if tok.pos_ != "NOUN" or not any(c.dep_ == "det" and c.lower_ in ("the", "this", "these", "those")
                                     for c in tok.children):
        return False
    own = [c for c in tok.children if c.dep_ in ("poss", "compound", "amod", "nmod", "prep", "acl", "relcl")]
    return not _role_codes(own, actors, rules, full=True)


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


_BLOC_WORDS = frozenset({"bloc", "alliance", "organisation", "organization", "member", "leader", "union",
                         "group", "grouping", "body"})


def _salient_igo(actors: ActorIndex, rules: Rules) -> str | None:
    """The international body the article names most (at least twice), if any."""
    counts: dict[str, int] = {}
    for m in actors.mentions:
        if m.code in rules.igo_codes:
            counts[m.code] = counts.get(m.code, 0) + 1
    best = max(counts, key=counts.get, default=None)
    return best if best and counts[best] >= 2 else None


_TREATY = frozenset({"treaty", "protocol", "convention", "accord", "pact"})


def _has_partner(tok: Token, rules: Rules) -> bool:
    """A one-state agreement or negotiation still counts with a named counterpart or a treaty:
    "negotiating with other Gulf countries", "Russia's signing of the Kyoto treaty", "peace talks"."""
    d = rules.diplomacy
    words = {c.lemma_.lower() for c in tok.subtree} | {tok.lemma_.lower()}
    if prep_objects(tok, frozenset({"with"})) or words & _TREATY:
        return True
    return bool({c.lemma_.lower() for c in tok.children} & d["negotiation_modifiers"])


def _participants(tok: Token, sent: Span, actors: ActorIndex, rules: Rules) -> list[str]:
    """Parties of a symmetric event: codes in the governing clause, else in the sentence."""
    chain, _ = governing_chain(tok)
    top = chain[-1]
    codes = _role_codes([top], actors, rules, firms=False)
    if len(codes) < 2 and not any(c in rules.igo_codes for c in codes):
        codes += [c for c in codes_in([t for t in sent if not actors.tok_firm[t.i]], actors) if c not in codes]
    return codes


def detect_diplomacy(sent: Span, actors: ActorIndex, rules: Rules,
                     candidates: list[Token] | None = None) -> list[EventMention]:
    out: list[EventMention] = []
    for tok in (sent if candidates is None else candidates):
        by_object = is_other_act(tok, actors, rules) or is_diplomatic_drive(tok, rules)
        body = accession_body(tok, actors, rules)
        if body is not None:
            subtype = "agreement_signed"
            acts = _role_codes(subject_of(tok), actors, rules, {body}, firms=False) + [body]
            targets = []
        elif by_object:
            subtype = "other"
            acts, targets = _other_act_roles(tok, actors, rules)
            if not acts:
                continue  # the doer must be a state or an international body
            if not targets and any(o.lemma_.lower() in rules.diplomacy["other_needs_recipient"]
                                   for o in act_objects(tok)):
                continue  # a letter or a complaint is diplomatic only when addressed to another party
        else:
            subtype = _diplomacy_subtype(tok, rules)
            if subtype is None or not _accept_diplomacy(tok, subtype, sent, actors, rules):
                continue
        if by_object or body is not None:
            pass
        elif subtype in _SYMMETRIC:
            parts = _participants(tok, sent, actors, rules)
            igo = any(p in rules.igo_codes for p in parts)
            if not igo and len(parts) < 2 and subtype in ("summit", "joint_statement", "meeting_or_talks") \
                    and any(t.lemma_.lower() in _BLOC_WORDS for t in tok.subtree) or \
                    not igo and len(parts) < 2 and subtype in ("summit", "joint_statement"):
                main_igo = _salient_igo(actors, rules)
                if main_igo:
                    parts, igo = parts + [main_igo], True  # "the bloc's summit": the body the article is about
            if len(parts) < 2 and not igo and not (subtype in ("agreement_signed", "negotiation")
                                                   and _has_partner(tok, rules)):
                continue
            if not parts:
                continue
            if tok.pos_ == "VERB" and tok.lemma_.lower() in _BROKERING and subtype == "agreement_signed":
                mediators = _role_codes(subject_of(tok), actors, rules, firms=False)
                parts = [p for p in parts if p not in mediators] + mediators  # the mediator goes last
            acts, targets = parts, []
        elif subtype == "visit":
            acts, targets = _visit_roles(tok, actors, rules)
            if not acts and not targets:
                continue
            if acts and not targets and _domestic_trip(tok, acts, actors):
                continue  # a leader touring a factory at home is not a visit
            if acts and not targets:
                targets = _places_in(sent, actors, set(acts))
            if acts and not targets and _named_places(tok):
                continue  # places are named but none is a foreign state: a trip at home
        else:
            acts, targets = _directed_roles(tok, actors, rules)
            if not acts and not targets:
                continue
        certainty, why = certainty_with_reason(tok, sent, rules)
        conf = 0.7 + (0.1 if len(acts) + len(targets) >= 2 else 0.0)
        out.append(EventMention("diplomacy", subtype, tuple(acts), tuple(targets), certainty, tok,
                                _trigger_phrase(tok), sent, round(conf, 2), headline=_headline(tok), why=why,
                                background=_background(tok),
                                anaphoric=subtype == "meeting_or_talks" and _bare_definite(tok, actors, rules)))
    return out


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
    _fill_sanction_roles(out, actors, rules)
    return _drop_package_parts(out)


_CONTAINS = frozenset({"include", "comprise", "involve", "contain"})
_PACKAGE_NOUNS = frozenset({"measure", "step", "sanction", "package", "penalty", "action", "option",
                            "countermeasure", "response", "retaliation"})


def _lists_package(chain: list[Token]) -> bool:
    """"The measures include imposing restrictions on ...": the mention spells out a package."""
    return any(t.lemma_.lower() in _CONTAINS and t.pos_ == "VERB"
               and any(c.dep_ == "nsubj" and c.lemma_.lower() in _PACKAGE_NOUNS for c in t.children)
               for t in chain[1:])


def _drop_package_parts(mentions: list[EventMention]) -> list[EventMention]:
    """One announced package is one event (package rule): a mention that lists the contents of a
    sanction package already named, by the same parties, adds no event."""
    out: list[EventMention] = []
    for m in mentions:
        if m.type == "sanction" and m.package_part and any(
                p.type == "sanction" and (set(p.actors) & set(m.actors) or set(p.targets) & set(m.targets))
                for p in out):
            continue
        out.append(m)
    return out


def _fill_sanction_roles(mentions: list[EventMention], actors: ActorIndex, rules: Rules) -> None:
    """Discourse defaults for sanction roles the sentence leaves implicit: the actor of the previous
    sanction mention, and the state the article is most about as the target. Lower confidence."""
    counts: dict[str, int] = {}
    for m in actors.mentions:
        if m.code and len(m.code) == 3 and m.code.isupper():
            counts[m.code] = counts.get(m.code, 0) + 1
    last_actors: tuple[str, ...] = ()
    last_targets: tuple[str, ...] = ()
    for m in mentions:
        if m.type != "sanction":
            continue
        if not m.actors and last_actors and not set(last_actors) & set(m.targets):
            m.actors, m.confidence, m.filled = last_actors, round(m.confidence - 0.15, 2), m.filled | {"actors"}
        elif not m.actors:
            ranked = sorted((c for c in counts if c not in m.targets), key=lambda c: -counts[c])
            if ranked and counts[ranked[0]] >= 2:
                m.actors, m.confidence, m.filled = (ranked[0],), round(m.confidence - 0.25, 2), m.filled | {"actors"}
        if not m.targets and last_targets and not set(last_targets) & set(m.actors):
            m.targets, m.confidence, m.filled = last_targets, round(m.confidence - 0.15, 2), m.filled | {"targets"}
        elif not m.targets:
            ranked = sorted((c for c in counts if c not in m.actors), key=lambda c: -counts[c])
            if ranked:
                m.targets, m.confidence, m.filled = (ranked[0],), round(m.confidence - 0.2, 2), m.filled | {"targets"}
        if m.actors and not m.headline:
            last_actors = m.actors
        if m.targets and not m.headline:
            last_targets = m.targets


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
        acts, targets = _sanction_roles(tok, verb, kind, actors, rules)
        if acts == ["<firm>"]:
            return None
    elif subtype in _SYMMETRIC:
        acts, targets = _participants(tok, sent, actors, rules), []
    elif subtype == "visit":
        acts, targets = _visit_roles(tok, actors, rules)
        if acts and not targets:
            targets = _places_in(sent, actors, set(acts))
    elif subtype == "other":
        acts, targets = _other_act_roles(tok, actors, rules)
    else:
        acts, targets = _directed_roles(tok, actors, rules)
    if not acts and not targets:
        return None
    certainty, why = certainty_with_reason(tok, sent, rules)
    return EventMention(type_, subtype, tuple(acts), tuple(targets), certainty, tok, _trigger_phrase(tok),
                        sent, 0.5, headline=_headline(tok), why=why, background=_background(tok))
