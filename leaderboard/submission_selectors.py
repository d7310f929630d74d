"""Read paths for submissions, their evaluations and result history (used by pages, API and admin)."""
from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from leaderboard.models import Evaluation, Result, Submission
from runners.metrics import METRICS


def visible_submissions(user) -> QuerySet[Submission]:
    """Public submissions, plus the user's own private ones; staff see everything."""
    qs = Submission.objects.all()
    if user is not None and user.is_authenticated and user.is_staff:
        return qs
    if user is not None and user.is_authenticated:
        return qs.filter(Q(is_public=True) | Q(owner=user))
    return qs.filter(is_public=True)


def own_submissions(user) -> QuerySet[Submission]:
    if user is None or not user.is_authenticated:
        return Submission.objects.none()
    if user.is_staff:
        return Submission.objects.all()
    return Submission.objects.filter(owner=user)


def evaluations_with_results(submission: Submission) -> list[Evaluation]:
    current = Prefetch("results", queryset=Result.objects.filter(is_current=True), to_attr="current_results")
    evaluations = list(submission.evaluations.select_related("dataset__benchmark").prefetch_related(current))
    for evaluation in evaluations:
        evaluation.current_result = evaluation.current_results[0] if evaluation.current_results else None
    return evaluations


def evaluation_state(evaluation: Evaluation) -> dict:
    result = getattr(evaluation, "current_result", None)
    if result is None and not hasattr(evaluation, "current_result"):
        result = evaluation.results.filter(is_current=True).first()
    return {
        "id": evaluation.pk,
        "dataset": evaluation.dataset.key,
        "status": evaluation.status,
        "attempts": evaluation.attempts,
        "progress_phase": evaluation.progress_phase,
        "progress_percent": round(evaluation.progress_percent, 1),
        "worker_host": evaluation.worker_host,
        "queue": evaluation.queue,
        "queued_at": evaluation.queued_at,
        "started_at": evaluation.started_at,
        "finished_at": evaluation.finished_at,
        "heartbeat_at": evaluation.heartbeat_at,
        "error": evaluation.error,
        "result": None if result is None else {
            "id": result.pk, "attempt": result.attempt, "main_score": result.main_score,
            "metrics": result.metrics, "timings": result.timings, "judged_queries": result.judged_queries,
        },
    }


def submission_state(submission: Submission) -> dict:
    evaluations = [evaluation_state(e) for e in evaluations_with_results(submission)]
    counts: dict[str, int] = {}
    for e in evaluations:
        counts[e["status"]] = counts.get(e["status"], 0) + 1
    return {
        "id": submission.pk,
        "slug": submission.slug,
        "finished": all(e["status"] not in Evaluation.ACTIVE for e in evaluations),
        "counts": counts,
        "evaluations": evaluations,
    }


def result_history(evaluation: Evaluation) -> list[Result]:
    return list(evaluation.results.order_by("-attempt"))


def reproducibility(evaluation: Evaluation) -> list[dict] | None:
    """Metric deltas between the current result and the one before it (None without a previous one)."""
    results = list(evaluation.results.order_by("-attempt")[:2])
    if len(results) < 2:
        return None
    current, previous = results
    rows = []
    for metric in METRICS:
        a, b = current.metrics.get(metric.name), previous.metrics.get(metric.name)
        if a is None or b is None:
            continue
        rows.append({"metric": metric.name, "current": a, "previous": b, "delta": a - b,
                     "current_attempt": current.attempt, "previous_attempt": previous.attempt})
    return rows
