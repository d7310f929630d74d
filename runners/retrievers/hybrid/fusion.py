"""Fusion of the runs of two or more retrievers: pure functions over runs.

RRF (Cormack et al., k=60) and convex combination of per-query normalised scores
(min-max or z-score). Semantics follow ranx's `fuse` (a document missing from a run adds
nothing; normalisation denominators floor at 1e-9), which the tests check against; fusing
here, in plain Python over each query's candidates, avoids ranx's numba start-up on every call.
"""
from __future__ import annotations

import statistics

from runners.errors import UserInputError
from runners.trec_run import Run, trec_order

METHODS = ("rrf", "convex")
NORMS = ("min-max", "z-score")


def rrf(runs: list[Run], k: int = 60) -> Run:
    """Sum over runs of 1 / (k + rank), ranks in trec_eval order starting at 1."""
    fused: Run = {}
    for run in runs:
        for qid, hits in run.items():
            scores = fused.setdefault(qid, {})
            for rank, (doc_id, _) in enumerate(trec_order(hits), start=1):
                scores[doc_id] = scores.get(doc_id, 0.0) + 1.0 / (k + rank)
    return fused


def normalise(hits: dict[str, float], norm: str) -> dict[str, float]:
    if not hits:
        return {}
    values = list(hits.values())
    if norm == "min-max":
        low = min(values)
        scale = max(max(values) - low, 1e-9)
    else:
        low = statistics.fmean(values)
        scale = max(statistics.pstdev(values), 1e-9)
    return {doc_id: (score - low) / scale for doc_id, score in hits.items()}


def convex(runs: list[Run], weights: list[float], norm: str = "min-max") -> Run:
    """Weighted sum of per-query normalised scores."""
    if len(weights) != len(runs):
        raise UserInputError(f"convex fusion needs one weight per run: {len(runs)} runs, {len(weights)} weights")
    if norm not in NORMS:
        raise UserInputError(f"score normalisation {norm!r} is not one of {', '.join(NORMS)}")
    fused: Run = {}
    for run, weight in zip(runs, weights):
        for qid, hits in run.items():
            scores = fused.setdefault(qid, {})
            for doc_id, score in normalise(hits, norm).items():
                scores[doc_id] = scores.get(doc_id, 0.0) + weight * score
    return fused
