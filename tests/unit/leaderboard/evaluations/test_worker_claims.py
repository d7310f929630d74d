"""Who may run an evaluation: duplicates, superseded attempts, cancellations, redelivery bounds; reruns keep history."""
import pytest
from django.utils import timezone

from datasets_registry.services import dataset_row
from leaderboard.evaluations import reconciler, store, worker
from leaderboard.models import Evaluation, Family, Result, Source, Submission
from leaderboard.submissions import services
from leaderboard.submissions.selectors import reproducibility
from runners.evaluate import Outcome
from runners.metrics import METRICS


@pytest.fixture
def evaluation(db):
    from datasets_registry.services import sync_catalog

    sync_catalog()
    submission = Submission.objects.create(name="s", family=Family.BM25, source=Source.REFERENCE,
                                           retriever="bm25-flat")
    return Evaluation.objects.create(submission=submission, dataset=dataset_row("classic-ir/adi"),
                                     attempts=1, task_id="t1")


def outcome(score: float) -> Outcome:
    metrics = {m.name: score for m in METRICS}
    return Outcome(metrics=metrics, per_query={"1": metrics}, run={"1": {"1": 1.0}}, timings={}, provenance={})


def test_first_claim_runs_and_duplicates_are_dropped(evaluation):
    assert worker.claim(evaluation.pk, 1, "t1", "w1@h") is not None
    assert worker.claim(evaluation.pk, 1, "t-other", "w2@h") is None  # live heartbeat: duplicate
    again = worker.claim(evaluation.pk, 1, "t1", "w1@h")  # the same message redelivered
    assert again is not None and again.deliveries == 2


def test_stale_running_is_taken_over_and_superseded_attempts_dropped(evaluation):
    worker.claim(evaluation.pk, 1, "t1", "w1@h")
    Evaluation.objects.filter(pk=evaluation.pk).update(heartbeat_at=timezone.now() - timezone.timedelta(hours=1))
    assert worker.claim(evaluation.pk, 1, "t2", "w2@h").worker_host == "w2@h"
    assert worker.claim(evaluation.pk, 0, "t0", "w3@h") is None


def test_cancelled_is_skipped_and_outcome_discarded(evaluation):
    worker.claim(evaluation.pk, 1, "t1", "w1@h")
    services.cancel_evaluations([evaluation])
    assert worker.claim(evaluation.pk, 1, "t1", "w1@h") is None
    assert store.store_current(evaluation.pk, 1, outcome(0.5)) is False
    assert not Result.objects.exists()


def test_too_many_deliveries_fail_with_a_message(evaluation, settings):
    settings.MAX_DELIVERIES = 2
    for _ in range(2):
        assert worker.claim(evaluation.pk, 1, "t1", "w@h") is not None
    assert worker.claim(evaluation.pk, 1, "t1", "w@h") is None
    evaluation.refresh_from_db()
    assert evaluation.status == "failed" and "stopped 2 times" in evaluation.error


def test_store_is_idempotent_and_rerun_keeps_history_with_deltas(evaluation):
    worker.claim(evaluation.pk, 1, "t1", "w@h")
    assert store.store_current(evaluation.pk, 1, outcome(0.5))
    assert store.store_current(evaluation.pk, 1, outcome(0.9))  # redelivered: no second row
    assert Result.objects.count() == 1
    assert services.rerun_evaluations([evaluation]) == 1
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.attempts) == ("queued", 2)
    claimed = worker.claim(evaluation.pk, 2, evaluation.task_id, "w@h")
    assert claimed is not None
    store.store_current(evaluation.pk, 2, outcome(0.52))
    assert list(Result.objects.order_by("attempt").values_list("attempt", "is_current")) == [(1, False), (2, True)]
    deltas = {row["metric"]: row["delta"] for row in reproducibility(evaluation)}
    assert deltas["ndcg@10"] == pytest.approx(0.02)


def test_reconciler_requeues_vanished_workers_until_their_deliveries_are_used(evaluation, settings):
    settings.MAX_DELIVERIES = 2
    long_ago = timezone.now() - timezone.timedelta(hours=1)
    worker.claim(evaluation.pk, 1, "t1", "w1@h")
    Evaluation.objects.filter(pk=evaluation.pk).update(heartbeat_at=long_ago)
    assert reconciler.reconcile()["requeued"] == 1
    evaluation.refresh_from_db()
    assert evaluation.status == "queued" and evaluation.task_id != "t1" and evaluation.deliveries == 1
    assert worker.claim(evaluation.pk, 1, "t1", "w1@h") is not None  # the dead worker's message, redelivered late
    assert worker.claim(evaluation.pk, 1, evaluation.task_id, "w2@h") is None  # ...got there first: this one waits

    Evaluation.objects.filter(pk=evaluation.pk).update(heartbeat_at=long_ago)
    assert reconciler.reconcile()["failed"] == 1  # second vanished delivery of two: failed, not requeued
    evaluation.refresh_from_db()
    assert evaluation.status == "failed" and "stopped sending heartbeats (last at" in evaluation.error
    assert "2 times" in evaluation.error
