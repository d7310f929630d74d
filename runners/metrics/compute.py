"""Score a run against qrels exactly as trec_eval would.

ranx orders tied scores differently from trec_eval, so the run is first re-scored
with strictly decreasing values in trec_eval's order (score desc, doc id desc).
Judged queries missing from the run score 0 (trec_eval -c); unjudged queries are ignored.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runners.metrics.catalog import METRICS
from runners.trec_run import Run, trec_order

DEPTH = 1000


@dataclass
class Scores:
    mean: dict[str, float]
    per_query: dict[str, dict[str, float]]  # qid -> metric -> value
    queries: int


def _strict_scores(run: Run, qrels: dict[str, dict[str, int]]) -> dict[str, dict[str, float]]:
    strict: dict[str, dict[str, float]] = {}
    for qid in qrels:
        ordered = trec_order(run.get(qid, {}))[:DEPTH]
        strict[qid] = {doc_id: float(len(ordered) - rank) for rank, (doc_id, _) in enumerate(ordered)}
    return strict


def score_run(qrels: dict[str, dict[str, int]], run: Run) -> Scores:
    """Mean and per-query metrics over the judged queries."""
    from ranx import Qrels, Run as RanxRun, evaluate  # slow import (numba)

    judged = {qid: docs for qid, docs in qrels.items() if docs}
    if not judged:
        return Scores(mean={m.name: 0.0 for m in METRICS}, per_query={}, queries=0)
    strict = _strict_scores(run, judged)
    qids = sorted(judged)
    ranx_qrels = Qrels.from_dict({qid: {d: int(r) for d, r in judged[qid].items()} for qid in qids})
    # ranx rejects empty rankings; a judged query with no hits scores 0 on every metric.
    retrieved = {qid: strict[qid] for qid in qids if strict[qid]}
    per_query = {qid: {m.name: 0.0 for m in METRICS} for qid in qids}
    if retrieved:
        ranx_run = RanxRun.from_dict(retrieved)
        ranx_qrels_subset = Qrels.from_dict({qid: ranx_qrels.qrels[qid] for qid in retrieved}) if len(
            retrieved
        ) != len(qids) else ranx_qrels
        values = evaluate(
            ranx_qrels_subset, ranx_run, [m.ranx for m in METRICS], return_mean=False, make_comparable=True
        )
        ordered_qids = list(ranx_run.keys())
        for metric in METRICS:
            column = np.atleast_1d(values[metric.ranx])
            for qid, value in zip(ordered_qids, column):
                per_query[qid][metric.name] = float(value)
    mean = {m.name: float(np.mean([per_query[q][m.name] for q in qids])) for m in METRICS}
    return Scores(mean=mean, per_query=per_query, queries=len(qids))
