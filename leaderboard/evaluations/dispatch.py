"""Putting evaluations on the queue; nothing else knows the broker.

Tasks are sent by name, so whoever queues work (the submission services, the reconciler) imports no task
code. A failed send loses nothing: the row stays queued in the database and the reconciler sends it again
once the broker is back.
"""
from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from leaderboard.models import Evaluation, Submission

log = logging.getLogger(__name__)

EVALUATE_TASK = "leaderboard.evaluate"
QUEUES = ("cpu", "gpu")
SEND_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1.0}


def new_evaluation(submission: Submission, dataset) -> Evaluation:
    """An unsaved, queued first attempt of the submission on one dataset row."""
    return Evaluation(submission=submission, dataset=dataset, attempts=1,
                      queue="gpu" if submission.wants_gpu else "cpu", task_id=str(uuid.uuid4()),
                      enqueued_at=timezone.now())


def send_task(evaluation_id: int, attempt: int, queue: str, task_id: str) -> bool:
    from config.celery import app

    try:
        app.send_task(EVALUATE_TASK, args=(evaluation_id, attempt), queue=queue, task_id=task_id,
                      retry=True, retry_policy=SEND_RETRY_POLICY)
    except Exception as exc:  # broker down or unreachable: the reconciler resends
        log.warning("could not send evaluation %s to queue %s (%s); the reconciler will resend it",
                    evaluation_id, queue, exc)
        return False
    return True


def send_tasks(payload) -> int:
    """payload: (evaluation id, attempt, queue, task id) tuples; returns how many were sent."""
    return sum(send_task(*item) for item in payload)


def send_on_commit(evaluations) -> None:
    """Send the evaluations' messages once the transaction that wrote them commits (the DB is the truth)."""
    payload = [(e.pk, e.attempts, e.queue, e.task_id) for e in evaluations]
    transaction.on_commit(lambda: send_tasks(payload))


def broker_task_ids(queues=QUEUES) -> set[str] | None:
    """Ids of the evaluation tasks the broker holds (waiting or delivered but not acknowledged).

    Known for Redis and the filesystem transport; None where the broker cannot be listed (AMQP),
    and the reconciler then relies on age alone.
    """
    from config.celery import app

    url = app.conf.broker_url or ""
    ids: set[str] = set()
    if url.startswith(("redis://", "rediss://")):
        with app.connection_for_write() as conn:
            client = conn.default_channel.client
            for queue in queues:
                for raw in client.lrange(queue, 0, -1):
                    ids.add(_message_id(raw))
            for raw in client.hvals("unacked"):
                try:
                    ids.add(_message_id(json.loads(raw)[0]))
                except (ValueError, IndexError, TypeError):
                    continue
        return ids
    if url.startswith("filesystem://"):
        folder = Path(app.conf.broker_transport_options["data_folder_in"])
        for file in folder.glob("*.msg"):
            try:
                ids.add(_message_id(file.read_bytes()))
            except (OSError, ValueError):
                continue
        return ids
    return None


def _message_id(raw) -> str:
    message = json.loads(raw) if isinstance(raw, (str, bytes)) else raw
    return message.get("headers", {}).get("id") or message.get("properties", {}).get("correlation_id", "")
