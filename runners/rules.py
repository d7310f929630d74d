"""Benchmark-specific evaluation rules applied to a run before scoring."""
from __future__ import annotations

from runners.data import Dataset
from runners.trec_run import Run


def apply_rules(run: Run, dataset: Dataset) -> Run:
    """Drop self-matches (ArguAna, Quora) and per-query excluded ids (BRIGHT)."""
    if not dataset.remove_self_matches and not dataset.excluded_ids:
        return run
    cleaned: Run = {}
    for qid, hits in run.items():
        excluded = dataset.excluded_ids.get(qid, frozenset())
        cleaned[qid] = {
            doc_id: score
            for doc_id, score in hits.items()
            if doc_id not in excluded and not (dataset.remove_self_matches and doc_id == qid)
        }
    return cleaned
