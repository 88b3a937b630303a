"""Every topic's example payloads are valid under BOTH contracts subscribers rely on: the pydantic model the
worker validates with, and the exported JSON Schema that subscribers in other languages validate with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

import schemas
from schemas import Alert, EnrichedArticle, alert_id_for, event_id_for
from schemas.json_schema import topic_schema
from streams.settings import Settings

EXAMPLES = Path(schemas.__file__).parent / "examples"
SPECS = {spec.name: spec for spec in Settings().topics().values()}


def _examples() -> list[tuple[str, Path]]:
    return sorted((path.parent.name, path) for path in EXAMPLES.glob("*/*.json"))


def _validator(topic: str) -> Draft202012Validator:
    schema = topic_schema(SPECS[topic])
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


@pytest.mark.parametrize("topic", sorted(SPECS))
def test_every_declared_topic_has_an_example(topic):
    assert list((EXAMPLES / topic).glob("*.json")), f"add an example payload under schemas/examples/{topic}/"


def test_no_examples_for_undeclared_topics():
    assert {path.name for path in EXAMPLES.iterdir() if path.is_dir()} <= set(SPECS)


@pytest.mark.parametrize(("topic", "path"), _examples(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_example_is_valid_for_model_and_json_schema(topic, path):
    raw = path.read_text(encoding="utf-8")
    record = SPECS[topic].schema.model_validate_json(raw)
    validator = _validator(topic)
    assert not list(validator.iter_errors(json.loads(raw)))
    # What the worker itself puts on the wire must satisfy the published schema too.
    assert not list(validator.iter_errors(json.loads(record.model_dump_json())))


@pytest.mark.parametrize(("topic", "path"), _examples(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_model_and_json_schema_agree_on_what_they_reject(topic, path):
    """An unknown key and a missing required field are rejected by both contracts, not just one."""
    data = json.loads(path.read_text(encoding="utf-8"))
    model, validator = SPECS[topic].schema, _validator(topic)
    variants = [{**data, "unexpected_field": 1}]
    required = model.model_json_schema()["required"]
    variants += [{k: v for k, v in data.items() if k != field} for field in required]
    assert required, "every record has required fields"
    for variant in variants:
        assert not validator.is_valid(variant), sorted(variant)
        with pytest.raises(ValueError):
            model.model_validate(variant)


ALERT_EXAMPLES = sorted(p for p in EXAMPLES.glob("alerts.*/*.json") if p.parent.name != "alerts.incidents")


@pytest.mark.parametrize("path", ALERT_EXAMPLES, ids=lambda p: p.name)
def test_alert_examples_carry_content_derived_ids(path):
    alert = Alert.model_validate_json(path.read_text(encoding="utf-8"))
    event = alert.event
    assert event.id == event_id_for(event.article_id, event.type, event.subtype, event.actors, event.targets,
                                    event.evidence.start, event.evidence.end)
    assert alert.id == alert_id_for(event.id)
    assert path.parent.name == SPECS[{"sanction": "alerts.sanctions", "diplomacy": "alerts.diplomacy"}[
        event.type]].name


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("news.enriched/*.json")), ids=lambda p: p.name)
def test_enriched_examples_point_into_their_article(path):
    enriched = EnrichedArticle.model_validate_json(path.read_text(encoding="utf-8"))
    text = enriched.article.full_text
    for event in enriched.analysis.events:
        assert text[event.evidence.start:event.evidence.end] == event.evidence.text
    entity_ids = {entity.id for entity in enriched.analysis.entities}
    for mention in enriched.analysis.mentions:
        assert text[mention.start:mention.end] == mention.text
        assert mention.entity_id in entity_ids


def test_timestamps_must_be_rfc3339_in_both_contracts():
    """Subscribers parse timestamps as RFC 3339; the schema checks the format (needs rfc3339-validator)."""
    path = EXAMPLES / "news.articles" / "sanction-eu-shipping-line.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    bad = {**data, "published": "27/11/2026 16:20"}
    assert not _validator("news.articles").is_valid(bad)
    with pytest.raises(ValueError):
        schemas.Article.model_validate(bad)
