"""Token patterns kept as data (lexicons.json `patterns`), run with spaCy's `Matcher`.

Each document is matched once per rules version, when a detector first asks; a detector then
asks at which tokens a match of a named pattern set ends."""

from __future__ import annotations

from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from processors.rules import Rules

_MATCHERS: dict[tuple[int, str], tuple[Vocab, Matcher]] = {}
_MAX_MATCHERS = 8  # one per pipeline and rules version; tests build many blank pipelines


def _matcher(vocab: Vocab, rules: Rules) -> Matcher:
    key = (id(vocab), rules.version)
    hit = _MATCHERS.get(key)
    if hit is None or hit[0] is not vocab:
        matcher = Matcher(vocab)
        for name, patterns in rules.patterns.items():
            matcher.add(name, patterns)
        if len(_MATCHERS) >= _MAX_MATCHERS:
            _MATCHERS.clear()
        hit = _MATCHERS[key] = (vocab, matcher)
    return hit[1]


def match_ends(doc: Doc, rules: Rules, name: str) -> tuple[int, ...]:
    """Indices of the last token of every match of the pattern set `name` in `doc`."""
    key = f"newsmon_matches+{rules.version}"
    found = doc.user_data.get(key)
    if found is None:
        ends: dict[str, set[int]] = {}
        for match_id, _start, end in _matcher(doc.vocab, rules)(doc):
            ends.setdefault(doc.vocab.strings[match_id], set()).add(end - 1)
        found = doc.user_data[key] = {k: tuple(sorted(v)) for k, v in ends.items()}
    return found.get(name, ())
