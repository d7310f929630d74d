"""The evaluate command adds CQADupStack's mean over its 12 forums, per retriever, once every forum is in."""
import pytest

from datasets_registry.aggregates import aggregates
from leaderboard.management.commands.evaluate import aggregate_rows
from runners.metrics import METRICS


def rows(retriever: str, forums: list[str]) -> list[dict]:
    return [{"retriever": retriever, "dataset": key, "metrics": {m.name: 0.1 * (i % 4) for m in METRICS},
             "timings": {}} for i, key in enumerate(forums)]


def test_mean_over_forums_only_for_retrievers_with_every_forum():
    forums = aggregates()["beir/cqadupstack"]
    extra = aggregate_rows(rows("bm25-flat", forums) + rows("minilm-l6", forums[:11]))
    assert [(r["retriever"], r["dataset"]) for r in extra] == [("bm25-flat", "beir/cqadupstack")]
    expected = sum(0.1 * (i % 4) for i in range(12)) / 12
    assert extra[0]["metrics"] == {m.name: pytest.approx(expected) for m in METRICS}
    assert extra[0]["aggregate_of"] == forums
