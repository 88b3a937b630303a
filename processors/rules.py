"""Rules as versioned, frozen data: lexicons, gazetteers and the code table.

Everything an event records about *how* it was found comes from here, so a replay can tell
which rules produced it (`Rules.version`, stamped on every event)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

# The human name of the rules; every event records `Rules.version`, this name plus a short hash of the
# rules data and the learned model, so any change to either gives a new version.
RULES_VERSION = "newsmon-rules.v2"
DATA_FILES = ("gazetteer.json", "lexicons.json")

_DATA = "processors.data"


def _read(name: str) -> bytes:
    return resources.files(_DATA).joinpath(name).read_bytes()


def content_version(name: str, parts: Sequence[bytes]) -> str:
    """`name+<10 hex>`: the name and a hash of the given data, so different content never shares a version."""
    h = hashlib.sha256()
    for p in parts:
        h.update(len(p).to_bytes(8, "big"))
        h.update(p)
    return f"{name}+{h.hexdigest()[:10]}"


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
    title_modifiers: frozenset[str]        # words that may stand in an official's title phrase
    sanctioners: frozenset[str]            # codes that usually impose sanctions rather than suffer them
    sanction: Mapping[str, Any]              # word lists as frozensets; verb_objects as a table
    diplomacy_verbs: Mapping[str, str]
    diplomacy_nouns: Mapping[str, str]
    diplomacy: Mapping[str, Any]
    modality: Mapping[str, frozenset[str]]
    patterns: Mapping[str, Any]            # Matcher patterns by name (processors.patterns)
    coreference: Mapping[str, frozenset[str]]  # words that refer back to parties (processors.coreference)
    model: Any = None                      # processors.learned.layer.LearnedModel, or None: rules only


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
def load_rules(version: str | None = None, learned: bool = True, model: bytes | None = None,
               data: tuple[tuple[str, bytes], ...] = ()) -> Rules:
    """The rules this build ships, with the learned model of processors/data/model/ (or `model`, the
    bytes of another model file; `learned=False`: rules only). `data` replaces data files by name
    (("lexicons.json", b"..."),), for trying a change before it ships. Cached: loaded once per process.

    `version` may be the name (RULES_VERSION) or a full version; another name is refused."""
    from processors.learned.layer import load_model, model_bytes

    if version is not None and version.split("+")[0] != RULES_VERSION:
        raise ValueError(f"unknown rules version {version!r}; this build ships {RULES_VERSION!r}")
    replaced = dict(data)
    raw = [replaced[n] if n in replaced else _read(n) for n in DATA_FILES]
    gaz, lex = (json.loads(r) for r in raw)
    model_raw = (model if model is not None else model_bytes(_DATA)) if learned else None
    full = content_version(RULES_VERSION, raw + [model_raw or b"rules-only"])
    if version is not None and "+" in version and version != full:
        raise ValueError(f"rules version {version!r} is not this build's ({full!r})")

    names: dict[str, str | None] = dict(_country_names())
    for table in ("country_aliases", "seats_of_power", "igos"):
        names.update({norm_name(k): v for k, v in gaz[table].items()})
    for amb in gaz["ambiguous"]:
        names.pop(norm_name(amb), None)
    igo_codes = frozenset(v for v in gaz["igos"].values() if v)

    sanction = {k: (_fs(v) if isinstance(v, list) else v) for k, v in lex["sanction"].items() if not k.startswith("_")}
    dip = lex["diplomacy"]
    diplomacy = {k: (_fs(v) if isinstance(v, list) else v) for k, v in dip.items()
                 if k not in ("verbs", "nouns")}
    modality = {k: _fs(v) for k, v in lex["modality"].items() if not k.startswith("_")}
    office = gaz["office_holders"]
    return Rules(
        version=full,
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
        title_modifiers=_fs(gaz["title_modifiers"]),
        sanctioners=frozenset(gaz["usual_sanctioners"]),
        sanction=_frozen(sanction),
        diplomacy_verbs=_frozen(dip["verbs"]),
        diplomacy_nouns=_frozen(dip["nouns"]),
        diplomacy=_frozen(diplomacy),
        modality=_frozen(modality),
        patterns=_frozen({k: v for k, v in lex["patterns"].items() if not k.startswith("_")}),
        coreference=_frozen({k: _fs(v) for k, v in gaz["coreference"].items() if not k.startswith("_")}),
        model=load_model(model_raw),
    )
