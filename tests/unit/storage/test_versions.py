"""Which rules version wins when an article is reprocessed."""

import pytest

from storage.versions import incoming_wins, is_newer


@pytest.mark.parametrize(("a", "b"), [
    ("sanction_rules.v2", "sanction_rules.v1"),
    ("sanction_rules.v10", "sanction_rules.v9"),  # numbers, not strings
    ("rules.v2.1", "rules.v2.0"),
    ("Rules.V3", "rules.v2"),  # case does not matter
    ("sanctions.v1+diplomacy.v4", "sanctions.v1+diplomacy.v3"),
])
def test_newer_versions_of_the_same_rules_are_newer(a, b):
    assert is_newer(a, b)
    assert not is_newer(b, a)


def test_a_version_is_not_newer_than_itself():
    assert not is_newer("rules.v3", "rules.v3")


def test_versions_of_different_rules_are_not_ordered():
    assert not is_newer("diplomacy_rules.v5", "sanction_rules.v2")
    assert not is_newer("sanction_rules.v2", "diplomacy_rules.v5")


@pytest.mark.parametrize(("incoming", "stored", "wins"), [
    ("rules.v2", None, True),  # nothing stored yet
    ("rules.v2", "rules.v1", True),
    ("rules.v2", "rules.v2", True),  # same version: reprocessing replaces
    ("rules.v1", "rules.v2", False),  # stored is newer: keep it
    ("rules.v9", "rules.v10", False),
    ("other.v1", "rules.v7", True),  # not comparable: latest processing wins
])
def test_incoming_wins_unless_the_stored_rules_are_newer(incoming, stored, wins):
    assert incoming_wins(incoming, stored) is wins


@pytest.mark.parametrize(("incoming", "stored", "wins"), [
    ("newsmon-rules.v2+1a2b3c4d5e", "newsmon-rules.v2+9f8e7d6c5b", True),  # another build: latest wins
    ("newsmon-rules.v2+9f8e7d6c5b", "newsmon-rules.v2+1a2b3c4d5e", True),
    ("newsmon-rules.v1+77aa00bb11", "newsmon-rules.v2+1a2b3c4d5e", False),  # the name's number still orders
    ("newsmon-rules.v3+000000000f", "newsmon-rules.v2+9999999999", True),
])
def test_a_content_hash_after_plus_tells_builds_apart_but_does_not_order_them(incoming, stored, wins):
    assert incoming_wins(incoming, stored) is wins
