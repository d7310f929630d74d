"""SIGKILL the pool process mid-evaluation: the message is redelivered and the evaluation completes once."""
import os
import signal

import pytest

from leaderboard.models import Evaluation, Result
from leaderboard.submissions import services
from tests.integration.pipeline.conftest import ADI, wait_until

pytestmark = pytest.mark.slow


def running_evaluation(user, name: str) -> Evaluation:
    """Submit bm25-flat on ADI and wait until a worker runs it."""
    evaluation = services.submit(user, name=name, family="bm25", source="reference", retriever="bm25-flat",
                                 datasets=[ADI]).evaluations.get()
    wait_until(lambda: Evaluation.objects.get(pk=evaluation.pk).status == "running", 60, interval=0.05,
               what="the evaluation to start")
    return evaluation


def finished(evaluation: Evaluation, what: str) -> Evaluation:
    return wait_until(lambda: (e := Evaluation.objects.get(pk=evaluation.pk)).status not in Evaluation.ACTIVE and e,
                      180, what=what)


def test_killed_worker_redelivers_without_duplicates(django_user_model, start_worker):
    worker = start_worker("victim")
    user = django_user_model.objects.create_user("lin", password="x")
    evaluation = running_evaluation(user, "killme")
    children = worker.children()
    assert children, "the prefork pool has a child process"
    for child in children:
        os.kill(child.pid, signal.SIGKILL)

    done = finished(evaluation, "the redelivered evaluation to finish")
    assert done.status == "succeeded", (done.error, worker.text()[-3000:])
    assert done.deliveries == 2  # picked up, killed, picked up again
    assert done.attempts == 1
    assert Result.objects.filter(evaluation=evaluation).count() == 1
    assert "WorkerLostError" in worker.text() or "exited" in worker.text()


def test_a_whole_worker_killed_is_requeued_by_the_reconciler_and_finishes_once(django_user_model, pipeline_env,
                                                                               start_worker, start_beat):
    """The main process too: its message sits unacknowledged in the broker for the visibility timeout (hours),
    so the reconciler notices the silent heartbeat and queues the evaluation again."""
    fast = {**pipeline_env, "HEARTBEAT_STALE_SECONDS": "4", "RECONCILE_INTERVAL_SECONDS": "1",
            "RECONCILE_GRACE_SECONDS": "1"}
    victim = start_worker("whole", env=fast)
    user = django_user_model.objects.create_user("ada", password="x")
    evaluation = running_evaluation(user, "kill all")
    os.killpg(victim.proc.pid, signal.SIGKILL)  # main process and pool: nothing acknowledges or rejects
    victim.proc.wait(10)

    start_worker("heir", env=fast)
    start_beat(env=fast)
    done = finished(evaluation, "the requeued evaluation to finish")
    assert done.status == "succeeded", done.error
    assert done.deliveries == 2 and done.attempts == 1
    assert Result.objects.filter(evaluation=evaluation).count() == 1
