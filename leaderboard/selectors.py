"""Read paths of the leaderboard."""
from __future__ import annotations

from leaderboard.models import Result


def has_reference_result(retriever: str, dataset_key: str) -> bool:
    benchmark, slug = dataset_key.split("/", 1)
    return Result.objects.filter(
        is_current=True,
        evaluation__submission__is_reference=True,
        evaluation__submission__retriever=retriever,
        evaluation__dataset__benchmark__slug=benchmark,
        evaluation__dataset__slug=slug,
    ).exists()
