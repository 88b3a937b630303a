"""Comparing rules versions such as "sanction_rules.v2" or "rules.v10+gazetteer.v3".

A stored analysis is replaced unless it was produced by a *newer* version of the same rules. Versions
compare by their numbers, not as strings ("v10" is newer than "v9"). Two versions with different names
("sanction_rules.v2" vs "diplomacy_rules.v5") cannot be ordered, so the incoming one is taken: the
latest processing wins when nothing says it is older. A trailing content hash ("rules.v2+3f9a0c1b2d")
tells builds apart but not their order, like semver build metadata: it is left out of the comparison.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"\d+")
_BUILD_HASH = re.compile(r"\+[0-9a-f]{8,}$")  # "rules.v2+3f9a0c1b2d": a content hash, not a component


def _parse(version: str) -> tuple[str, tuple[int, ...]]:
    """("name.v#", (N,)): the text with every number replaced by '#', and the numbers in order."""
    text = _BUILD_HASH.sub("", version.strip().casefold())
    return _NUMBER.sub("#", text), tuple(int(n) for n in _NUMBER.findall(text))


def is_newer(candidate: str, than: str) -> bool:
    """True when `candidate` is a strictly newer version of the same rules as `than`."""
    shape_a, numbers_a = _parse(candidate)
    shape_b, numbers_b = _parse(than)
    return shape_a == shape_b and numbers_a > numbers_b


def incoming_wins(incoming: str, stored: str | None) -> bool:
    """Whether an incoming analysis replaces the stored one: unless the stored rules are newer."""
    return stored is None or not is_newer(stored, incoming)
