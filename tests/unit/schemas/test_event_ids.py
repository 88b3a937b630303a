"""Event ids derive from content; certainty counts only for events that are not asserted."""

from schemas.ids import content_id, event_id_for


def test_an_asserted_event_keeps_the_id_of_its_content():
    parts = ("a-1", "diplomacy", "meeting_or_talks", "CHL,PER", "", 10, 80)
    assert event_id_for("a-1", "diplomacy", "meeting_or_talks", ["PER", "CHL"], [], 10, 80) == \
        content_id(*parts, prefix="ev-")
    assert event_id_for("a-1", "diplomacy", "meeting_or_talks", ["CHL", "PER"], [], 10, 80, "asserted") == \
        content_id(*parts, prefix="ev-")


def test_a_planned_repeat_in_the_same_sentence_is_another_event():
    args = ("a-1", "diplomacy", "meeting_or_talks", ["PER", "CHL"], [], 10, 80)
    ids = {event_id_for(*args, c) for c in ("asserted", "hypothetical", "negated")}
    assert len(ids) == 3
