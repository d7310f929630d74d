"""Stored results as the read API and run downloads list them."""
from __future__ import annotations

from django.db.models import QuerySet

from leaderboard.models import Result, metric_field
from leaderboard.visibility import visible_submissions
from runners.metrics import METRICS


def visible_result(user, pk: int) -> Result:
    """Raises Result.DoesNotExist when the viewer may not see it."""
    return Result.objects.select_related("evaluation__submission", "evaluation__dataset__benchmark").get(
        pk=pk, evaluation__submission__in=visible_submissions(user))


def has_reference_result(retriever: str, dataset_key: str) -> bool:
    benchmark, slug = dataset_key.split("/", 1)
    return Result.objects.filter(
        is_current=True,
        evaluation__submission__is_reference=True,
        evaluation__submission__retriever=retriever,
        evaluation__dataset__benchmark__slug=benchmark,
        evaluation__dataset__slug=slug,
    ).exists()


def results(user, *, current: bool = True, submission: str = "", dataset: str = "", benchmark: str = "") -> QuerySet:
    """Visible results for the read API, newest first, with what a listing shows joined in."""
    found = Result.objects.filter(evaluation__submission__in=visible_submissions(user)).select_related(
        "evaluation__submission", "evaluation__dataset__benchmark").order_by("-created_at", "-pk")
    if current:
        found = found.filter(is_current=True)
    if submission:
        found = found.filter(evaluation__submission__slug=submission)
    if dataset and "/" in dataset:
        bench, slug = dataset.split("/", 1)
        found = found.filter(evaluation__dataset__benchmark__slug=bench, evaluation__dataset__slug=slug)
    if benchmark:
        found = found.filter(evaluation__dataset__benchmark__slug=benchmark)
    return found


def query_scores(result: Result) -> list[dict]:
    return list(result.query_scores.order_by("query_id").values(
        "query_id", *(metric_field(m.name) for m in METRICS)))
