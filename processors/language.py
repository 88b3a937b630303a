"""A cheap English check: the share of English function words among the words of the text."""

from __future__ import annotations

import re

from spacy.lang.en.stop_words import STOP_WORDS

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_CORE = frozenset(w for w in STOP_WORDS if len(w) <= 5)


def detect_language(text: str, sample_chars: int = 4000) -> str:
    """'en' when the text reads as English, else 'und' (undetermined, so no English rules run)."""
    words = _WORD.findall(text[:sample_chars])
    if not words:
        return "und"
    ascii_share = sum(1 for w in words if w.isascii()) / len(words)
    if ascii_share < 0.6:
        return "und"
    if len(words) < 8:
        return "en"  # too short to judge; titles and snippets are mostly English here
    stop_share = sum(1 for w in words if w.lower() in _CORE) / len(words)
    return "en" if stop_share >= 0.12 else "und"
