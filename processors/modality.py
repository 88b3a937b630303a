"""Certainty of an event mention: asserted, hypothetical or negated, read from its governing clause."""

from __future__ import annotations

from spacy.tokens import Span, Token

from processors.rules import Rules

_DATE_LABELS = frozenset({"DATE", "TIME"})
_SCHEDULE_VERBS = frozenset({"plan", "schedule", "set", "due", "slate", "arrange", "prepare"})
_AUTHORISED = frozenset({"approve", "authorize", "authorise", "allow", "permit", "sanction", "propose",
                         "plan", "threaten", "recommend", "draft", "consider"})
_STOP = frozenset({"ccomp", "advcl", "relcl", "parataxis", "csubj", "acl"})
# Prepositions that set an event in time or place ("ahead of the summit", "during a visit"): the
# modality of the governing verb is about something else, so the climb stops there.
_ADJUNCT_PREPS = frozenset({"at", "during", "before", "after", "ahead", "since", "until", "amid",
                            "following", "around", "throughout", "within", "prior", "despite",
                            "beyond", "outside", "inside", "near"})


def _has_date(tok: Token) -> bool:
    return any(t.ent_type_ in _DATE_LABELS for t in tok.subtree)


# Nouns naming the people of an event (mediators, envoys) exist whatever the modality of the clause.
_AGENT_NOUNS = frozenset({"mediator", "mediators", "envoy", "envoys", "negotiator", "negotiators"})
# Governors after which an infinitive reports a decided act ("voted to impose", "agreed to extend").
_DECIDED = frozenset({"agree", "vote", "decide", "move", "order", "resolve", "begin", "start", "continue",
                      "act", "choose", "opt", "elect", "go", "come", "travel", "fly", "head", "arrive"})
_HOPE_OBJECTS = frozenset({"hope", "hopes", "wish", "desire", "readiness", "willingness", "interest",
                           "possibility", "prospect", "intention", "plan", "plans", "proposal", "call"})
_NEGATION_NOUNS = frozenset({"delay", "postponement", "cancellation", "collapse", "breakdown", "failure",
                             "refusal", "rejection", "boycott", "absence", "suspension"})


def _modal_chain(trigger: Token) -> tuple[list[Token], Token | None]:
    """The trigger and the words that govern it inside its clause, and the word above the clause.

    Objects, prepositions and infinitives are climbed ("refused to [impose [sanctions]]"); a subject
    climbs only when it is the trigger itself ("talks could resume"); conjuncts and clause links stop
    the climb, so "does not object ... and is negotiating" keeps the negation to its own verb."""
    chain = [trigger]
    cur = trigger
    if trigger.lower_ in _AGENT_NOUNS:
        return chain, None
    while cur.head != cur and len(chain) < 12:
        dep = cur.dep_
        infinitive = dep in ("advcl", "ccomp") and any(c.dep_ == "aux" and c.lower_ == "to" for c in cur.children)
        if (dep in _STOP or dep == "conj") and not infinitive:
            return chain, cur.head  # "pushed to lift" (purpose infinitive) climbs on
        if dep in ("nsubj", "nsubjpass") and cur != trigger:
            return chain, None
        if dep == "prep" and cur.lower_ in _ADJUNCT_PREPS and cur.head.pos_ in ("VERB", "AUX", "ADV"):
            return chain, None
        if dep == "pobj" and cur.head.lower_ == "of" and cur.head.head.lower_ in _ADJUNCT_PREPS:
            return chain, None  # "ahead of the summit"
        cur = cur.head
        chain.append(cur)
    return chain, None


def certainty_with_reason(trigger: Token, sent: Span, rules: Rules,
                          skip_lemmas: frozenset[str] = frozenset()) -> tuple[str, str]:
    """(certainty, the cue that decided it). `skip_lemmas` are cue words that belong to the trigger
    itself (the 'threaten' of a threat)."""
    m = rules.modality
    chain, above = _modal_chain(trigger)
    hyp = ""
    for k, t in enumerate(chain):
        lem = t.lemma_.lower()
        own = k == 0 or lem in skip_lemmas
        for c in t.children:
            cl = c.lower_
            if c.dep_ == "neg" or (c.dep_ == "det" and cl == "no"):
                return "negated", f"{cl} on {t.text}"
            if c.dep_ == "prep" and cl == "without" and not own:
                return "negated", f"without on {t.text}"
            if c.dep_ == "aux" and cl in m["hypothetical_aux"] and c.ent_type_ != "PERSON" and c.tag_ == "MD":
                hyp = hyp or f"{cl} on {t.text}"
            if c.dep_ == "mark" and cl in m["conditional_marks"]:
                hyp = hyp or f"{cl} on {t.text}"
            if c.dep_ in ("amod", "compound") and c.lemma_.lower() in m["hypothetical_adjs"] and k <= 1:
                hyp = hyp or f"{c.text} on {t.text}"
            if k <= 2 and t.pos_ == "NOUN" and c.dep_ == "acl" and c.lemma_.lower() in _AUTHORISED:
                hyp = hyp or f"{c.text} on {t.text}"  # "sanctions approved by the WTO": authorised only
            if c.dep_ == "prt" and f"{lem} {cl}" in m["negation_verbs"]:
                return "negated", f"{lem} {cl}"
        if t.dep_ == "pcomp" and t.head.lower_ in ("toward", "towards"):
            hyp = hyp or "toward"  # "a move toward relaxing the curbs"
        if t.dep_ in ("advcl", "acl", "relcl") and any(c.dep_ == "aux" and c.lower_ == "to" for c in t.children) \
                and not any(c.dep_ in ("nsubj", "nsubjpass") for c in t.children) \
                and t.head.lemma_.lower() not in _DECIDED:
            hyp = hyp or f"purpose {t.text}"  # "efforts to negotiate", "time to finalize a deal"
        if own:
            continue
        if lem in m["negation_verbs"] and t.pos_ in ("VERB", "NOUN"):
            return "negated", lem
        if lem in _NEGATION_NOUNS and t.pos_ == "NOUN" and k <= 3 and lem not in skip_lemmas:
            return "negated", lem
        if t.pos_ in ("VERB", "AUX") and any(c.dep_ == "dobj" and c.lemma_.lower() in _HOPE_OBJECTS
                                            for c in t.children):
            hyp = hyp or f"{t.text} hope"  # "expressed hope for peace talks"
        # title-case headlines tag verbs as proper nouns, so PROPN counts here too
        if t.pos_ in ("VERB", "AUX", "ADJ", "PROPN") and (lem in m["hypothetical_verbs"]
                                                           or lem in m["hypothetical_adjs"]):
            # "plans to visit China next week" is a scheduled act, not a vague plan
            if lem in _SCHEDULE_VERBS and _has_date(t):
                continue
            hyp = hyp or lem
        if t.pos_ in ("NOUN", "PROPN") and lem in m["hypothetical_nouns"] and k <= 3:
            hyp = hyp or lem
    if above is not None:
        lem = above.lemma_.lower()
        if lem in m["negation_verbs"] and chain[-1].dep_ != "conj":
            return "negated", f"above {lem}"
        if chain[-1].dep_ == "conj":
            if any(c.dep_ == "aux" and c.lower_ in m["hypothetical_aux"] for c in above.children) and \
                    not any(c.dep_ in ("nsubj", "nsubjpass", "aux") for c in chain[-1].children):
                hyp = hyp or "conjunct modal"
        elif lem in m["hypothetical_verbs"] and lem not in m["reporting_verbs"] and chain[-1].dep_ in ("ccomp", "acl"):
            hyp = hyp or f"above {lem}"
        elif above.pos_ == "NOUN" and lem in m["hypothetical_nouns"] and chain[-1].dep_ == "acl":
            hyp = hyp or f"above {lem}"
        if any(c.dep_ == "dobj" and c.lemma_.lower() in m["hypothetical_nouns"] for c in above.children) \
                and chain[-1].dep_ == "advcl":
            hyp = hyp or "above object"
    if sent.text.rstrip().endswith("?"):
        hyp = hyp or "question"
    return ("hypothetical", hyp) if hyp else ("asserted", "")


def certainty_of(trigger: Token, sent: Span, rules: Rules, skip_lemmas: frozenset[str] = frozenset()) -> str:
    """Modality cues on the path from the trigger up to its clause head decide; reporting verbs don't."""
    return certainty_with_reason(trigger, sent, rules, skip_lemmas)[0]
