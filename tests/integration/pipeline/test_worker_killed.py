"""SIGKILL the pool process mid-evaluation: the message is redelivered and the evaluation completes once."""
import os
import signal

import pytest

from leaderboard.models import Evaluation, Result
from leaderboard.submissions import services
from tests.integration.pipeline.conftest import ADI, wait_until

pytestmark = pytest.mark.slow


def test_killed_worker_redelivers_without_duplicates(django_user_model, start_worker):
    worker = start_worker("victim")
    user = django_user_model.objects.create_user("lin", password="x")
    submission = services.submit(user, name="killme", family="bm25", source="reference", retriever="bm25-flat",
                                 datasets=[ADI])
    evaluation = submission.evaluations.get()
    wait_until(lambda: Evaluation.objects.get(pk=evaluation.pk).status == "running", 60, interval=0.05,
               what="the evaluation to start")
    children = worker.children()
    assert children, "the prefork pool has a child process"
    for child in children:
        os.kill(child.pid, signal.SIGKILL)

    done = wait_until(lambda: (e := Evaluation.objects.get(pk=evaluation.pk)).status not in Evaluation.ACTIVE and e,
                      180, what="the redelivered evaluation to finish")
    assert done.status == "succeeded", (done.error, worker.text()[-3000:])
    assert done.deliveries == 2  # picked up, killed, picked up again
    assert done.attempts == 1
    assert Result.objects.filter(evaluation=evaluation).count() == 1
    assert "WorkerLostError" in worker.text() or "exited" in worker.text()
