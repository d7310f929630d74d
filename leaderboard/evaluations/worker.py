"""The worker's run of one evaluation: claim it, run it with heartbeats, store the outcome once.

Celery tasks (tasks.py) only call into this module; nothing here depends on Celery. A failure is retried
only when it is transient (the error says so, or the database or disk failed under us); anything else
fails the evaluation at once with its real cause.
"""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from datasets_registry.catalog import load_catalog
from datasets_registry.services import load
from leaderboard.evaluations.specs import build_spec
from leaderboard.evaluations.store import store_current
from leaderboard.evaluations.yardstick import current_yardstick
from leaderboard.files import storage_full
from leaderboard.models import Evaluation, Source
from runners.errors import RunnerError, UserInputError
from runners.evaluate import evaluate, evaluate_run
from runners.specs import RetrieverSpec
from runners.trec_run import read_run
from runners.yardstick import relative_to

log = logging.getLogger(__name__)

# Faults of the platform under the worker rather than of the evaluation: the database connection (a full disk:
# leaderboard/files.py).
DATABASE_FAULTS = (OperationalError, InterfaceError)


class Transient(Exception):
    """Worth another try later: the database, the disk or the network failed under this evaluation."""


class Stopped(Exception):
    """The evaluation was cancelled or handed to another attempt while this one ran."""


# ----------------------------------------------------------------------------------------------
# Claim and finish
# ----------------------------------------------------------------------------------------------
def claim(evaluation_id: int, attempt: int, task_id: str, worker_host: str) -> Evaluation | None:
    """Mark the evaluation running for this delivery, or None when the message should be dropped."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS)
    with transaction.atomic():
        evaluation = (Evaluation.objects.select_for_update().select_related("submission", "dataset__benchmark")
                      .filter(pk=evaluation_id).first())
        if evaluation is None or evaluation.attempts != attempt:
            return None  # deleted, or a newer attempt superseded this message
        if evaluation.status not in Evaluation.ACTIVE or evaluation.results.filter(attempt=attempt).exists():
            return None  # finished or cancelled: a redelivered or duplicate message
        if (evaluation.status == Evaluation.Status.RUNNING and evaluation.task_id != task_id
                and evaluation.heartbeat_at and evaluation.heartbeat_at >= stale):
            return None  # another live task is on it
        evaluation.deliveries += 1
        if evaluation.deliveries > settings.MAX_DELIVERIES:
            _mark_failed(evaluation, f"the worker stopped {evaluation.deliveries - 1} times while evaluating "
                                     "(killed or out of memory); not retried automatically")
            return None
        evaluation.status = Evaluation.Status.RUNNING
        evaluation.worker_host = worker_host[:200]
        evaluation.task_id = task_id or evaluation.task_id
        evaluation.started_at = now
        evaluation.heartbeat_at = now
        evaluation.progress_phase, evaluation.progress_percent = "starting", 0.0
        evaluation.error = ""
        evaluation.save()
    return evaluation


def _mark_failed(evaluation: Evaluation, message: str) -> None:
    evaluation.status = Evaluation.Status.FAILED
    evaluation.error = message[:5000]
    evaluation.finished_at = timezone.now()
    evaluation.progress_phase = "failed"
    evaluation.save()


def fail(evaluation_id: int, attempt: int, message: str) -> bool:
    """Record a failure for people; only for the active current attempt."""
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().filter(pk=evaluation_id, attempts=attempt,
                                                                    status__in=Evaluation.ACTIVE).first()
        if evaluation is None:
            return False
        _mark_failed(evaluation, message)
    return True


def back_to_queue(evaluation_id: int, attempt: int, reason: str, delay: float, retry: int) -> None:
    """Before a retry: queued again (the retry message is already on its way). The delivery that ended in this
    transient fault is given back, so `deliveries` counts only deliveries a worker never finished (crashes)."""
    Evaluation.objects.filter(pk=evaluation_id, attempts=attempt, status__in=Evaluation.ACTIVE).update(
        status=Evaluation.Status.QUEUED, enqueued_at=timezone.now(), heartbeat_at=None,
        deliveries=F("deliveries") - 1, progress_phase=f"retry {retry} in {delay:.0f} s: {reason}"[:50],
        progress_percent=0.0,
    )


# ----------------------------------------------------------------------------------------------
# Heartbeat and progress
# ----------------------------------------------------------------------------------------------
class Heartbeat:
    """Touches heartbeat_at every few seconds from a thread; records progress; notices cancellation."""

    def __init__(self, evaluation: Evaluation):
        self.rows = Evaluation.objects.filter(pk=evaluation.pk, attempts=evaluation.attempts,
                                              task_id=evaluation.task_id, status=Evaluation.Status.RUNNING)
        self.interval = settings.HEARTBEAT_SECONDS
        self.stopped = threading.Event()
        self.lost = False
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{evaluation.pk}", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(timeout=30)

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(self.interval):
                try:
                    if not self.rows.update(heartbeat_at=timezone.now()):
                        self.lost = True
                        return
                except DatabaseError:
                    log.warning("heartbeat failed; trying again", exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    def progress(self, phase: str, percent: float) -> None:
        if self.lost or not self.rows.update(progress_phase=phase[:50], progress_percent=float(percent),
                                             heartbeat_at=timezone.now()):
            self.lost = True
            raise Stopped("cancelled or superseded")


# ----------------------------------------------------------------------------------------------
# Running
# ----------------------------------------------------------------------------------------------
def _device(spec: RetrieverSpec) -> str:
    if not spec.wants_gpu:
        return "cpu"
    import torch  # only where a GPU is wanted: the cpu queue's processes need not import it

    return "cuda" if torch.cuda.is_available() else "cpu"


def _outcome(evaluation: Evaluation, beat: Heartbeat):
    submission = evaluation.submission
    beat.progress("loading dataset", 0.0)
    dataset = load(load_catalog().get(evaluation.dataset.key))
    if submission.source == Source.RUN_FILE:
        if not evaluation.run_file:
            raise UserInputError("no run file was uploaded for this dataset")
        beat.progress("scoring run", 50.0)
        return evaluate_run(read_run(evaluation.run_file.path), dataset)
    spec = build_spec(submission)
    beat.progress("measuring the host's yardstick", 0.0)
    stick = current_yardstick()
    outcome = evaluate(spec, dataset, device=_device(spec), progress=beat.progress)
    if stick:
        outcome.timings.update(relative_to(outcome.timings, stick.as_provenance()))
        outcome.provenance["yardstick"] = stick.as_provenance()
    return outcome


def run_evaluation(evaluation_id: int, attempt: int, *, task_id: str = "", worker_host: str = "") -> str:
    """Evaluate one (submission, dataset) attempt; returns what happened: succeeded|failed|skipped|stopped.

    Permanent errors end as failed with their message; Transient is raised for the caller to retry.
    """
    close_old_connections()
    try:
        evaluation = claim(evaluation_id, attempt, task_id, worker_host)
    except DATABASE_FAULTS as exc:
        raise Transient(f"database unavailable: {exc}") from exc
    if evaluation is None:
        return "skipped"
    try:
        with Heartbeat(evaluation) as beat:
            outcome = _outcome(evaluation, beat)
            beat.progress("storing", 95.0)
        return "succeeded" if store_current(evaluation_id, attempt, outcome) else "stopped"
    except Stopped:
        return "stopped"
    except RunnerError as exc:  # raised by our code, which knows whether another try can help
        if exc.transient:
            raise Transient(str(exc)) from exc
        fail(evaluation_id, attempt, str(exc))
        return "failed"
    except DATABASE_FAULTS as exc:
        raise Transient(f"database unavailable: {exc}") from exc
    except (ConnectionError, TimeoutError) as exc:  # a network fault no code of ours wrapped
        raise Transient(f"{exc.__class__.__name__}: {exc}") from exc
    except OSError as exc:
        if full := storage_full(exc):
            raise Transient(str(full)) from exc
        return _crashed(evaluation_id, attempt, exc)
    except MemoryError:
        fail(evaluation_id, attempt, "the evaluation ran out of memory on the worker")
        return "failed"
    except Exception as exc:
        return _crashed(evaluation_id, attempt, exc)


def _crashed(evaluation_id: int, attempt: int, exc: Exception) -> str:
    """A bug: keep the traceback in the log, tell people what kind of error."""
    log.exception("evaluation %s attempt %s crashed", evaluation_id, attempt)
    fail(evaluation_id, attempt, f"internal error ({exc.__class__.__name__}: {exc}); staff were notified "
                                 "through the logs and can rerun it")
    return "failed"
