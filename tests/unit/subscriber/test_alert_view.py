"""Decoding, filtering and rendering of alerts for `newsmon alerts`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import schemas
from schemas import Alert
from streams.cli.alert_view import (
    AlertFilter,
    NotAnAlert,
    Shown,
    UnknownName,
    alert_time,
    decode_alert,
    needs_resolver,
    party_codes,
    render_json,
    render_line,
)

EXAMPLES = Path(schemas.__file__).parent / "examples"
SANCTION = (EXAMPLES / "alerts.sanctions" / "eu-imposes-on-iran.json").read_bytes()
DIPLOMACY = (EXAMPLES / "alerts.diplomacy" / "japan-korea-talks.json").read_bytes()


def test_decode_valid_alert():
    alert = decode_alert(SANCTION)
    assert alert.event.actors == ("EU",) and alert.event.targets == ("IRN",)


@pytest.mark.parametrize(("raw", "reason"), [
    (None, "tombstone"),
    (b"not json", "json"),
    (json.dumps({**json.loads(SANCTION), "surprise": 1}).encode(), "surprise"),
    (json.dumps({k: v for k, v in json.loads(SANCTION).items() if k != "event"}).encode(), "event"),
])
def test_invalid_records_say_why(raw, reason):
    with pytest.raises(NotAnAlert, match=f"(?i){reason}"):
        decode_alert(raw)


@pytest.mark.parametrize(("kwargs", "keeps_sanction", "keeps_diplomacy"), [
    ({}, True, True),
    ({"type_": "sanction"}, True, False),
    ({"actors": ["eu"]}, True, False),  # codes compare case-insensitively
    ({"actors": ["USA", "JPN"]}, False, True),  # any of several
    ({"targets": ["IRN"]}, True, False),
    ({"actors": ["EU"], "targets": ["KOR"]}, False, False),  # all criteria must hold
    ({"type_": "diplomacy", "targets": ["kor"]}, False, True),
])
def test_filter(kwargs, keeps_sanction, keeps_diplomacy):
    keep = AlertFilter.build(kwargs.get("type_"), kwargs.get("actors", []), kwargs.get("targets", []))
    assert keep(decode_alert(SANCTION)) is keeps_sanction
    assert keep(decode_alert(DIPLOMACY)) is keeps_diplomacy


def test_readable_line_has_the_essentials():
    text = render_line(decode_alert(SANCTION)).plain
    assert text.startswith("2026-11-27 16:20:00Z  sanction/impose  EU -> IRN  asserted 0.91  «imposed sanctions»")
    assert '"The European Union imposed sanctions' in text
    assert text.endswith("— EU freezes assets of Iranian state shipping line")
    assert "\n" not in text


def test_long_evidence_is_cut_to_a_snippet():
    alert = decode_alert(SANCTION)
    long = alert.model_copy(update={"event": alert.event.model_copy(update={
        "evidence": alert.event.evidence.model_copy(update={"text": "word " * 200})})})
    assert len(render_line(long).plain) < 400 and "…" in render_line(long).plain


def test_brackets_in_text_are_not_taken_as_markup():
    alert = decode_alert(SANCTION)
    odd = alert.model_copy(update={"article_title": "[bold]Sanctions[/bold] update"})
    assert "[bold]Sanctions[/bold] update" in render_line(odd).plain


def test_json_is_one_line_and_round_trips():
    alert = decode_alert(SANCTION)
    line = render_json(alert)
    assert "\n" not in line
    assert Alert.model_validate_json(line) == alert


@pytest.fixture(scope="module")
def rules():
    import processors

    return processors.load_rules()


@pytest.mark.parametrize(("typed", "codes"), [("RUS", ["RUS"]), ("rus", ["RUS"]), ("Russia", ["RUS"]),
                                              ("the United States", ["USA"]), ("North Korea", ["PRK"]),
                                              ("XQZ", ["XQZ"])])
def test_names_and_codes_resolve_to_codes(rules, typed, codes):
    assert party_codes(typed, rules) == codes


def test_an_unknown_name_is_an_error_naming_close_matches(rules):
    with pytest.raises(UnknownName) as exc:
        party_codes("Rusia", rules)
    assert "'Rusia'" in str(exc.value) and "russia (RUS)" in str(exc.value)
    with pytest.raises(UnknownName, match="give an actor code"):
        party_codes("Qwxzzy", rules)


def test_codes_as_typed_need_no_resolver():
    assert not needs_resolver(["RUS", "IGO:EU"])
    assert needs_resolver(["RUS", "Russia"])


def test_a_repeat_is_dropped_and_a_changed_alert_shown_again():
    alert = decode_alert(SANCTION)
    shown = Shown()
    assert shown.first_time(alert)
    assert not shown.first_time(alert.model_copy(update={"created_at": alert.created_at.replace(year=2030)}))
    assert shown.first_time(alert.model_copy(update={"article_title": "A new headline"}))


def test_alerts_order_by_the_time_their_line_shows():
    alert = decode_alert(SANCTION)
    later = alert.model_copy(update={"article_published": alert_time(alert).replace(year=2031)})
    undated = alert.model_copy(update={"article_published": None})
    assert alert_time(undated) == undated.created_at
    assert sorted([later, alert], key=alert_time) == [alert, later]
