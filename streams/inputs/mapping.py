"""A record as people have it (NewsAPI, news-please, newspaper, a plain {"title", "text"}) -> an Article.

Each Article field is filled from the first of its source keys present (FIELDS); every other key of the record
is kept in `extra`, so nothing is lost and nothing unknown is refused. The id is the given one, else derived
from the canonical URL, else from the text (schemas.ids.article_id_for): the same record gives the same id
through every way in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from schemas import Article
from schemas.ids import article_id_for
from streams.inputs import html
from streams.inputs.dates import parse_date
from streams.inputs.items import ArticleInputError
from streams.worker.decode import is_html_page

# Article field -> the source keys that fill it, first present (and not null or empty) wins. The README's
# table of inputs is this table.
FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "text": ("text", "maintext", "content", "body", "description"),
    "title": ("title", "headline"),
    "url": ("url", "link"),
    "source": ("source", "source_name", "source_domain", "sitename"),
    "published": ("published", "publishedAt", "published_at", "date_publish", "publish_date", "pubDate",
                  "date"),
    "language": ("language", "lang"),
    "author": ("author", "authors", "byline"),
}
# Keys of the record itself rather than of the article: read, never kept in `extra`.
_ENVELOPE = ("schema_version", "extra")
# NewsAPI cuts `content` to about 200 characters and says so: "... [+2345 chars]".
_NEWSAPI_CUT = re.compile(r"\s*\[\+\d+ chars\]\s*$")
TEXT_KEYS = ", ".join(f"'{k}'" for k in FIELDS["text"])


def _pick(data: Mapping[str, Any], field: str) -> tuple[str | None, Any]:
    for key in FIELDS[field]:
        value = data.get(key)
        if value is not None and value != "" and value != []:
            return key, value
    return None, None


def _string(key: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ArticleInputError(f"'{key}' must be a string, got {type(value).__name__}")


def _author(key: str, value: Any) -> str:
    if isinstance(value, list):  # news-please and newspaper give a list of names
        return ", ".join(_string(key, v).strip() for v in value if v)
    return _string(key, value)


def _source(key: str, value: Any, extra: dict[str, Any]) -> str | None:
    if isinstance(value, Mapping):  # NewsAPI: {"id": "harbour-post", "name": "Harbour Post"}
        rest = {k: v for k, v in value.items() if k != "name" and v is not None}
        if rest:
            extra[key] = rest
        name = value.get("name")
        return _string(f"{key}.name", name) if name else None
    return _string(key, value)


def fields_from_mapping(data: Any) -> dict[str, Any]:
    """The Article fields of one record (id not yet derived), `extra` holding every key not mapped."""
    if not isinstance(data, Mapping):
        raise ArticleInputError(f"expected a JSON object with the article text ({TEXT_KEYS}), "
                                f"got {type(data).__name__}")
    used: set[str] = set(_ENVELOPE)
    out: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for field in FIELDS:
        key, value = _pick(data, field)
        used.update(k for k in FIELDS[field] if k in data and (data[k] is None or data[k] in ("", [])))
        if key is None:
            continue
        used.add(key)
        if field == "published":
            out[field] = parse_date(value, key)
        elif field == "source":
            out[field] = _source(key, value, extra)
        elif field == "author":
            out[field] = _author(key, value)
        else:
            out[field] = _string(key, value)
        if field == "text" and key == "content":
            out[field] = _NEWSAPI_CUT.sub("", out[field])
    extra.update({k: v for k, v in data.items() if k not in used and v is not None})  # a null says nothing
    given = data.get("extra")
    if isinstance(given, Mapping):  # a v2 record's own extra: read back as it was written
        extra.update(given)
    elif given is not None:
        extra["extra"] = given
    out["extra"] = extra
    return out


def _from_html(fields: dict[str, Any]) -> dict[str, Any]:
    """A record whose text is a whole HTML page: the page's article text, the record's own fields first."""
    found = html.extract(fields["text"])
    if "published" in found:
        found["published"] = parse_date(found["published"], "the page's date")
    return {**fields, **{k: v for k, v in found.items() if k == "text" or not fields.get(k)}}


def article_from_fields(fields: dict[str, Any]) -> Article:
    """Article fields (from a record, a text file, a feed entry or a page) -> an Article with its id."""
    text = fields.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ArticleInputError(f"no article text: none of {TEXT_KEYS} is given (or it is empty)")
    if is_html_page(text):
        fields = _from_html(fields)
    fields = {k: v for k, v in fields.items() if v is not None}
    fields["id"] = article_id_for(given=fields.get("id"), url=fields.get("url"), text=fields["text"])
    try:
        return Article.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}" for e in exc.errors())
        raise ArticleInputError(problems) from None


def article_from_mapping(data: Any) -> Article:
    """One JSON record -> Article; ArticleInputError says what to fix."""
    return article_from_fields(fields_from_mapping(data))
