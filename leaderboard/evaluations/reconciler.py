"""The reconciler, run periodically by celery beat, so that no evaluation stays queued or running forever.

A running evaluation whose worker stopped sending heartbeats (the whole worker was killed, the machine went
away) is queued again under a new task id while it has deliveries left, and failed once it has used them
all; a queued evaluation without a message in the broker is sent again. Whichever message claims it first runs
it (the dead worker's, if the broker redelivers it late, or the new one); the other is dropped by the claim."""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from leaderboard.evaluations.dispatch import broker_task_ids, send_tasks
from leaderboard.evaluations.worker import fail
from leaderboard.models import Evaluation

log = logging.getLogger(__name__)


def reconcile(now=None) -> dict:
    """Requeue (or, out of deliveries, fail) running evaluations without heartbeat; resend queued ones that
    have no message in the broker."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS)
    vanished = Evaluation.objects.filter(status=Evaluation.Status.RUNNING).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, started_at__lt=stale)
    )
    failed, requeued = 0, []
    for evaluation in vanished:
        if evaluation.deliveries < settings.MAX_DELIVERIES:
            requeued += _requeue(evaluation, stale, now)
            continue
        failed += fail(evaluation.pk, evaluation.attempts,
                       f"the worker {evaluation.worker_host or ''} stopped sending heartbeats "
                       f"(last at {evaluation.heartbeat_at or evaluation.started_at:%Y-%m-%d %H:%M:%S} UTC) "
                       f"{evaluation.deliveries} times; not retried automatically. Staff can rerun it")
    if requeued:
        log.warning("reconciler requeued %d evaluations whose worker stopped sending heartbeats", len(requeued))
    sent = send_tasks(requeued)
    grace = now - timedelta(seconds=settings.RECONCILE_GRACE_SECONDS)
    queued = list(Evaluation.objects.filter(status=Evaluation.Status.QUEUED)
                  .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=grace)))
    if not queued:
        return {"failed": failed, "requeued": sent, "resent": 0}
    try:
        live = broker_task_ids()
    except Exception as exc:  # broker down: nothing can be sent now; the next run tries again
        log.warning("reconciler cannot reach the broker (%s)", exc)
        return {"failed": failed, "requeued": sent, "resent": 0, "broker": "unreachable"}
    if live is None:
        old = now - timedelta(seconds=settings.RECONCILE_QUEUED_AFTER_SECONDS)
        lost = [e for e in queued if e.enqueued_at is None or e.enqueued_at < old]
    else:
        lost = [e for e in queued if e.task_id not in live]
    payload = []
    for evaluation in lost:
        task_id = str(uuid.uuid4())
        if Evaluation.objects.filter(pk=evaluation.pk, status=Evaluation.Status.QUEUED,
                                     attempts=evaluation.attempts).update(task_id=task_id, enqueued_at=now):
            payload.append((evaluation.pk, evaluation.attempts, evaluation.queue, task_id))
    resent = send_tasks(payload)
    if payload:
        log.info("reconciler resent %d of %d queued evaluations without a broker message", resent, len(payload))
    return {"failed": failed, "requeued": sent, "resent": resent}


def _requeue(evaluation: Evaluation, stale, now) -> list[tuple]:
    """Queue a vanished running evaluation again, unless its worker came back meanwhile; the message payload."""
    task_id = str(uuid.uuid4())
    moved = Evaluation.objects.filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True), pk=evaluation.pk, attempts=evaluation.attempts,
        status=Evaluation.Status.RUNNING, task_id=evaluation.task_id,
    ).update(status=Evaluation.Status.QUEUED, task_id=task_id, enqueued_at=now, heartbeat_at=None,
             progress_phase=f"requeued: worker {evaluation.worker_host} stopped"[:50], progress_percent=0.0)
    return [(evaluation.pk, evaluation.attempts, evaluation.queue, task_id)] if moved else []
