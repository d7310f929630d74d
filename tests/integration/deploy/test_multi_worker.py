"""Scale-out on one machine: four worker processes (cpu x3, gpu x1) on the real broker share one artifact store.

40 evaluations spread over the workers; one worker "machine" is SIGKILLed (its whole process group, as
when a host disappears) while it evaluates: its message is redelivered by the broker after the visibility
timeout and another worker finishes it. Every evaluation succeeds exactly once, and the BM25 index of each
dataset is built by one worker and reused by the others.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from django.core.management import call_command

from datasets_registry.services import dataset_rows
from leaderboard.evaluations.dispatch import new_evaluation, send_tasks
from leaderboard.models import Evaluation, Result, Source, Submission
from leaderboard.submissions import services
from leaderboard.submissions.checks import resolve_datasets
from runners import artifacts
from tests.integration.pipeline.conftest import wait_until

pytestmark = pytest.mark.slow

DATASETS = ["classic-ir/adi", "classic-ir/medline"]
HEALTHCHECK = Path(__file__).resolve().parents[3] / "docker" / "healthcheck.py"
CPU_SUBMISSIONS, GPU_SUBMISSIONS = 16, 4  # x 2 datasets = 40 evaluations
VISIBILITY_TIMEOUT = 60  # seconds before the broker hands a dead worker's unacknowledged message to another


def gpu_routed_submission(owner, name: str) -> list[Evaluation]:
    """A BM25 submission flagged as wanting a GPU: the platform's own routing sends it to the gpu queue."""
    submission = Submission.objects.create(owner=owner, name=name, family="bm25", source=Source.REFERENCE,
                                           retriever="bm25-flat", wants_gpu=True, requested_datasets=DATASETS)
    rows = dataset_rows(resolve_datasets(DATASETS))
    evaluations = [new_evaluation(submission, row) for row in rows]
    for evaluation in evaluations:
        evaluation.save()
    return evaluations


def worker_healthy(env: dict, name: str) -> bool:
    """The compose health check of a worker container, run against a worker of this machine."""
    return subprocess.run([sys.executable, str(HEALTHCHECK), "worker", name], env=env, capture_output=True,
                          timeout=60).returncode == 0


def test_four_workers_share_the_queue_and_the_index_store_and_survive_a_lost_worker(
        django_user_model, pipeline_env, start_worker, tmp_path):
    call_command("datasets", "fetch", "quick", verbosity=0)
    store = tmp_path / "artifacts"
    env = {**pipeline_env, "RB_ARTIFACT_URL": f"file://{store}", "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
           "HEARTBEAT_STALE_SECONDS": "600"}
    workers = {name: start_worker(name, queues=queue, env=env, wait=False)
               for name, queue in (("cpu1", "cpu"), ("cpu2", "cpu"), ("cpu3", "cpu"), ("gpu1", "gpu"))}
    for name, worker in workers.items():
        wait_until(lambda: "ready." in worker.text() or worker.proc.poll() is not None, 120, what=f"{name} ready")
        assert worker.proc.poll() is None, worker.text()[-3000:]
    assert worker_healthy(env, "gpu1")

    staff = django_user_model.objects.create_user("ops", password="x", is_staff=True)
    for n in range(CPU_SUBMISSIONS):
        services.submit(staff, name=f"bm25 cpu {n}", family="bm25", source="reference", retriever="bm25-flat",
                        datasets=DATASETS)
    gpu_evaluations = [e for n in range(GPU_SUBMISSIONS) for e in gpu_routed_submission(staff, f"bm25 gpu {n}")]
    assert send_tasks([(e.pk, e.attempts, e.queue, e.task_id) for e in gpu_evaluations]) == len(gpu_evaluations)
    evaluations = Evaluation.objects.all()
    assert evaluations.count() == 40
    assert sorted(evaluations.values_list("queue", flat=True)) == ["cpu"] * 32 + ["gpu"] * 8

    # Lose one cpu worker "machine" while it evaluates, after the others have made some progress.
    def victim_busy():
        if Evaluation.objects.filter(status="succeeded").count() < 6:
            return None
        return Evaluation.objects.filter(status="running", worker_host__startswith="cpu2@").first()

    victim_evaluation = wait_until(victim_busy, 300, interval=0.05, what="cpu2 to be evaluating")
    os.killpg(workers["cpu2"].proc.pid, signal.SIGKILL)
    workers["cpu2"].proc.wait(10)
    assert not worker_healthy(env, "cpu2"), "the health check notices the lost worker"

    def all_done():
        return not Evaluation.objects.filter(status__in=Evaluation.ACTIVE).exists()

    wait_until(all_done, 420, interval=0.5, what="all 40 evaluations to finish")
    logs = {name: worker.text() for name, worker in workers.items()}
    failed = list(Evaluation.objects.exclude(status="succeeded").values_list("pk", "status", "error"))
    assert failed == [], (failed, {k: v[-2000:] for k, v in logs.items()})

    # Exactly once: one result per evaluation, first attempt.
    assert Result.objects.count() == 40
    assert set(Evaluation.objects.values_list("attempts", flat=True)) == {1}
    assert all(e.results.count() == 1 for e in Evaluation.objects.all())

    # Spread over the workers, each queue consumed only by its workers.
    hosts = defaultdict(set)
    for queue, host in Evaluation.objects.values_list("queue", "worker_host"):
        hosts[queue].add(host.split("@")[0])
    assert hosts["gpu"] == {"gpu1"}
    assert {"cpu1", "cpu3"} <= hosts["cpu"] <= {"cpu1", "cpu2", "cpu3"}

    # The lost worker's evaluation was finished by another worker after redelivery.
    victim_evaluation.refresh_from_db()
    assert victim_evaluation.status == "succeeded"
    assert not victim_evaluation.worker_host.startswith("cpu2@")
    assert victim_evaluation.deliveries == 2

    # One index per dataset in the shared store, built once, reused by other workers.
    published = [p for p in store.iterdir() if not p.name.startswith(".")]
    assert len(published) == len(DATASETS), published
    caches = defaultdict(list)
    for result in Result.objects.select_related("evaluation"):
        cache = result.provenance["index_cache"]
        caches[cache["key"]].append((cache["reused"], result.evaluation.worker_host))
    assert len(caches) == len(DATASETS)
    reused_elsewhere = 0
    for key, uses in caches.items():
        builders = [host for reused, host in uses if not reused]
        assert len(builders) <= 1, (key, builders)  # 0 when the builder was the worker that died
        assert artifacts.LocalStore(store).find(key) is not None
        if builders:
            reused_elsewhere += any(reused and host != builders[0] for reused, host in uses)
    assert reused_elsewhere >= 1, caches
    assert sum(not reused for uses in caches.values() for reused, _ in uses) <= len(DATASETS)
