"""Helpers around the processors: events of an analysis, and a light NLP child for the executor's tests."""

from __future__ import annotations

import spacy

import processors
from streams.worker import nlp_executor


def events_of(analysis, type_=None):
    """The events of an analysis, of one type or all."""
    return [e for e in analysis.events if type_ is None or e.type == type_]


def blank_init() -> None:
    """A light child for the lifecycle tests: a blank English pipeline instead of the trained model."""
    nlp = spacy.blank("en")
    nlp_executor._CHILD.update(nlp=nlp, rules=processors.load_rules(), model=processors.model_name(nlp), batch_size=8)
