"""The learned layer: the shipped model loads, reads roles on sentences written for this test, and
its content is part of every event's rules_version; training is deterministic."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

import numpy as np
import pytest

from processors import RULES_VERSION, load_rules
from processors.learned.layer import LearnedModel, model_bytes
from processors.learned.linear import LinearModel
from tests.support.nlp import events_of


def test_the_shipped_model_is_loaded_with_the_rules(rules):
    assert rules.model is not None and rules.model.roles is not None
    raw = model_bytes()
    assert raw is not None and len(raw) < 20_000_000
    assert LearnedModel.from_json(json.loads(raw)).to_json() == json.loads(raw)


def test_rules_version_is_the_name_and_a_hash_of_rules_data_and_model(rules):
    name, _, digest = rules.version.partition("+")
    assert name == RULES_VERSION and len(digest) == 10 and int(digest, 16) >= 0
    assert load_rules(learned=False).version != rules.version


def test_any_change_to_the_rules_data_or_the_model_changes_the_version(rules):
    lexicons = json.loads(resources.files("processors.data").joinpath("lexicons.json").read_bytes())
    lexicons["sanction"]["strong_nouns"].append("interdiction")
    changed = load_rules(data=(("lexicons.json", json.dumps(lexicons).encode()),))
    assert changed.version != rules.version and changed.version.startswith(RULES_VERSION + "+")
    assert "interdiction" in changed.sanction["strong_nouns"]
    model = json.loads(model_bytes())
    model["roles"]["bias"][0] += 0.5
    assert load_rules(model=json.dumps(model).encode()).version not in (rules.version, changed.version)
    assert load_rules(data=(("lexicons.json", json.dumps(lexicons).encode()),)).version == changed.version


@pytest.mark.parametrize(("text", "actors", "targets"), [
    ("Washington imposed fresh sanctions on Caracas on Friday.", {"USA"}, {"VEN"}),
    ("Brazil lifted the embargo it had placed on Paraguayan beef.", {"BRA"}, {"PRY"}),
    # the rules find no actor in the sentence: the role model, not a discourse default, reads one
    ("Venezuela's government arrested two opposition leaders. New sanctions followed from Washington.",
     {"USA"}, {"VEN"}),
    ("The European Union extended its sanctions against Minsk for another year.", {"EU"}, {"BLR"}),
])
def test_the_role_model_reads_actor_and_target(analyze, text, actors, targets):
    # the lift's sentence also states the earlier act it undoes ("had placed": an impose of its own)
    (event,) = [e for e in events_of(analyze(text), "sanction") if e.subtype != "impose" or "lifted" not in text]
    assert set(event.actors) == actors and set(event.targets) == targets
    assert not set(event.actors) & set(event.targets)


def test_a_linear_model_round_trips_through_json():
    m = LinearModel(("a", "b"), {"x": 0, "y": 1}, np.array([[1.0, -1.0], [0.5, 0.25]], dtype=np.float32),
                    np.array([0.1, -0.1], dtype=np.float32), multiclass=True)
    again = LinearModel.from_json(json.loads(json.dumps(m.to_json())))
    assert np.allclose(again.proba(["x", "y", "unknown"]), m.proba(["y", "x"]))
    assert again.proba([]).sum() == pytest.approx(1.0)


def test_a_model_file_keeps_its_admitter_and_threshold_and_reads_older_files_without_them():
    from processors.learned.layer import LearnedModel

    admitter = LinearModel(("event",), {"rep_kept": 0}, np.array([[-2.0]], dtype=np.float32),
                           np.array([0.5], dtype=np.float32), multiclass=False)
    m = LearnedModel(None, None, admitter=admitter, admit_threshold=0.35)
    again = LearnedModel.from_json(json.loads(json.dumps(m.to_json())))
    assert again.admit_threshold == 0.35
    assert again.admitter is not None
    assert again.admitter.proba(["rep_kept"])[-1] < 0.5 < again.admitter.proba([])[-1]
    older = {k: v for k, v in m.to_json().items() if k not in ("admitter", "admit_threshold")}
    assert LearnedModel.from_json(older).admitter is None


class _Scorer:
    """The three checks of score.py that training uses, for sentences of this test (a unit-test fake)."""

    @staticmethod
    def norm(code):
        return code.upper()

    @staticmethod
    def covers(gold, pred, text):
        i = text.find(gold["trigger"])
        return pred["evidence"]["start"] <= i < pred["evidence"]["end"]

    @staticmethod
    def compatible(gold, pred):
        return bool(set(gold["actors"]) & set(pred["actors"])) and bool(set(gold["targets"]) & set(pred["targets"]))


def _corpus(nlp, rules):
    from processors.learned.corpus import GoldItem
    from processors.learned.train import Prepared
    from processors.pipeline import resolve_actors

    texts = [
        ("Ottawa slapped sanctions on Minsk over the crackdown.", "sanctions", "CAN", "BLR"),
        ("Tokyo imposed an embargo on Pyongyang after the launch.", "embargo", "JPN", "PRK"),
        ("Sanctions against Tehran were tightened by Brussels.", "Sanctions", "EU", "IRN"),
        ("Canberra lifted its sanctions on Fiji after the election.", "sanctions", "AUS", "FJI"),
    ] * 3
    items = [GoldItem(f"t{i}", t, date(2024, 1, 1), ({"type": "sanction", "subtype": "impose", "actors": [a],
                                                     "targets": [b], "trigger": trig, "certainty": "asserted"},))
             for i, (t, trig, a, b) in enumerate(texts)]
    docs = nlp.pipe(i.text for i in items)
    return [Prepared(i, d, resolve_actors(d, rules)) for i, d in zip(items, docs, strict=True)]


def test_training_the_role_model_is_deterministic(nlp):
    pytest.importorskip("sklearn", reason="scikit-learn is in the test extra")
    from processors.learned.train import fit

    base = load_rules(learned=False)
    prepared = _corpus(nlp, base)
    first = fit(prepared, base, _Scorer(), log=lambda *_: None).to_json()
    second = fit(prepared, base, _Scorer(), log=lambda *_: None).to_json()
    assert first == second and first["roles"]["features"]
