"""Celery tasks: thin wrappers over the worker and the reconciler. Sent by name (dispatch.EVALUATE_TASK)."""
from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from leaderboard.evaluations import reconciler, worker
from leaderboard.evaluations.dispatch import EVALUATE_TASK


def backoff(retries: int) -> float:
    """30 s, 60 s, 120 s ... capped at 10 minutes."""
    return min(30.0 * 2**retries, 600.0)


@shared_task(bind=True, name=EVALUATE_TASK, acks_late=True, reject_on_worker_lost=True,
             max_retries=settings.EVALUATION_MAX_RETRIES)
def evaluate_evaluation(self, evaluation_id: int, attempt: int) -> str:
    try:
        return worker.run_evaluation(evaluation_id, attempt, task_id=self.request.id or "",
                                     worker_host=self.request.hostname or "")
    except worker.Transient as exc:
        if self.request.retries >= self.max_retries:
            worker.fail(evaluation_id, attempt, f"gave up after {self.request.retries + 1} tries: {exc}")
            return "failed"
        delay = backoff(self.request.retries)
        try:
            worker.back_to_queue(evaluation_id, attempt, str(exc), delay, retry=self.request.retries + 1)
        except worker.DATABASE_FAULTS:
            pass  # the database is what failed: the retry goes out all the same; its claim (same task id) takes the row
        raise self.retry(countdown=delay, exc=exc) from exc
    except SoftTimeLimitExceeded:
        worker.fail(evaluation_id, attempt, f"the evaluation exceeded the time limit of "
                                            f"{settings.CELERY_TASK_SOFT_TIME_LIMIT} s")
        return "failed"


@shared_task(name="leaderboard.reconcile", acks_late=False)
def reconcile() -> dict:
    return reconciler.reconcile()
