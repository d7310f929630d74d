"""RRF and convex fusion equal ranx's `fuse` on the same runs."""
from __future__ import annotations

import numpy as np
import pytest

from runners.errors import UserInputError
from runners.retrievers.hybrid.fusion import convex, rrf


def random_runs(seed: int, n_runs: int = 2) -> list[dict]:
    """Runs over overlapping document pools, distinct scores (rank order is then unambiguous)."""
    rng = np.random.default_rng(seed)
    runs = []
    for offset in range(n_runs):
        run = {}
        for q in range(6):
            docs = rng.choice(60, size=int(rng.integers(5, 40)), replace=False) + 10 * offset
            scores = rng.permutation(len(docs)) * 0.37 + rng.normal(3.0, 2.0)
            run[f"q{q}"] = {f"d{d}": float(s) for d, s in zip(docs, scores)}
        runs.append(run)
    return runs


def ranx_fuse(runs: list[dict], **kwargs) -> dict:
    from ranx import Run, fuse

    return fuse([Run.from_dict(r) for r in runs], **kwargs).to_dict()


def assert_same_run(ours: dict, theirs: dict) -> None:
    assert set(ours) == set(theirs)
    for qid in ours:
        assert set(ours[qid]) == set(theirs[qid])
        np.testing.assert_allclose([ours[qid][d] for d in theirs[qid]], list(theirs[qid].values()),
                                   rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_rrf_equals_ranx(seed):
    runs = random_runs(seed, n_runs=3)
    assert_same_run(rrf(runs, k=60), ranx_fuse(runs, norm=None, method="rrf", params={"k": 60}))


@pytest.mark.parametrize(("norm", "ranx_norm"), [("min-max", "min-max"), ("z-score", "zmuv")])
@pytest.mark.parametrize("alpha", [0.3, 0.5])
def test_convex_equals_ranx_weighted_sum(norm, ranx_norm, alpha):
    runs = random_runs(7)
    ours = convex(runs, [1 - alpha, alpha], norm)
    theirs = ranx_fuse(runs, norm=ranx_norm, method="wsum", params={"weights": [1 - alpha, alpha]})
    assert_same_run(ours, theirs)


def test_a_document_found_by_both_runs_outranks_one_found_by_one():
    fused = rrf([{"q": {"a": 2.0, "b": 1.0}}, {"q": {"c": 2.0, "a": 1.0}}])
    assert max(fused["q"], key=fused["q"].get) == "a"


def test_convex_needs_one_weight_per_run_and_a_known_norm():
    runs = random_runs(0)
    with pytest.raises(UserInputError, match="one weight per run"):
        convex(runs, [1.0])
    with pytest.raises(UserInputError, match="normalisation 'max'"):
        convex(runs, [0.5, 0.5], "max")
