"""Features the learned layer reads: of a sentence (does it hold an event of a subtype?) and of a
coded occurrence in its article (a new event, a repeat, which certainty?). Plain strings, so the
model file names what it weighs."""

from __future__ import annotations

import numpy as np
from spacy.tokens import Span, Token

from processors.actors import ActorIndex
from processors.syntax import subject_of

_SKIP_POS = frozenset({"PUNCT", "SPACE", "NUM", "SYM", "X"})
_NEG = frozenset({"not", "n't", "no", "never", "neither", "nor", "without"})
_MODALS = frozenset({"would", "could", "may", "might", "should", "can", "must", "will", "'ll"})


def _lemma(t: Token) -> str:
    if t.ent_type_ in ("GPE", "NORP") and t.pos_ == "PROPN":
        return "<gpe>"
    if t.ent_type_ == "PERSON":
        return "<person>"
    if t.ent_type_ in ("DATE", "TIME") and t.like_num:
        return "<num>"
    return t.lemma_.lower()


def sentence_features(sent: Span, actors: ActorIndex, igo_codes: frozenset[str], first: bool) -> list[str]:
    """Bag of lemmas and lemma pairs, the root verb, how many parties are coded, negation and modals."""
    toks = [t for t in sent if t.pos_ not in _SKIP_POS]
    lem = [_lemma(t) for t in toks]
    out = [f"w={x}" for x in lem]
    out += [f"b={a}_{b}" for a, b in zip(lem, lem[1:], strict=False)]
    codes = {c for t in sent for c in actors.codes_at(t.i)}
    out.append(f"ncodes={min(len(codes), 3)}")
    if codes & igo_codes:
        out.append("igo")
    if first:
        out.append("title")
    root = sent.root
    out.append(f"root={root.lemma_.lower()}")
    for c in root.children:
        if c.dep_ in ("dobj", "prep", "xcomp", "ccomp"):
            out.append(f"root_{c.dep_}={c.lemma_.lower()}")
    if any(t.lower_ in _NEG for t in sent):
        out.append("neg")
    if any(t.lower_ in _MODALS and t.tag_ == "MD" for t in sent):
        out.append("modal")
    return out


def _window(tok: Token, width: int) -> list[str]:
    sent = tok.sent
    lo, hi = max(sent.start, tok.i - width), min(sent.end, tok.i + width + 1)
    return [_lemma(t) for t in tok.doc[lo:hi] if t.i != tok.i and t.pos_ not in _SKIP_POS]


def _chain(tok: Token, limit: int = 6) -> list[Token]:
    out: list[Token] = []
    cur = tok
    while cur.head != cur and len(out) < limit:
        out.append(cur.head)
        cur = cur.head
    return out


def mention_features(m, prefix: str = "") -> list[str]:
    """What one mention's trigger says: its word and subtype, its syntax, the words and modal cues
    around it and above it, and the rules' own reading of certainty."""
    t = m.trigger
    lem = t.lemma_.lower()
    out = [f"sub={m.subtype}", f"lem={lem}", f"lem_sub={lem}|{m.subtype}", f"pos={t.pos_}", f"dep={t.dep_}",
           f"cert={m.certainty}", f"cert_sub={m.certainty}|{m.subtype}", f"head={t.head.lemma_.lower()}",
           f"nact={min(len(m.actors), 3)}", f"ntgt={min(len(m.targets), 3)}",
           f"roles={'a' if m.actors else '-'}{'t' if m.targets else '-'}|{m.type}"]
    if m.why:
        out.append("why=" + m.why.split()[0].lower())
    for flag in ("headline", "background", "anaphoric", "package_part"):
        if getattr(m, flag, False):
            out.append(flag)
    out += [f"c={x}" for x in _window(t, 4)]
    out += [f"g={h.lemma_.lower()}" for h in _chain(t)]
    out += [f"gd={h.dep_}:{h.lemma_.lower()}" for h in _chain(t, 3)]
    out += [f"k={c.dep_}:{c.lemma_.lower()}" for c in t.children if c.dep_ not in ("punct", "det")]
    if t.tag_:
        out.append(f"tag={t.tag_}")
    return [prefix + f for f in out]


def mention_vector(m) -> np.ndarray | None:
    """The tok2vec vectors spaCy already computed: the trigger's and the mean of its sentence's."""
    doc = m.trigger.doc
    if doc.tensor is None or doc.tensor.shape[0] != len(doc) or not doc.tensor.size:
        return None
    sent = doc.tensor[m.sent.start:m.sent.end]
    return np.concatenate([doc.tensor[m.trigger.i], sent.mean(axis=0)]).astype(np.float64)


SANCTIONERS = frozenset({"USA", "EU", "UN"})  # the bodies behind most sanction programmes


def _path_prep(tok: Token) -> str:
    """The preposition that governs the phrase holding `tok` ("sanctions on [Iran]" -> "on")."""
    cur = tok
    for _ in range(4):
        if cur.dep_ == "pobj" and cur.head.pos_ == "ADP":
            return cur.head.lower_
        if cur.head == cur:
            break
        cur = cur.head
    return "-"


def _governs(a: Token, b: Token) -> bool:
    return a.left_edge.i <= b.i <= a.right_edge.i


def party_features(m, code: str, tok: Token, rule_role: str, igo_codes: frozenset[str],
                   rank: int, in_title: bool) -> list[str]:
    """One candidate party of a sanction occurrence: where it stands to the trigger, how it is
    attached, what the rules made of it, and what kind of party it is."""
    t = m.trigger
    head_verb = t if t.pos_ == "VERB" else next((h for h in t.ancestors if h.pos_ in ("VERB", "AUX")), t)
    # the subject as the rules read it: borrowed through infinitives and conjuncts ("was ready to put")
    subj = subject_of(head_verb) + [c for c in head_verb.children if c.dep_ == "agent"]
    kind = "igo" if code in igo_codes else ("group" if "-" in code else "state")
    prep = _path_prep(tok)
    side = "before" if tok.i < t.i else "after"
    dist = min(abs(tok.i - t.i) // 4, 4)
    feats = [f"rule={rule_role}", f"kind={kind}", f"prep={prep}", f"side={side}", f"dist={dist}",
             f"dep={tok.dep_}", f"hdep={tok.head.dep_}", f"hlem={tok.head.lemma_.lower()}",
             f"rank={min(rank, 3)}", f"sub={m.subtype}", f"lem={t.lemma_.lower()}"]
    if code in SANCTIONERS:
        feats.append("sanctioner")
    if in_title:
        feats.append("in_title")
    if tok.sent.start != t.sent.start:
        feats.append("other_sentence")
    if any(_governs(s, tok) for s in subj):
        feats.append("in_subject")
    if _governs(t, tok):
        feats.append("under_trigger")
    if tok.ent_type_:
        feats.append(f"ent={tok.ent_type_}")
    feats += [f"{f}|{m.subtype}" for f in (f"rule={rule_role}", f"prep={prep}", f"side={side}")]
    feats += [f"{f}|{kind}" for f in (f"prep={prep}", f"side={side}", f"rule={rule_role}")]
    return feats
