"""The input fixtures (tests/fixtures/inputs/): one file per format the readers accept, and refused records."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inputs"
GOOD = FIXTURES / "good"
BAD = FIXTURES / "bad"
CONTENT_TYPES = {".json": "application/json", ".jsonl": "application/x-ndjson", ".rss": "application/rss+xml",
                 ".html": "text/html; charset=utf-8", ".txt": "text/plain"}
