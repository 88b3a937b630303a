"""Throughput of real worker processes: N synthetic articles published, time until all are in the database.

    .venv/bin/python -m tests.integration.pipeline.bench_worker [N] [WORKERS] [WORDS]

WORDS > 0 pads each article to about that many words (long batches: does the group stay stable while
spaCy runs?). Prints figures and the rebalances seen after start; asserts nothing about speed. Needs the
local broker (make up); uses a fresh SQLite file.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

from schemas import Article
from tests.support.pipeline import article_ids, bulk_articles, publish
from tests.support.workers import WorkerProcess, wait_for

FILLER = ("Officials said the talks would continue next week, and analysts expected further measures "
          "against shipping and banking firms if no progress was made. ")


def padded(articles: list[Article], words: int) -> list[Article]:
    if words <= 0:
        return articles
    repeat = max(1, words // len(FILLER.split()))
    return [a.model_copy(update={"text": a.text + " " + FILLER * repeat}) for a in articles]


def main(n: int = 300, workers: int = 1, words: int = 0, bootstrap: str = "127.0.0.1:9092") -> None:
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'bench.db'}"
        worker = WorkerProcess(bootstrap=bootstrap, prefix=prefix, database_url=db, workdir=Path(tmp),
                               workers=workers).start()
        try:
            worker.ready(timeout=150, settle_s=3)  # every member has partitions, the same for 3 s
            articles = padded(bulk_articles(n), words)
            joins_before = worker.log_path.read_text().count("Joined group")
            t0 = time.monotonic()
            publish(bootstrap, f"{prefix}news.articles", articles)
            wait_for(f"{n} rows", lambda: len(article_ids(db)) == n, 600, worker.log_tail)
            elapsed = time.monotonic() - t0
            rejoins = worker.log_path.read_text().count("Joined group") - joins_before
            _, body = worker.get("/metrics")
            stages = {m.group(1): float(m.group(2)) for m in re.finditer(
                r'newsmon_stage_seconds_sum\{stage="(\w+)"\} ([0-9.e+-]+)', body)}
        finally:
            worker.stop()
    size = f", ~{words} words each" if words else ""
    print(f"{n} articles{size} through {workers} worker(s) (publish -> rows in SQLite): {elapsed:.1f} s, "
          f"{n / elapsed:.1f} articles/s; group re-joins during the run: {rejoins}")
    print("seconds per stage (worker 0): " + ", ".join(f"{k} {v:.1f}" for k, v in stages.items()))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
