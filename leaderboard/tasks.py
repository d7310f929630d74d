"""Celery tasks: thin wrappers over leaderboard.pipeline (which holds the rules)."""
from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from leaderboard import pipeline

MAX_RETRIES = int(getattr(settings, "EVALUATION_MAX_RETRIES", 3))


def backoff(retries: int) -> float:
    """30 s, 60 s, 120 s ... capped at 10 minutes."""
    return min(30.0 * 2**retries, 600.0)


@shared_task(bind=True, name="leaderboard.evaluate", acks_late=True, reject_on_worker_lost=True,
             max_retries=MAX_RETRIES)
def evaluate_evaluation(self, evaluation_id: int, attempt: int) -> str:
    try:
        return pipeline.run_evaluation(evaluation_id, attempt, task_id=self.request.id or "",
                                       worker_host=self.request.hostname or "")
    except pipeline.Transient as exc:
        if self.request.retries >= self.max_retries:
            pipeline.fail(evaluation_id, attempt, f"gave up after {self.request.retries + 1} tries: {exc}")
            return "failed"
        delay = backoff(self.request.retries)
        pipeline.back_to_queue(evaluation_id, attempt, str(exc), delay)
        raise self.retry(countdown=delay, exc=exc)
    except SoftTimeLimitExceeded:
        pipeline.fail(evaluation_id, attempt, f"the evaluation exceeded the time limit of "
                                              f"{settings.CELERY_TASK_SOFT_TIME_LIMIT} s")
        return "failed"


@shared_task(name="leaderboard.reconcile", acks_late=False)
def reconcile() -> dict:
    return pipeline.reconcile()
