"""Articles written for the tests, publishing them, and what the worker's database holds."""

from __future__ import annotations

from importlib.resources import files

import sqlalchemy as sa

from schemas import Article
from streams.inputs import read_path
from tests.support.kafka import produce

MAX_TEXT_BYTES = 20_000


def sample_articles() -> list[Article]:
    return [item.article for item in read_path(files("streams") / "samples" / "articles.jsonl")]


def bulk_articles(n: int) -> list[Article]:
    """n distinct articles written for these tests; every third carries a clear sanction event."""
    pairs = [("Germany", "Iran"), ("Japan", "North Korea"), ("Canada", "Russia"), ("Australia", "Myanmar")]
    out = []
    for i in range(n):
        a, b = pairs[i % len(pairs)]
        if i % 3 == 0:
            text = (f"{a} imposed sanctions on {b} on Monday over its weapons programme, officials said. "
                    f"(item {i})")
        elif i % 3 == 1:
            text = f"The foreign ministers of {a} and {b} held talks in Geneva on Tuesday. (item {i})"
        else:
            text = f"Shares in {a} rose for a third day as exporters gained, traders said. (item {i})"
        out.append(Article(id=f"bulk-{i:04d}", text=text, title=f"Bulletin {i}"))
    return out


def publish(bootstrap: str, topic: str, articles: list[Article]) -> None:
    produce(bootstrap, topic, [(a.id.encode(), a.model_dump_json().encode()) for a in articles])


def db_rows(database_url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    except sa.exc.OperationalError:  # SQLite file or tables not created yet
        return []
    except sa.exc.ProgrammingError:
        return []
    finally:
        engine.dispose()


def article_ids(database_url: str) -> set[str]:
    return {r[0] for r in db_rows(database_url, "SELECT id FROM articles")}
