"""Stage `incidents` of `newsmon bench`: how well the clustering joins reports of the same act, and what it costs
per article, on a labelled corpus (JSON lines of {"act": label, "article": {...}}; the repository's own is
tests/data/incident_corpus.jsonl, written for the tests: 20 articles by invented outlets about 4 acts, and
tests/data/incident_corpus_distinct.jsonl: 11 articles about 4 acts, two keys each with two acts in one week).

Quality is B-cubed precision and recall over the incident members (each asserted event with parties): for each
member, the share of its incident that reports its act (precision) and the share of its act's members in its
incident (recall). Cost is the pure clustering (members, with their terms, + cluster) and the incremental
database update the persist path runs (SQLite in a temporary file, one article per update: the worst case, a
batch shares the transaction).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

DEFAULT_CORPUS = Path("tests/data/incident_corpus.jsonl")


def read_labelled(path: Path) -> list[tuple[str, Any]]:
    from schemas import Article

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(row["act"], Article.model_validate(row["article"])) for row in rows]


def bcubed(assigned: dict[str, str], gold: dict[str, str]) -> tuple[float, float]:
    """(precision, recall) of a clustering `assigned` (item -> cluster) against `gold` (item -> class)."""
    clusters: dict[str, set[str]] = defaultdict(set)
    classes: dict[str, set[str]] = defaultdict(set)
    for item, cluster in assigned.items():
        clusters[cluster].add(item)
        classes[gold[item]].add(item)
    if not assigned:
        return 0.0, 0.0
    precision = sum(len(clusters[assigned[i]] & classes[gold[i]]) / len(clusters[assigned[i]]) for i in assigned)
    recall = sum(len(clusters[assigned[i]] & classes[gold[i]]) / len(classes[gold[i]]) for i in assigned)
    return precision / len(assigned), recall / len(assigned)


def measure(path: Path, model: str, repeat: int = 50) -> dict[str, Any]:
    """The figures of the stage (processing the corpus with the NLP first, untimed)."""
    import processors
    import processors.incidents as clustering
    import storage
    from schemas import EnrichedArticle

    labelled = read_labelled(path)
    nlp, rules = processors.load_nlp(model), processors.load_rules()
    analyses = processors.process_batch([a for _, a in labelled], nlp, rules)
    records = [EnrichedArticle(article=a, analysis=an) for (_, a), an in zip(labelled, analyses, strict=True)]
    act_of = {a.id: act for act, a in labelled}

    t0 = time.perf_counter()
    for _ in range(repeat):
        members, incidents = clustering.cluster([m for r in records for m in clustering.members_of(r)])
    pure_s = (time.perf_counter() - t0) / repeat

    with tempfile.TemporaryDirectory(prefix="newsmon-bench-incidents-") as tmp:
        engine = storage.make_engine(f"sqlite:///{Path(tmp) / 'incidents.db'}")
        storage.upgrade(engine)
        store = storage.IncidentStore(engine)
        t0 = time.perf_counter()
        for record in records:
            store.update([record.article.id], clustering.members_of(record), clustering.cluster, 3)
        stored_s = time.perf_counter() - t0
        stored = store.list(limit=1000)
        engine.dispose()

    assigned = {f"{m.article_id}/{m.event_id}": m.incident_id for m in members}
    gold = {f"{m.article_id}/{m.event_id}": act_of[m.article_id] for m in members}
    precision, recall = bcubed(assigned, gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "corpus": str(path), "articles": len(records), "acts": len(set(act_of.values())),
        "members": len(members), "incidents": len(incidents),
        "stored_incidents_match_pure": sorted(i.id for i in stored) == sorted(i.id for i in incidents),
        "escalations": sum(1 for i in incidents if i.escalates_from),
        "bcubed_precision": round(precision, 3), "bcubed_recall": round(recall, 3), "bcubed_f1": round(f1, 3),
        "cluster_us_per_article": round(pure_s / len(records) * 1e6, 1),
        "store_ms_per_article": round(stored_s / len(records) * 1e3, 2),
    }
