"""Certainty of an event mention: asserted, hypothetical or negated, read from its governing clause."""

from __future__ import annotations

from spacy.tokens import Span, Token

from processors.rules import Rules

_DATE_LABELS = frozenset({"DATE", "TIME"})
_STOP = frozenset({"ccomp", "advcl", "relcl", "parataxis", "csubj", "acl"})


def _has_date(tok: Token) -> bool:
    return any(t.ent_type_ in _DATE_LABELS for t in tok.subtree)


def _modal_chain(trigger: Token, rules: Rules) -> tuple[list[Token], Token | None]:
    """The trigger and the words that govern it inside its clause, and the word above the clause.

    Objects, prepositions and infinitives are climbed ("refused to [impose [sanctions]]"); a subject
    climbs only when it is the trigger itself ("talks could resume"); conjuncts and clause links stop
    the climb, so "does not object ... and is negotiating" keeps the negation to its own verb."""
    m = rules.modality
    chain = [trigger]
    cur = trigger
    if trigger.lower_ in m["agent_nouns"]:  # the people of an event (mediators) exist whatever the modality
        return chain, None
    while cur.head != cur and len(chain) < 12:
        dep = cur.dep_
        infinitive = dep in ("advcl", "ccomp") and any(c.dep_ == "aux" and c.lower_ == "to" for c in cur.children)
        if (dep in _STOP or dep == "conj") and not infinitive:
            return chain, cur.head  # "pushed to lift" (purpose infinitive) climbs on
        if dep in ("nsubj", "nsubjpass") and cur != trigger:
            return chain, None
        # a preposition that sets the event in time or place ("during a visit") ends the climb: the
        # modality of the verb above it is about something else
        if dep == "prep" and cur.lower_ in m["adjunct_preps"] and cur.head.pos_ in ("VERB", "AUX", "ADV"):
            return chain, None
        if dep == "pobj" and cur.head.lower_ == "of" and cur.head.head.lower_ in m["adjunct_preps"]:
            return chain, None  # "ahead of the summit"
        cur = cur.head
        chain.append(cur)
    return chain, None


def certainty_with_reason(trigger: Token, sent: Span, rules: Rules,
                          skip_lemmas: frozenset[str] = frozenset()) -> tuple[str, str]:
    """(certainty, the cue that decided it). `skip_lemmas` are cue words that belong to the trigger
    itself (the 'threaten' of a threat)."""
    m = rules.modality
    chain, above = _modal_chain(trigger, rules)
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
            if k <= 2 and t.pos_ == "NOUN" and c.dep_ == "acl" and c.lemma_.lower() in m["authorised_participles"]:
                hyp = hyp or f"{c.text} on {t.text}"  # "sanctions approved by the WTO": authorised only
            if c.dep_ == "prt" and f"{lem} {cl}" in m["negation_verbs"]:
                return "negated", f"{lem} {cl}"
        if t.dep_ == "pcomp" and t.head.lower_ in ("toward", "towards"):
            hyp = hyp or "toward"  # "a move toward relaxing the curbs"
        if t.dep_ in ("advcl", "acl", "relcl") and any(c.dep_ == "aux" and c.lower_ == "to" for c in t.children) \
                and not any(c.dep_ in ("nsubj", "nsubjpass") for c in t.children) \
                and t.head.lemma_.lower() not in m["decided_governors"]:  # "voted to impose" is decided
            hyp = hyp or f"purpose {t.text}"  # "efforts to negotiate", "time to finalize a deal"
        if own:
            continue
        if lem in m["negation_verbs"] and t.pos_ in ("VERB", "NOUN"):
            return "negated", lem
        if lem in m["negation_nouns"] and t.pos_ == "NOUN" and k <= 3 and lem not in skip_lemmas:
            return "negated", lem
        if t.pos_ in ("VERB", "AUX") and any(c.dep_ == "dobj" and c.lemma_.lower() in m["hope_objects"]
                                            for c in t.children):
            hyp = hyp or f"{t.text} hope"  # "expressed hope for peace talks"
        # title-case headlines tag verbs as proper nouns, so PROPN counts here too
        if t.pos_ in ("VERB", "AUX", "ADJ", "PROPN") and (lem in m["hypothetical_verbs"]
                                                           or lem in m["hypothetical_adjs"]):
            # "plans to visit China next week" is a scheduled act, not a vague plan
            if lem in m["schedule_verbs"] and _has_date(t):
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
