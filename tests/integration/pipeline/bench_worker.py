"""Throughput of real worker processes: N synthetic articles published, time until all are in the database.

    .venv/bin/python -m tests.integration.pipeline.bench_worker [N] [WORKERS]

Prints figures; asserts nothing about speed. Needs the local broker (make up); uses a fresh SQLite file.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from pathlib import Path

from .harness import WorkerProcess, wait_for
from .test_worker_pipeline import article_ids, bulk_articles, publish


def main(n: int = 300, workers: int = 1, bootstrap: str = "127.0.0.1:9092") -> None:
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'bench.db'}"
        worker = WorkerProcess(bootstrap=bootstrap, prefix=prefix, database_url=db, workdir=Path(tmp))
        worker.start(*(["--workers", str(workers)] if workers > 1 else []))
        try:
            worker.ready(timeout=150)
            if workers > 1:
                time.sleep(10)  # let the group settle on all members before timing
            articles = bulk_articles(n)
            t0 = time.monotonic()
            publish(bootstrap, f"{prefix}news.articles", articles)
            wait_for(f"{n} rows", lambda: len(article_ids(db)) == n, 600, worker.log_tail)
            elapsed = time.monotonic() - t0
        finally:
            worker.stop()
    print(f"{n} articles through {workers} worker(s) (publish -> rows in SQLite): {elapsed:.1f} s, "
          f"{n / elapsed:.1f} articles/s")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
