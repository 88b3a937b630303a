"""Same-length cleaning of feed artefacts, so spaCy parses clean text while every character offset
still points into the original article text."""

from __future__ import annotations

import re

# HTML tags, escaped tags (&lt;b&gt;) and entities become blanks of the same length.
_TAGS = re.compile(r"&lt;/?[a-zA-Z][^&<>]{0,40}?&gt;|</?[a-zA-Z][^<>]{0,200}?>")
_ENTITY = re.compile(r"&(?:amp|nbsp|quot|apos|#\d{1,5});")
# AG-News style escapes: " #39;s" -> "    's", "quot;" -> a quote mark, "\" line breaks -> space.
_APOS = re.compile(r" ?#(?:39|146|8217);")
_QUOT = re.compile(r"\bquot;|#(?:34|147|148|8220|8221);")
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\\]")


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


def _apos(m: re.Match[str]) -> str:
    return " " * (len(m.group(0)) - 1) + "'"


def _quot(m: re.Match[str]) -> str:
    return '"' + " " * (len(m.group(0)) - 1)


def _entity(m: re.Match[str]) -> str:
    s = m.group(0)
    ch = {"&amp;": "&", "&quot;": '"', "&apos;": "'"}.get(s, " ")
    return ch + " " * (len(s) - 1)


def clean_for_parse(text: str) -> str:
    """The text with artefacts blanked; `len(result) == len(text)` always."""
    out = _TAGS.sub(_blank, text)
    out = _APOS.sub(_apos, out)
    out = _QUOT.sub(_quot, out)
    out = _ENTITY.sub(_entity, out)
    out = _CTRL.sub(" ", out)
    return out
