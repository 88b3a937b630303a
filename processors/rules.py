"""Rules as versioned, frozen data: lexicons, gazetteers and the code table.

Everything an event records about *how* it was found comes from here, so a replay can tell
which rules produced it (`Rules.version`, stamped on every event)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

RULES_VERSION = "newsmon-rules.v1"

_DATA = "processors.data"


def _load_json(name: str) -> dict[str, Any]:
    return json.loads(resources.files(_DATA).joinpath(name).read_text(encoding="utf-8"))


@lru_cache(maxsize=65536)
def norm_name(text: str) -> str:
    """Lower-case lookup key: no leading article, no possessive, single spaces, no edge punctuation."""
    t = " ".join(text.replace("\u2019", "'").split()).lower()
    t = re.sub(r"^(the)\s+", "", t)
    t = re.sub(r"\s*'s$", "", t)
    return t.strip(" .,;:\"'()[]-")


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


def _fs(values) -> frozenset[str]:
    return frozenset(v.lower() for v in values)


@dataclass(frozen=True)
class Rules:
    """The data the detectors read. Build it with `load_rules()`; never mutate it."""

    version: str
    names: Mapping[str, str | None]        # country / alias / capital / IGO name -> code
    name_heads: frozenset[str]             # first words of multi-word names (cheap pre-check)
    igo_codes: frozenset[str]
    ambiguous: Mapping[str, str | None]    # names that are flagged, resolved only with support
    demonyms: Mapping[str, str]
    plural_demonyms: Mapping[str, str]
    named_groups: Mapping[str, str | None]
    group_words: Mapping[str, str]
    titles: frozenset[str]
    org_heads: frozenset[str]              # head words that make an ORG part of a state
    country_titles: Mapping[str, str]
    office_full: Mapping[str, str]
    office_surnames: Mapping[str, str]
    companies: Mapping[str, str]           # state-linked firms often named as sanction targets
    sanction: Mapping[str, Any]              # word lists as frozensets; verb_objects as a table
    diplomacy_verbs: Mapping[str, str]
    diplomacy_nouns: Mapping[str, str]
    diplomacy: Mapping[str, Any]
    modality: Mapping[str, frozenset[str]]


def _country_names() -> dict[str, str]:
    """Every pycountry name form (name, common, official) -> alpha-3."""
    import pycountry

    out: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                out[norm_name(value)] = c.alpha_3
                # "Korea, Republic of" style names also under their head word order
                if ", " in value:
                    head, _, rest = value.partition(", ")
                    out.setdefault(norm_name(f"{rest} {head}"), c.alpha_3)
    return out


@lru_cache(maxsize=4)
def load_rules(version: str | None = None) -> Rules:
    """The rules of `version` (default: the current RULES_VERSION). Cached: loaded once per process."""
    if version not in (None, RULES_VERSION):
        raise ValueError(f"unknown rules version {version!r}; this build ships {RULES_VERSION!r}")
    gaz = _load_json("gazetteer.json")
    lex = _load_json("lexicons.json")

    names: dict[str, str | None] = _country_names()
    for table in ("country_aliases", "seats_of_power", "igos"):
        names.update({norm_name(k): v for k, v in gaz[table].items()})
    for amb in gaz["ambiguous"]:
        names.pop(norm_name(amb), None)
    igo_codes = frozenset(v for v in gaz["igos"].values() if v)

    sanction = {k: (_fs(v) if isinstance(v, list) else v) for k, v in lex["sanction"].items() if not k.startswith("_")}
    dip = lex["diplomacy"]
    diplomacy = {k: (_fs(v) if isinstance(v, list) else v) for k, v in dip.items()
                 if k not in ("verbs", "nouns")}
    modality = {k: _fs(v) for k, v in lex["modality"].items()}
    office = gaz["office_holders"]
    return Rules(
        version=RULES_VERSION,
        names=_frozen(names),
        name_heads=frozenset(k.split()[0] for k in names if " " in k),
        igo_codes=igo_codes,
        ambiguous=_frozen({norm_name(k): v for k, v in gaz["ambiguous"].items()}),
        demonyms=_frozen(gaz["demonyms"]),
        plural_demonyms=_frozen(gaz["plural_demonyms"]),
        named_groups=_frozen(gaz["named_groups"]),
        group_words=_frozen(gaz["group_words"]),
        titles=_fs(gaz["head_of_state_titles"]),
        org_heads=_fs(gaz["org_head_words"]),
        country_titles=_frozen(gaz["country_specific_titles"]),
        office_full=_frozen(office["full"]),
        office_surnames=_frozen(office["surnames"]),
        companies=_frozen(gaz["companies"]),
        sanction=_frozen(sanction),
        diplomacy_verbs=_frozen(dip["verbs"]),
        diplomacy_nouns=_frozen(dip["nouns"]),
        diplomacy=_frozen(diplomacy),
        modality=_frozen(modality),
    )
