"""Gold files for training and evaluation: read at run time, parsed once, cached as spaCy DocBins.

Only the parses are cached (under .run/, never committed): the texts stay in ../shared/eval."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, DocBin


@dataclass(frozen=True)
class GoldItem:
    id: str
    text: str
    published: date | None
    events: tuple[dict, ...]


def read_gold(path: Path) -> list[GoldItem]:
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        pub = obj.get("published") or None
        items.append(GoldItem(str(obj["id"]), obj.get("text") or "",
                              date.fromisoformat(pub) if pub else None, tuple(obj.get("events") or ())))
    return items


def parse_cached(nlp: Language, items: list[GoldItem], cache_dir: Path, parse) -> list[Doc]:
    """`parse(nlp, texts)` over the items, cached under `cache_dir` by a hash of model and texts."""
    key = hashlib.sha256(("\x00".join([nlp.meta.get("name", ""), nlp.meta.get("version", "")]
                                      + [i.text for i in items])).encode()).hexdigest()[:16]
    path = cache_dir / f"docs-{key}.spacy"
    tensors = cache_dir / f"docs-{key}.tensors.npy"
    if path.exists() and tensors.exists():
        docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
        flat = np.load(tensors)
        at = 0
        for d in docs:  # DocBin keeps no tensors; the learned layer reads tok2vec's
            if d.has_annotation("DEP"):
                d.tensor = flat[at:at + len(d)]
                at += len(d)
        return docs
    docs = parse(nlp, [i.text for i in items])
    cache_dir.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs, store_user_data=False).to_disk(path)
    np.save(tensors, np.concatenate([d.tensor for d in docs if d.has_annotation("DEP")]).astype(np.float32))
    return docs
