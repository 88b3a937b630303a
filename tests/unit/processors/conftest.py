"""Fixtures for the processors' tests: the real model once per session, the rules, a helper."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas import Article


@pytest.fixture(scope="session")
def nlp():
    from processors import load_nlp
    from streams.settings import Settings

    return load_nlp(Settings().spacy_model)


@pytest.fixture(scope="session")
def rules():
    from processors import load_rules

    return load_rules()


@pytest.fixture(scope="session")
def analyze(nlp, rules):
    """analyze(text, title=None, published=None) -> Analysis, through the public API."""
    from processors import process_article

    def run(text: str, title: str | None = None, published: str | None = "2024-03-06", id_: str = "t-1"):
        pub = datetime.fromisoformat(published).replace(tzinfo=UTC) if published else None
        return process_article(Article(id=id_, text=text, title=title, published=pub), nlp, rules)

    return run


