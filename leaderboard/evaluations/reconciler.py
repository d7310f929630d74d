"""The reconciler, run periodically by celery beat, so that no evaluation stays queued or running forever:
it fails running evaluations whose worker stopped sending heartbeats and resends queued ones that have no
message in the broker."""
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
    """Fail running evaluations without heartbeat; resend queued ones that have no message in the broker."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS)
    vanished = Evaluation.objects.filter(status=Evaluation.Status.RUNNING).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, started_at__lt=stale)
    )
    failed = 0
    for evaluation in vanished:
        failed += fail(evaluation.pk, evaluation.attempts,
                       f"the worker {evaluation.worker_host or ''} stopped sending heartbeats "
                       f"(last at {evaluation.heartbeat_at or evaluation.started_at:%Y-%m-%d %H:%M:%S} UTC); "
                       "it probably died. Staff can rerun it")
    grace = now - timedelta(seconds=settings.RECONCILE_GRACE_SECONDS)
    queued = list(Evaluation.objects.filter(status=Evaluation.Status.QUEUED)
                  .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=grace)))
    if not queued:
        return {"failed": failed, "resent": 0}
    try:
        live = broker_task_ids()
    except Exception as exc:  # broker down: nothing can be sent now; the next run tries again
        log.warning("reconciler cannot reach the broker (%s)", exc)
        return {"failed": failed, "resent": 0, "broker": "unreachable"}
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
    return {"failed": failed, "resent": resent}
