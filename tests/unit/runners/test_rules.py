"""Benchmark rules (self-match removal, excluded ids) change the metrics exactly as they should."""
import math

import pytest

from runners.data import Corpus, Dataset, Document
from runners.evaluate import evaluate_run
from runners.rules import apply_rules

RUN = {"q1": {"q1": 9.0, "x": 8.0, "d1": 7.0, "d2": 6.0}}
QRELS = {"q1": {"d1": 1, "d2": 2}}


def dataset(**rules) -> Dataset:
    documents = [Document(doc_id, "", f"text of {doc_id}") for doc_id in ["q1", "x", "d1", "d2"]]
    return Dataset(name="test/rules", corpus=Corpus.from_documents(documents), queries={"q1": "a query"},
                   qrels=QRELS, **rules)


def ndcg_at_10(rank_of_d1: int, rank_of_d2: int) -> float:
    """Linear-gain nDCG (trec_eval) for grades d1=1 and d2=2 at the given ranks."""
    dcg = 1 / math.log2(rank_of_d1 + 1) + 2 / math.log2(rank_of_d2 + 1)
    ideal = 2 / math.log2(2) + 1 / math.log2(3)
    return dcg / ideal


def test_no_rules_leave_the_run_alone():
    outcome = evaluate_run(RUN, dataset())
    assert outcome.run == RUN
    assert outcome.metrics["ndcg@10"] == pytest.approx(ndcg_at_10(3, 4), abs=1e-12)
    assert outcome.metrics["mrr@10"] == pytest.approx(1 / 3)


def test_self_match_removal_drops_the_query_document():
    outcome = evaluate_run(RUN, dataset(remove_self_matches=True))
    assert list(outcome.run["q1"]) == ["x", "d1", "d2"]
    assert outcome.metrics["ndcg@10"] == pytest.approx(ndcg_at_10(2, 3), abs=1e-12)
    assert outcome.metrics["mrr@10"] == pytest.approx(1 / 2)


def test_excluded_ids_are_dropped_per_query():
    outcome = evaluate_run(RUN, dataset(excluded_ids={"q1": frozenset({"x"}), "q2": frozenset({"d1"})}))
    assert list(outcome.run["q1"]) == ["q1", "d1", "d2"]
    assert outcome.metrics["ndcg@10"] == pytest.approx(ndcg_at_10(2, 3), abs=1e-12)


def test_both_rules_together():
    rules = {"remove_self_matches": True, "excluded_ids": {"q1": frozenset({"x"})}}
    outcome = evaluate_run(RUN, dataset(**rules))
    assert outcome.run == {"q1": {"d1": 7.0, "d2": 6.0}}
    assert outcome.metrics["ndcg@10"] == pytest.approx(ndcg_at_10(1, 2), abs=1e-12)
    assert outcome.metrics["p@10"] == pytest.approx(0.2)


def test_apply_rules_does_not_modify_its_input():
    apply_rules(RUN, dataset(remove_self_matches=True))
    assert "q1" in RUN["q1"]
