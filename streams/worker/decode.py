"""Validation at the edge: raw Kafka bytes in, a record or a DeadLetter out. Never raises on bad input.

Reasons (schemas.deadletter.DEADLETTER_REASONS): invalid_utf8, not_json, wrong_schema, empty_text, oversize,
html_rejected; processing_error is given by the agents when a valid article fails later.

Decisions on awkward but decodable input (tests/unit/badinput pins each one):
- Control characters (C0 except tab, newline, carriage return; DEL; C1) are STRIPPED from `text` and `title`
  before validation. They carry no meaning in news text, and NUL cannot be stored in PostgreSQL at all.
  A text that is nothing but control characters and blanks is then `empty_text`.
- An unpaired UTF-16 surrogate (a JSON `\ud800` escape) is not text: `invalid_utf8`.
- A whole HTML page (doctype, <html>, <head> or <body> markup) is REJECTED as `html_rejected`: the article
  text has to be extracted by the publisher (newsmon's readers, streams/inputs/, do so). Markup inside ordinary
  text (`<b>`, even `<script>`) is kept verbatim: it is data, never rendered or executed, and so are SQL strings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from schemas import Article, DeadLetter

T = TypeVar("T", bound=BaseModel)

_DETAIL_MAX = 500  # keeps a dead letter readable; the original bytes are carried whole anyway
# Control characters stripped from article text: C0 except \t \n \r, DEL, and C1.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# A document rather than article text: a doctype or a document-level element near the start, or a closing
# </html> / </body> anywhere.
_HTML_PAGE = re.compile(r"\A\s*(?:<!--.*?-->\s*)?<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])"
                        r"|</(?:html|body)\s*>", re.IGNORECASE | re.DOTALL)


def is_html_page(text: str) -> bool:
    """A whole HTML document rather than article text (what `html_rejected` refuses)."""
    return _HTML_PAGE.search(text) is not None


@dataclass(frozen=True)
class Origin:
    """Where a record came from, copied into its dead letter so it can be found and replayed."""

    topic: str
    partition: int | None = None
    offset: int | None = None
    key: bytes | None = None
    timestamp_ms: int | None = None

    @property
    def key_text(self) -> str | None:
        if self.key is None:
            return None
        return self.key.decode("utf-8", errors="replace")


def dead_letter(reason: str, detail: str, raw: bytes, origin: Origin) -> DeadLetter:
    """A DeadLetter carrying the reason, a short detail, the origin and the original bytes."""
    return DeadLetter(reason=reason, detail=detail[:_DETAIL_MAX], topic=origin.topic,
                      partition=origin.partition, offset=origin.offset, key=origin.key_text,
                      original_b64=DeadLetter.encode(raw or b""))


def _schema_detail(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"]) or "(record)"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def _parse_json(raw: bytes, origin: Origin) -> object | DeadLetter:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return dead_letter("invalid_utf8", f"not valid UTF-8 at byte {exc.start}: {exc.reason}", raw, origin)
    try:
        return json.loads(text)
    except ValueError as exc:
        return dead_letter("not_json", f"not JSON: {exc}", raw, origin)


def _validate(data: object, raw: bytes, origin: Origin, schema: type[T]) -> T | DeadLetter:
    if not isinstance(data, dict):
        return dead_letter("wrong_schema", f"expected a JSON object, got {type(data).__name__}", raw, origin)
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        return dead_letter("wrong_schema", f"{schema.__name__}: {_schema_detail(exc)}", raw, origin)


def decode_record(raw: bytes | None, origin: Origin, schema: type[T]) -> T | DeadLetter:
    """Bytes -> `schema` instance, or the DeadLetter that says why not (invalid_utf8, not_json,
    wrong_schema)."""
    raw = raw if raw is not None else b""
    data = _parse_json(raw, origin)
    if isinstance(data, DeadLetter):
        return data
    return _validate(data, raw, origin, schema)


def decode_article(raw: bytes | None, origin: Origin, max_text_bytes: int) -> Article | DeadLetter:
    """An input article, or its DeadLetter. Size is checked first so a huge record is never parsed."""
    raw = raw if raw is not None else b""
    if len(raw) > max_text_bytes:
        return dead_letter("oversize", f"record is {len(raw)} bytes; the limit is {max_text_bytes} "
                           "(NEWSMON_MAX_TEXT_BYTES)", raw, origin)
    data = _parse_json(raw, origin)
    if isinstance(data, DeadLetter):
        return data
    if isinstance(data, dict) and isinstance(data.get("text"), str):
        letter = _check_text(data, raw, origin)
        if letter is not None:
            return letter
    return _validate(data, raw, origin, Article)


def _check_text(data: dict, raw: bytes, origin: Origin) -> DeadLetter | None:
    """Strip control characters from text and title (in `data`); the dead letter if the text is unusable."""
    for field, value in data.items():
        if isinstance(value, str) and (bad := _SURROGATE.search(value)) is not None:
            return dead_letter("invalid_utf8", f"{field} contains an unpaired UTF-16 surrogate "
                               f"(\\u{ord(bad.group()):04x} escape), which is not text", raw, origin)
    for field in ("text", "title"):
        if isinstance(data.get(field), str):
            data[field] = _CONTROL.sub("", data[field])
    text = data["text"]
    # Blank text is its own reason: a publisher bug worth telling apart from a schema mismatch.
    if not text.strip():
        return dead_letter("empty_text", "text is empty or whitespace only (after removing control "
                           "characters)", raw, origin)
    if is_html_page(text):
        return dead_letter("html_rejected", "text is an HTML page, not article text: extract the article "
                           "text before publishing (newsmon publish and POST /articles do this for you)",
                           raw, origin)
    return None
