"""The learned layer at analysis time: propose events the rules missed, then decide for each coded
occurrence whether it is a new event and how certain (numpy only; weights in processors/data/model/)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources

import numpy as np
from spacy.tokens import Doc, Token

from processors.actors import ActorIndex
from processors.events import EventMention, mention_for
from processors.learned.features import mention_features, mention_vector, party_features, sentence_features
from processors.learned.linear import LinearModel

MODEL_FILE = "learned.json"
CERTAINTY_CLASSES = ("asserted", "hypothetical", "negated", "none")
MAX_SENT_TOKENS = 200  # run-on extraction noise: the rules skip these too


ROLE_CLASSES = ("actor", "target", "none")
ROLE_FALLBACK = 0.2  # a role no party has goes to the likeliest party from this probability (CV on train/)


@dataclass(frozen=True)
class LearnedModel:
    proposer: LinearModel | None               # sentence -> "type:subtype" (one sigmoid each)
    reranker: LinearModel | None               # occurrence -> CERTAINTY_CLASSES (softmax)
    roles: LinearModel | None = None           # (sanction occurrence, party) -> ROLE_CLASSES
    certainty: LinearModel | None = None       # occurrence -> asserted / hypothetical / negated
    anchors: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # subtype -> trigger word -> count
    drop_threshold: Mapping[str, float] = field(default_factory=dict)  # P(asserted) to assert: per type,
                                                                      # and per "type+proposed"
    trained_on: str = ""
    admitter: LinearModel | None = None        # anchored candidate the rules missed -> P(a new asserted event)
    admit_threshold: float = 0.5

    def to_json(self) -> dict:
        out: dict[str, object] = {"trained_on": self.trained_on, "drop_threshold": dict(self.drop_threshold),
               "anchors": {k: dict(v) for k, v in self.anchors.items()},
               **{k: (m.to_json() if m is not None else None)
                  for k, m in (("proposer", self.proposer), ("reranker", self.reranker), ("roles", self.roles),
                               ("certainty", self.certainty))}}
        if self.admitter is not None:  # absent otherwise, so a file without one keeps its bytes (and version)
            out |= {"admitter": self.admitter.to_json(), "admit_threshold": self.admit_threshold}
        return out

    @classmethod
    def from_json(cls, obj: Mapping) -> LearnedModel:
        def part(key):
            return LinearModel.from_json(obj[key]) if obj.get(key) else None

        return cls(part("proposer"), part("reranker"), part("roles"), part("certainty"),
                   {k: dict(v) for k, v in obj.get("anchors", {}).items()},
                   dict(obj.get("drop_threshold", {})), obj.get("trained_on", ""),
                   part("admitter"), float(obj.get("admit_threshold", 0.5)))


def model_bytes(data_package: str = "processors.data") -> bytes | None:
    f = resources.files(data_package).joinpath("model").joinpath(MODEL_FILE)
    return f.read_bytes() if f.is_file() else None


def load_model(raw: bytes | None) -> LearnedModel | None:
    return LearnedModel.from_json(json.loads(raw)) if raw else None


def sentence_probs(doc: Doc, actors: ActorIndex, igo_codes: frozenset[str],
                   model: LearnedModel) -> dict[int, np.ndarray]:
    """Proposer probabilities per sentence (keyed by the sentence's first token)."""
    out: dict[int, np.ndarray] = {}
    if model.proposer is None:
        return out
    for k, sent in enumerate(doc.sents):
        if len(sent) <= MAX_SENT_TOKENS:
            out[sent.start] = model.proposer.proba(sentence_features(sent, actors, igo_codes, k == 0))
    return out


def propose(doc: Doc, actors: ActorIndex, mentions: list[EventMention], rules, model: LearnedModel,
            probs: Mapping[int, object]) -> list[EventMention]:
    """Candidates beyond the rules: every word that headed triggers of a subtype in training, where
    no rule mention of that type sits on it, read with the rules' role readers. The reranker
    decides which are events; the proposer's sentence probability is one of its features."""
    taken = {(m.trigger.i, m.type) for m in mentions}
    by_lemma: dict[str, list[str]] = {}
    for cls, words in model.anchors.items():
        for w in words:
            by_lemma.setdefault(w, []).append(cls)
    out = []
    for sent in doc.sents:
        if sent.start not in probs:
            continue
        for tok in sent:
            classes = by_lemma.get(tok.lemma_.lower())
            if not classes or tok.is_stop:
                continue
            for cls in classes:
                type_, subtype = cls.split(":")
                if (tok.i, type_) in taken:
                    continue
                m = mention_for(tok, type_, subtype, sent, actors, rules)
                if m is not None:
                    m.proposed = True
                    out.append(m)
    return out


def _bin(x: float, edges: tuple[float, ...]) -> int:
    return sum(x >= e for e in edges)


def occurrence_features(occs, k: int, probs: dict[int, np.ndarray], classes: tuple[str, ...],
                        n_sents: int, sent_index: Mapping[int, int]) -> list[str]:
    """The first mention's features, plus what the article around it says: how many mentions
    merged into it, whether an earlier occurrence has its subtype and parties, where it stands."""
    o = occs[k]
    f = o.first
    out = mention_features(f)
    parties = set(o.actors) | set(o.targets)
    out.append(f"nment={min(len(o.mentions), 3)}")
    if f.proposed:
        out.append("proposed")
        out.append(f"proposed|{f.subtype}")
    p = probs.get(f.sent.start)
    cls = f"{f.type}:{f.subtype}"
    if p is not None and cls in classes:
        out.append(f"pp={_bin(float(p[classes.index(cls)]), (0.1, 0.3, 0.5, 0.7, 0.9))}")
    same_sub = [e for e in occs[:k] if (e.first.type, e.first.subtype) == (f.type, f.subtype)]
    out.append(f"dup_sub={min(len(same_sub), 2)}")
    if any(parties & (set(e.actors) | set(e.targets)) for e in same_sub):
        out.append("dup_party")
        out.append(f"dup_party|{f.subtype}")
    if any(parties and parties == set(e.actors) | set(e.targets) for e in same_sub):
        out.append("dup_same_parties")
    if any(e.first.type == f.type and e.first.subtype != f.subtype and parties & (set(e.actors) | set(e.targets))
           for e in occs[:k]):
        out.append("dup_type_party")
    if any(e.first.sent.start == f.sent.start for e in occs[:k]):
        out.append("same_sent_before")
    si = sent_index.get(f.sent.start, 0)
    out.append(f"sent={_bin(si, (1, 3, 10, 30))}")
    out.append(f"doc={_bin(n_sents, (4, 20, 60))}")
    if o.event_date is not None:
        out.append("dated")
    return out


def decide(occs, doc: Doc, probs: dict[int, np.ndarray], model: LearnedModel):
    """(occurrence, certainty, confidence) for each occurrence kept: with the reranker, see `rerank`;
    else every occurrence, its certainty read by the certainty model when there is one."""
    if model.reranker is not None:
        return rerank(occs, doc, probs, model)
    if model.certainty is None:
        return [(o, o.certainty, o.confidence) for o in occs]
    sent_index = {s.start: i for i, s in enumerate(doc.sents)}
    n = len(sent_index)
    out = []
    for k, o in enumerate(occs):
        p = model.certainty.proba(occurrence_features(occs, k, probs, (), n, sent_index), mention_vector(o.first))
        out.append((o, CERTAINTY_CLASSES[int(np.argmax(p[:3]))], o.confidence))
    return out


def rerank(occs, doc: Doc, probs: dict[int, np.ndarray], model: LearnedModel):
    """(occurrence, certainty, confidence) for the occurrences the reranker keeps.

    An occurrence is asserted when P(asserted) reaches its threshold (one per type, and one per type
    for the proposer's candidates); otherwise it is kept as hypothetical or negated unless P(none)
    is the largest. At most one per trigger word and type: candidates of several subtypes on one
    word compete."""
    assert model.reranker is not None and model.proposer is not None
    sent_index = {s.start: i for i, s in enumerate(doc.sents)}
    n = len(sent_index)
    none = CERTAINTY_CLASSES.index("none")
    best: dict[tuple[int, str], tuple[float, int, str]] = {}
    for k, o in enumerate(occs):
        p = model.reranker.proba(occurrence_features(occs, k, probs, model.proposer.classes, n, sent_index),
                                 mention_vector(o.first))
        src = o.first.type + ("+proposed" if o.first.proposed else "")
        if p[0] >= model.drop_threshold.get(src, 0.5):
            certainty = "asserted"
        elif p[none] >= max(p[1], p[2]) or o.first.proposed:
            continue
        else:
            certainty = CERTAINTY_CLASSES[1 if p[1] >= p[2] else 2]
        key = (o.first.trigger.i, o.first.type)
        score = float(p[0] if certainty == "asserted" else 1.0 - p[none]) + (1.0 if certainty == "asserted" else 0.0)
        if key not in best or score > best[key][0]:
            best[key] = (score, k, certainty)
    return [(occs[k], certainty, min(1.0, score)) for score, k, certainty in sorted(best.values(), key=lambda v: v[1])]


def sanction_parties(doc: Doc, actors: ActorIndex, occ) -> dict[str, Token | None]:
    """Candidate parties of a sanction occurrence: each code named in its evidence sentence (at the
    mention nearest the trigger), and the codes the rules gave it from elsewhere (token None)."""
    f = occ.first
    near: dict[str, Token] = {}
    for t in f.sent:
        for c in actors.codes_at(t.i):
            if c not in near or abs(t.i - f.trigger.i) < abs(near[c].i - f.trigger.i):
                near[c] = t
    out: dict[str, Token | None] = dict(near)
    for c in list(occ.actors) + list(occ.targets):
        out.setdefault(c, None)
    return out


def party_rows(doc: Doc, actors: ActorIndex, occ, igo_codes: frozenset[str], context) -> list[tuple[str, list[str]]]:
    """(code, features) for each candidate party of a sanction occurrence."""
    rank, title = context
    rows = []
    for code, tok in sanction_parties(doc, actors, occ).items():
        role = "actor" if code in occ.actors else ("target" if code in occ.targets else "none")
        feats = party_features(occ.first, code, tok if tok is not None else occ.first.trigger, role, igo_codes,
                               rank.get(code, 9), code in title)
        if tok is None:
            feats.append("not_in_sentence")
        rows.append((code, feats))
    return rows


def party_context(doc: Doc, actors: ActorIndex):
    """How often the article names each code (rank 1 = most), and the codes of its title."""
    counts = Counter(m.code for m in actors.mentions if m.code)
    rank = {c: i + 1 for i, (c, _) in enumerate(counts.most_common())}
    first = next(iter(doc.sents), None)
    title = {c for t in (first or []) for c in actors.codes_at(t.i)}
    return rank, title


def assign_roles(occs, doc: Doc, actors: ActorIndex, igo_codes: frozenset[str], model: LearnedModel):
    """Sanction occurrences whose actors or targets the rules took from discourse defaults (the
    previous mention's, the state the article names most: `EventMention.filled`) get their roles from
    the role model instead; occurrences whose roles the rules read in the sentence stay as they are.
    Each party takes its likeliest role (one role a party); a role no party then has goes to the
    likeliest party that can be spared (no role, or one of several) if its probability reaches
    ROLE_FALLBACK. Cross-validation on train/ (macro F1): the model on every occurrence 0.583, on
    these 0.581, on the defaulted roles alone 0.571; only these never overturn roles a sentence states."""
    if model.roles is None:
        return occs
    context = party_context(doc, actors)
    out = []
    for o in occs:
        filled = o.first.filled if o.actors and o.targets else frozenset({"actors", "targets"})
        if o.first.type != "sanction" or not filled:
            out.append(o)
            continue
        probs = {c: model.roles.proba(f) for c, f in party_rows(doc, actors, o, igo_codes, context)}
        role = {c: int(np.argmax(p)) for c, p in probs.items()}
        for r, other in ((0, 1), (1, 0)):
            if probs and not any(v == r for v in role.values()):
                # the likeliest party takes the missing role, unless that leaves the other role empty
                free = [c for c in probs if role[c] == 2 or (role[c] == other and
                                                             sum(v == other for v in role.values()) > 1)]
                c = max(free, key=lambda c: probs[c][r], default=None)
                if c is not None and probs[c][r] >= ROLE_FALLBACK:
                    role[c] = r
        out.append(replace(o, actors=[c for c, r in role.items() if r == 0],
                           targets=[c for c, r in role.items() if r == 1]))
    return out


def anchored_sentences(doc: Doc) -> dict[int, None]:
    """The sentences `propose` reads when there is no proposer: all but run-on extraction noise."""
    return {s.start: None for s in doc.sents if len(s) <= MAX_SENT_TOKENS}


def _overlaps(o, kept: list[tuple]) -> list[str]:
    """Whether an event already kept codes the candidate's act: the same subtype and a shared party
    (then the candidate is likely a repeat), or any event of its type in its sentence."""
    parties = set(o.actors) | set(o.targets)
    f = o.first
    out = []
    if any(k.first.type == f.type and k.first.subtype == f.subtype and c == "asserted"
           and parties & (set(k.actors) | set(k.targets)) for k, c, _ in kept):
        out += ["rep_kept", f"rep_kept|{f.type}"]
    if any(k.first.type == f.type and k.first.sent.start == f.sent.start for k, _, _ in kept):
        out.append("same_sent_kept")
    return out


def candidate_features(occs, k: int, kept: list[tuple], actors: ActorIndex, igo_codes: frozenset[str],
                       sent_index: Mapping[int, int]) -> list[str]:
    """An anchored candidate (`occs[k]`, among the rules' occurrences and the other candidates): its
    occurrence features, its sentence's bag of words, and how it stands to the events kept."""
    o = occs[k]
    first = sent_index.get(o.first.sent.start) == 0
    return (occurrence_features(occs, k, {}, (), len(sent_index), sent_index)
            + ["s" + x for x in sentence_features(o.first.sent, actors, igo_codes, first)]
            + _overlaps(o, kept))


def admit(occs, kept: list[tuple], doc: Doc, actors: ActorIndex, igo_codes: frozenset[str],
          model: LearnedModel) -> list[tuple]:
    """(occurrence, "asserted", P) for the anchored candidates in `occs` (the rules' occurrences and the
    candidates, in text order) that the admitter scores at least `admit_threshold`: at most one per
    sentence and type, the likeliest. The rules' own events (`kept`) stay as they are."""
    if model.admitter is None:
        return []
    sent_index = {s.start: i for i, s in enumerate(doc.sents)}
    best: dict[tuple[int, str], tuple[float, int]] = {}
    for k, o in enumerate(occs):
        if not o.first.proposed:
            continue
        p = float(model.admitter.proba(candidate_features(occs, k, kept, actors, igo_codes, sent_index))[-1])
        key = (o.first.sent.start, o.first.type)
        if p >= model.admit_threshold and (key not in best or p > best[key][0]):
            best[key] = (p, k)
    return [(occs[k], "asserted", p) for p, k in sorted(best.values(), key=lambda v: v[1])]
