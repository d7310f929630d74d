"""runners.metrics.score_run equals trec_eval (pytrec_eval-terrier) on every metric, per query and mean."""
import random

import pytest
import pytrec_eval

from runners.metrics import METRICS, score_run
from tests.helpers import load_beir_dataset

TOLERANCE = 1e-9
MRR_CUTOFF = 10


def trec_eval_scores(qrels, run) -> dict[str, dict[str, float]]:
    """trec_eval -c: per judged query, every metric of the catalog; judged queries absent from the run score 0.

    pytrec_eval skips queries missing from the run, hence the zero fill. MRR@10 is derived from
    trec_eval's full-depth recip_rank (1/rank of the first relevant hit, 0 past rank 10), so
    the reference never depends on our own tie ordering.
    """
    measures = {m.trec_eval for m in METRICS}
    evaluated = pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(run)
    reference = {}
    for qid in qrels:
        values = evaluated.get(qid, {})
        scores = {m.name: values.get(m.trec_eval, 0.0) for m in METRICS}
        reciprocal_rank = values.get("recip_rank", 0.0)
        scores["mrr@10"] = reciprocal_rank if reciprocal_rank >= 1 / MRR_CUTOFF else 0.0
        reference[qid] = scores
    return reference


def assert_matches_trec_eval(qrels, run) -> None:
    ours = score_run(qrels, run)
    reference = trec_eval_scores(qrels, run)
    assert sorted(ours.per_query) == sorted(reference)
    for qid, expected in reference.items():
        for name, value in expected.items():
            assert ours.per_query[qid][name] == pytest.approx(value, abs=TOLERANCE), (qid, name)
    for metric in METRICS:
        mean = sum(scores[metric.name] for scores in reference.values()) / len(reference)
        assert ours.mean[metric.name] == pytest.approx(mean, abs=TOLERANCE), metric.name
    assert ours.queries == len(reference)


@pytest.mark.parametrize("dataset_name", ["classic-ir/adi", "classic-ir/medline", "classic-ir/cranfield"])
def test_real_bm25_runs_match_trec_eval(bm25_outcome, dataset_name):
    outcome = bm25_outcome(dataset_name, "bm25-flat")
    qrels = load_beir_dataset(dataset_name).qrels
    assert_matches_trec_eval(qrels, outcome.run)
    reference = trec_eval_scores(qrels, outcome.run)
    for metric in METRICS:  # the means evaluate() reports, too
        mean = sum(scores[metric.name] for scores in reference.values()) / len(reference)
        assert outcome.metrics[metric.name] == pytest.approx(mean, abs=TOLERANCE)


def numbered_docs(count: int) -> list[str]:
    return [str(n) for n in range(1, count + 1)]


def test_all_scores_equal_ranks_by_doc_id_as_strings():
    # trec_eval orders "999" > "99" > "9" > "1200" > "1000": string order, descending, not numeric.
    run = {"q": {doc: 1.0 for doc in numbered_docs(1200)}}
    qrels = {"q": {"9": 2, "10": 1, "100": 3, "999": 1, "1000": 2, "1200": 1, "7": 0}}
    assert_matches_trec_eval(qrels, run)
    assert score_run(qrels, run).per_query["q"]["mrr@10"] == 1.0  # "999" is first


def test_tie_ordering_matters_for_these_runs():
    # Guard for the tests below: reversing the tie order changes trec_eval's answer.
    run = {"q": {doc: 1.0 for doc in numbered_docs(20)}}
    qrels = {"q": {"1": 1}}
    numeric_order = {"q": {doc: 100.0 - int(doc) for doc in numbered_docs(20)}}
    assert trec_eval_scores(qrels, run)["q"] != trec_eval_scores(qrels, numeric_order)["q"]


@pytest.mark.parametrize("cutoff", [10, 100, 1000])
def test_ties_straddling_a_cutoff(cutoff):
    # Distinct scores above the cutoff, then a block of ties spanning ranks cutoff-2 .. cutoff+3.
    top = {f"d{n}": 1000.0 - n for n in range(cutoff - 3)}
    tied = {doc: 5.0 for doc in ["a", "b", "c", "z1", "z10", "z2"]}
    tail = {f"t{n}": 1.0 / (n + 1) for n in range(50)}
    run = {"q": {**top, **tied, **tail}}
    qrels = {"q": {"a": 3, "b": 0, "z10": 2, "z2": 1, "d0": 1, "t3": 2, "unretrieved": 1}}
    assert_matches_trec_eval(qrels, run)


def test_graded_relevance_with_zero_grades_and_missing_queries():
    run = {
        "1": {"a": 3.0, "b": 2.5, "c": 2.5, "d": 2.5, "e": -1.0},
        "2": {"x": 0.5, "y": 0.5},  # judged only with grade 0: every metric is 0
        "10": {"a": 1.0},  # not judged: ignored
    }
    qrels = {
        "1": {"a": 0, "b": 1, "c": 3, "d": 2, "f": 3},
        "2": {"x": 0, "y": 0},
        "3": {"a": 1},  # judged, absent from the run: scores 0 and counts in the mean (trec_eval -c)
    }
    assert_matches_trec_eval(qrels, run)
    scores = score_run(qrels, run)
    assert scores.queries == 3
    assert scores.per_query["3"] == {m.name: 0.0 for m in METRICS}
    assert scores.mean["p@10"] == pytest.approx((3 / 10) / 3)


def test_random_runs_with_heavy_ties():
    rng = random.Random(20261122)
    for _ in range(60):
        qrels, run = {}, {}
        for qid in rng.sample(["1", "2", "10", "11", "100"], rng.randint(1, 4)):
            judged = [str(rng.randint(1, 300)) for _ in range(rng.randint(1, 40))]
            qrels[qid] = {doc: rng.choice([0, 0, 1, 2, 3]) for doc in judged}
            if rng.random() < 0.8:
                hits = [str(rng.randint(1, 1500)) for _ in range(rng.randint(1, 1200))]
                run[qid] = {doc: rng.choice([1.0, 2.0, 3.0, rng.random()]) for doc in hits}
        assert_matches_trec_eval(qrels, run)


def test_scores_equal_as_32_bit_floats_are_ties_as_in_trec_eval():
    """trec_eval reads scores into a C float: 1.000000001 and 1.0 are the same score, ordered by doc id."""
    qrels = {"q": {"a1": 1, "a2": 1}}
    run = {"q": {"a1": 1.000000001, "a2": 1.000000001, **{f"z{n}": 1.0 for n in range(10)}}}
    ours = score_run(qrels, run)
    assert ours.per_query["q"]["ndcg@10"] == pytest.approx(trec_eval_scores(qrels, run)["q"]["ndcg@10"], abs=1e-9)
    assert ours.per_query["q"]["ndcg@10"] < 0.5  # at double precision the relevant pair would lead: 1.0
