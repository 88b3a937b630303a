"""Content-derived identifiers: the same content always gives the same id.

Replays and restarts therefore upsert rather than duplicate.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = re.compile(r"^(utm_|fbclid$|gclid$|mc_cid$|mc_eid$|ref$|cmpid$)", re.I)


def content_id(*parts: object, prefix: str = "", length: int = 24) -> str:
    """A short stable hash of the parts (sha256, hex); `prefix` makes ids self-describing."""
    h = hashlib.sha256()
    for part in parts:
        h.update(str(part).encode("utf-8"))
        h.update(b"\x1f")
    return f"{prefix}{h.hexdigest()[:length]}"


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no tracking parameters, no trailing slash."""
    parts = urlsplit(url.strip())
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)))
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def normalise_text(text: str) -> str:
    """NFKC, collapsed whitespace, case-folded: the text identity of an article."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def article_id_for(*, given: str | None = None, url: str | None = None, text: str | None = None) -> str:
    """The given id, else one derived from the canonical URL, else from the normalised text."""
    if given is not None and str(given).strip():
        return str(given).strip()
    if url:
        return content_id(canonical_url(url), prefix="url-")
    if text is not None:
        return content_id(normalise_text(text), prefix="txt-")
    raise ValueError("an article needs an id, a url or a text to derive its id from")


def event_id_for(
    article_id: str,
    type_: str,
    subtype: str,
    actors: Iterable[str],
    targets: Iterable[str],
    evidence_start: int,
    evidence_end: int,
    certainty: str = "asserted",
) -> str:
    """Event id from article id + type + subtype + actors + targets + evidence span, and the certainty
    when it is not "asserted": a sentence may hold an act and a planned repeat of it ("met on Monday and
    may meet again"), two events; asserted events keep the ids they always had."""
    parts = [article_id, type_, subtype, ",".join(sorted(actors)), ",".join(sorted(targets)),
             evidence_start, evidence_end]
    return content_id(*parts, *([certainty] if certainty != "asserted" else []), prefix="ev-")


def alert_id_for(event_id: str) -> str:
    """An alert's id derives from its event's id, so a replay republishes the same alert id."""
    return content_id(event_id, prefix="al-")
