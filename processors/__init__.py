"""Pure NLP: article text -> entities -> actors -> sanction and diplomacy events.

Imports schemas/ and spaCy only; never Kafka, databases or metrics (a test walks the imports)."""

from processors.pipeline import (
    analyze_doc,
    load_nlp,
    model_name,
    parse_batch,
    process_article,
    process_batch,
)
from processors.rules import RULES_VERSION, Rules, load_rules

__all__ = [
    "RULES_VERSION",
    "Rules",
    "analyze_doc",
    "load_nlp",
    "load_rules",
    "model_name",
    "parse_batch",
    "process_article",
    "process_batch",
]
