"""Read paths for submissions, their evaluations and result history (used by pages, API and admin)."""
from __future__ import annotations

from collections import Counter

from django.db.models import Prefetch, QuerySet

from leaderboard.models import Evaluation, Result, Submission
from leaderboard.visibility import own_submissions
from runners.metrics import METRICS

CURRENT_RESULTS = "current_results"


def _current_results() -> Prefetch:
    return Prefetch("results", queryset=Result.objects.filter(is_current=True), to_attr=CURRENT_RESULTS)


def with_evaluations(submissions: QuerySet[Submission]) -> QuerySet[Submission]:
    """Submissions with their evaluations, datasets and current results in a fixed number of queries."""
    evaluations = Evaluation.objects.select_related("dataset__benchmark").prefetch_related(_current_results())
    return submissions.select_related("owner").prefetch_related(Prefetch("evaluations", queryset=evaluations))


def current_result(evaluation: Evaluation) -> Result | None:
    """The evaluation's current result; prefetched by with_evaluations and evaluations_with_results."""
    if hasattr(evaluation, CURRENT_RESULTS):
        found = getattr(evaluation, CURRENT_RESULTS)
        return found[0] if found else None
    return evaluation.results.filter(is_current=True).first()


def current_results(submission: Submission) -> QuerySet[Result]:
    return (Result.objects.filter(evaluation__submission=submission, is_current=True)
            .select_related("evaluation__dataset__benchmark"))


def evaluations_with_results(submission: Submission) -> list[Evaluation]:
    evaluations = list(submission.evaluations.select_related("dataset__benchmark")
                       .prefetch_related(_current_results()))
    for evaluation in evaluations:
        evaluation.current_result = current_result(evaluation)
    return evaluations


def evaluation_state(evaluation: Evaluation) -> dict:
    result = current_result(evaluation)
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
    return {
        "id": submission.pk,
        "slug": submission.slug,
        "finished": all(e["status"] not in Evaluation.ACTIVE for e in evaluations),
        "counts": count_statuses(e["status"] for e in evaluations),
        "evaluations": evaluations,
    }


def count_statuses(statuses) -> dict[str, int]:
    """{status: how many} in the pipeline's order (queued, running, succeeded, failed, cancelled), none of 0."""
    found = Counter(statuses)
    return {status: found[status] for status in Evaluation.Status.values if found[status]}


def submissions_with_status(user) -> list[Submission]:
    """The user's submissions (staff: everyone's), withdrawn ones too, each with `status_counts`."""
    submissions = list(own_submissions(user).prefetch_related("evaluations"))
    for submission in submissions:
        submission.status_counts = count_statuses(e.status for e in submission.evaluations.all())
    return submissions


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
