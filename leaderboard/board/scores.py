"""Per-query scores of stored results: the material of significance tests, intervals and comparisons."""
from __future__ import annotations

from collections import defaultdict

from leaderboard.models import QueryScore, metric_field


def per_query(result_ids, metric_name: str) -> dict[int, dict[str, float]]:
    """result id -> {query id: score} in one query."""
    scores: dict[int, dict[str, float]] = defaultdict(dict)
    for result_id, query_id, value in QueryScore.objects.filter(result_id__in=list(result_ids)).values_list(
        "result_id", "query_id", metric_field(metric_name)
    ):
        scores[result_id][query_id] = value
    return scores
