"""The worker side of an evaluation: claim it, run it with heartbeats, store the outcome once.

Also the reconciler, run periodically by celery beat: it resends evaluations that are queued
without a message in the broker and fails those whose worker stopped sending heartbeats, so
no evaluation stays queued or running forever. Celery tasks (leaderboard/tasks.py) only call
into this module; nothing here depends on Celery.
"""
from __future__ import annotations

import logging
import threading
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone

from leaderboard.models import Evaluation, Family, Source, Submission
from leaderboard.params import SUBMISSION_PARTNER
from leaderboard.services import store_outcome
from runners.errors import EnvironmentProblem, RunnerError, UserInputError
from runners.specs import RetrieverSpec

log = logging.getLogger(__name__)


def setting(name: str, default):
    return getattr(settings, name, default)


class Transient(Exception):
    """Worth another try later (broker, database or network hiccup)."""


class Stopped(Exception):
    """The evaluation was cancelled or handed to another attempt while this one ran."""


# ----------------------------------------------------------------------------------------------
# Claim and finish
# ----------------------------------------------------------------------------------------------
def claim(evaluation_id: int, attempt: int, task_id: str, worker_host: str) -> Evaluation | None:
    """Mark the evaluation running for this delivery, or None when the message should be dropped."""
    now = timezone.now()
    stale = now - timedelta(seconds=setting("HEARTBEAT_STALE_SECONDS", 180))
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
        if evaluation.deliveries > setting("MAX_DELIVERIES", 3):
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


def back_to_queue(evaluation_id: int, attempt: int, reason: str, delay: float) -> None:
    """Before a retry: queued again (the retry message is already on its way)."""
    Evaluation.objects.filter(pk=evaluation_id, attempts=attempt, status__in=Evaluation.ACTIVE).update(
        status=Evaluation.Status.QUEUED, enqueued_at=timezone.now(), heartbeat_at=None,
        progress_phase=f"retrying in {delay:.0f} s: {reason}"[:50], progress_percent=0.0,
    )


# ----------------------------------------------------------------------------------------------
# Heartbeat and progress
# ----------------------------------------------------------------------------------------------
class Heartbeat:
    """Touches heartbeat_at every few seconds from a thread; records progress; notices cancellation."""

    def __init__(self, evaluation: Evaluation):
        self.rows = Evaluation.objects.filter(pk=evaluation.pk, attempts=evaluation.attempts,
                                              task_id=evaluation.task_id, status=Evaluation.Status.RUNNING)
        self.interval = setting("HEARTBEAT_SECONDS", 15)
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
def model_folder(submission: Submission) -> Path:
    """The unpacked model directory of an archive submission (unpacked once per checksum)."""
    from leaderboard.archives import models_dir, unpack

    final = models_dir() / submission.model_checksum
    if final.is_dir():
        return unpack(final, submission.model_checksum)  # already there: returns the model root
    if not submission.model_archive:
        raise EnvironmentProblem(f"the archive of {submission.name} is missing from storage")
    return unpack(submission.model_archive.path, submission.model_checksum)


def hub_folder(model_id: str) -> Path:
    """Download safetensors weights, configs and tokenizer of a hub model (needs internet)."""
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(model_id, allow_patterns=["*.safetensors", "*.json", "*.txt", "*.model"],
                                      cache_dir=str(Path(settings.DATA_DIR) / "hub")))
    except Exception as exc:  # offline, unknown id, gated model: all end as a clear message
        raise EnvironmentProblem(
            f"could not fetch {model_id!r} from the Hugging Face hub ({exc.__class__.__name__}: {exc}); "
            "workers without internet only evaluate uploaded archives"
        ) from None


def partner_spec(run: str) -> RetrieverSpec:
    """A hybrid's fusion partner: a reference retriever's name, or submission:<slug> (that submission's model)."""
    from runners.specs import get_spec

    if not run.startswith(SUBMISSION_PARTNER):
        return get_spec(run)
    partner = Submission.objects.filter(slug=run.removeprefix(SUBMISSION_PARTNER)).first()
    if partner is None:
        raise UserInputError(f"fusion partner {run} no longer exists")
    return build_spec(partner)


def build_spec(submission: Submission) -> RetrieverSpec:
    from runners.specs import custom_spec, get_spec

    params = dict(submission.params or {})
    if submission.source == Source.REFERENCE:
        if submission.retriever:
            return get_spec(submission.retriever).with_params(**params)
        components = tuple(partner_spec(run) for run in params.get("runs", [])) \
            if submission.family == Family.HYBRID else ()
        return RetrieverSpec(name=submission.slug, family=submission.family, params=params,
                             wants_gpu=submission.wants_gpu, reference=False, components=components)
    if submission.source == Source.ARCHIVE:
        return custom_spec(submission.family, model_folder(submission), params, name=submission.slug)
    if submission.source == Source.MODEL_ID:
        return custom_spec(submission.family, hub_folder(submission.model_id), params, name=submission.slug)
    raise UserInputError(f"submissions from {submission.source!r} are not evaluated by workers")


def _device(spec: RetrieverSpec) -> str:
    if not spec.wants_gpu:
        return "cpu"
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _outcome(evaluation: Evaluation, beat: Heartbeat):
    from datasets_registry.catalog import load_catalog
    from datasets_registry.services import load
    from runners.evaluate import evaluate, evaluate_run
    from runners.trec_run import read_run

    submission = evaluation.submission
    beat.progress("loading dataset", 0.0)
    dataset = load(load_catalog().get(evaluation.dataset.key))
    if submission.source == Source.RUN_FILE:
        if not evaluation.run_file:
            raise UserInputError("no run file was uploaded for this dataset")
        beat.progress("scoring run", 50.0)
        return evaluate_run(read_run(evaluation.run_file.path), dataset)
    spec = build_spec(submission)
    return evaluate(spec, dataset, device=_device(spec), progress=beat.progress)


def run_evaluation(evaluation_id: int, attempt: int, *, task_id: str = "", worker_host: str = "") -> str:
    """Evaluate one (submission, dataset) attempt; returns what happened: succeeded|failed|skipped|stopped.

    User errors end as failed with the message; Transient is raised for the caller to retry.
    """
    from datasets_registry.catalog import CatalogError
    from datasets_registry.loaders.textfiles import DatasetFileError
    from datasets_registry.storage import FetchError

    close_old_connections()
    try:
        evaluation = claim(evaluation_id, attempt, task_id, worker_host)
    except (OperationalError, InterfaceError) as exc:
        raise Transient(f"database unavailable: {exc}") from exc
    if evaluation is None:
        return "skipped"
    try:
        with Heartbeat(evaluation) as beat:
            outcome = _outcome(evaluation, beat)
            beat.progress("storing", 95.0)
    except Stopped:
        return "stopped"
    except (UserInputError, CatalogError, DatasetFileError) as exc:
        fail(evaluation_id, attempt, str(exc))
        return "failed"
    except (FetchError, OperationalError, InterfaceError, ConnectionError, TimeoutError) as exc:
        raise Transient(f"{exc.__class__.__name__}: {exc}") from exc
    except (EnvironmentProblem, RunnerError) as exc:
        fail(evaluation_id, attempt, str(exc))
        return "failed"
    except MemoryError:
        fail(evaluation_id, attempt, "the evaluation ran out of memory on the worker")
        return "failed"
    except Exception as exc:  # a bug: keep the traceback in the log, tell people what kind of error
        log.exception("evaluation %s attempt %s crashed", evaluation_id, attempt)
        fail(evaluation_id, attempt, f"internal error ({exc.__class__.__name__}: {exc}); staff were notified "
                                     "through the logs and can rerun it")
        return "failed"
    try:
        return "succeeded" if store_current(evaluation_id, attempt, outcome) else "stopped"
    except (OperationalError, InterfaceError) as exc:
        raise Transient(f"database unavailable while storing: {exc}") from exc


def store_current(evaluation_id: int, attempt: int, outcome) -> bool:
    """Store the outcome if this attempt is still the running one (idempotent per attempt)."""
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation_id)
        if evaluation.attempts != attempt:
            return False
        if evaluation.results.filter(attempt=attempt).exists():
            return True
        if evaluation.status != Evaluation.Status.RUNNING:
            return False  # cancelled meanwhile
        store_outcome(evaluation, outcome, attempt)
    return True


# ----------------------------------------------------------------------------------------------
# Reconciler
# ----------------------------------------------------------------------------------------------
def reconcile(now=None) -> dict:
    """Fail running evaluations without heartbeat; resend queued ones that have no message in the broker."""
    from leaderboard.queueing import broker_task_ids, send_tasks

    now = now or timezone.now()
    stale = now - timedelta(seconds=setting("HEARTBEAT_STALE_SECONDS", 180))
    vanished = Evaluation.objects.filter(status=Evaluation.Status.RUNNING).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, started_at__lt=stale)
    )
    failed = 0
    for evaluation in vanished:
        failed += fail(evaluation.pk, evaluation.attempts,
                       f"the worker {evaluation.worker_host or ''} stopped sending heartbeats "
                       f"(last at {evaluation.heartbeat_at or evaluation.started_at:%Y-%m-%d %H:%M:%S} UTC); "
                       "it probably died. Staff can rerun it")
    grace = now - timedelta(seconds=setting("RECONCILE_GRACE_SECONDS", 60))
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
        old = now - timedelta(seconds=setting("RECONCILE_QUEUED_AFTER_SECONDS", 1800))
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
