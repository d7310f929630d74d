"""Score a run against qrels exactly as trec_eval would.

ranx orders tied scores differently from trec_eval, so each ranking is first put in
trec_eval's order (score desc, doc id desc) and handed to ranx as already-sorted arrays.
Judged queries missing from the run score 0 (trec_eval -c); unjudged queries are ignored.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runners.metrics.catalog import METRICS
from runners.ranx_lock import RANX_KERNELS
from runners.trec_run import Run, trec_order

DEPTH = 1000


@dataclass
class Scores:
    mean: dict[str, float]
    per_query: dict[str, dict[str, float]]  # qid -> metric -> value
    queries: int


def _query_arrays(hits: dict[str, float], judgments: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """One query in ranx's kernel format: rows of (doc key, value), run in trec_eval order, qrels by grade.

    Doc ids become small integer keys (exact, unlike ranx's own hashing), and run values
    strictly decrease so no kernel can reorder ties.
    """
    ordered = [doc_id for doc_id, _ in trec_order(hits)[:DEPTH]]
    keys = {doc_id: float(key) for key, doc_id in enumerate(dict.fromkeys([*ordered, *judgments]))}
    run = np.array([(keys[d], float(len(ordered) - rank)) for rank, d in enumerate(ordered)], dtype=np.float64)
    graded = sorted(judgments.items(), key=lambda item: item[1], reverse=True)
    qrels = np.array([(keys[d], float(grade)) for d, grade in graded], dtype=np.float64)
    return qrels, run


def score_run(qrels: dict[str, dict[str, int]], run: Run) -> Scores:
    """Mean and per-query metrics over the judged queries."""
    # Slow imports (numba). Passing typed lists of arrays skips ranx's Qrels/Run dictionaries,
    # whose numba code is compiled anew in every process (about 10 s); the metric kernels are cached.
    from numba.typed import List
    from ranx import evaluate

    qids = sorted(qid for qid, docs in qrels.items() if docs)
    per_query = {qid: {m.name: 0.0 for m in METRICS} for qid in qids}
    # ranx needs at least one hit per query; a judged query with no hits keeps 0 on every metric.
    retrieved = [qid for qid in qids if run.get(qid)]
    if retrieved:
        arrays = [_query_arrays(run[qid], qrels[qid]) for qid in retrieved]
        with RANX_KERNELS:
            values = evaluate(
                List([q for q, _ in arrays]), List([r for _, r in arrays]), [m.ranx for m in METRICS],
                return_mean=False,
            )
        for metric in METRICS:
            for qid, value in zip(retrieved, np.atleast_1d(values[metric.ranx])):
                per_query[qid][metric.name] = float(value)
    mean = {m.name: float(np.mean([per_query[q][m.name] for q in qids])) if qids else 0.0 for m in METRICS}
    return Scores(mean=mean, per_query=per_query, queries=len(qids))
