"""Article text and metadata out of an HTML page, with trafilatura (boilerplate, navigation and footers left out)."""

from __future__ import annotations

from typing import Any

from streams.inputs.items import ArticleInputError

# Fewer words than this is a navigation stub, a login wall or an error page: not an article.
MIN_WORDS = 5
# Only the page's own metadata and visible date, in full (htmldate gives the date alone by default).
_DATE_PARAMS = {"outputformat": "%Y-%m-%dT%H:%M:%S%z", "original_date": True}


def extract(page: str) -> dict[str, Any]:
    """{text, title, url, source, author, published} of an HTML page (only those found), or ArticleInputError
    ("not an article") when the page holds no article text."""
    import trafilatura

    doc = trafilatura.bare_extraction(page, with_metadata=True, include_comments=False,
                                      date_extraction_params=_DATE_PARAMS)
    text = (doc.text or "").strip() if doc is not None else ""
    if len(text.split()) < MIN_WORDS:
        raise ArticleInputError("not an article: the HTML page holds no article text (fewer than "
                                f"{MIN_WORDS} words once navigation and boilerplate are removed)")
    title = (doc.title or "").strip() or None
    if title and text.startswith(title + "\n"):
        text = text[len(title) + 1:].lstrip()  # the headline repeated above the body
    fields = {"text": text, "title": title, "url": doc.url, "source": doc.sitename, "author": doc.author,
              "published": doc.date}
    return {k: v for k, v in fields.items() if v}
