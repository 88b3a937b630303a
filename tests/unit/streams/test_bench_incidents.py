"""The clustering-quality figure of `newsmon bench --stages incidents`: B-cubed precision and recall."""

from streams.bench.incidents import bcubed


def test_a_perfect_clustering_scores_one():
    assert bcubed({"a": "x", "b": "x", "c": "y"}, {"a": 1, "b": 1, "c": 2}) == (1.0, 1.0)


def test_splitting_an_act_costs_recall_and_merging_acts_costs_precision():
    precision, recall = bcubed({"a": "x", "b": "y"}, {"a": 1, "b": 1})
    assert (precision, recall) == (1.0, 0.5)
    precision, recall = bcubed({"a": "x", "b": "x"}, {"a": 1, "b": 2})
    assert (precision, recall) == (0.5, 1.0)
