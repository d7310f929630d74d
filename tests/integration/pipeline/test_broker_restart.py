"""Stop the broker while jobs are queued, start it again: the reconciler (celery beat) resends them."""
import pytest

from leaderboard.models import Evaluation, Result
from leaderboard.submissions import services
from tests.integration.pipeline.conftest import wait_until

pytestmark = pytest.mark.slow
DATASETS = ["classic-ir/adi", "classic-ir/medline", "classic-ir/cranfield"]


def test_broker_restart_loses_nothing(django_user_model, own_redis, pipeline_env, start_worker, start_beat):
    env = {**pipeline_env, "CELERY_BROKER_URL": own_redis.url, "RECONCILE_INTERVAL_SECONDS": "2",
           "RECONCILE_GRACE_SECONDS": "1"}
    user = django_user_model.objects.create_user("mo", password="x")
    first = services.submit(user, name="before stop", family="bm25", source="reference", retriever="bm25-flat",
                            datasets=DATASETS)
    own_redis.stop()  # the three queued messages are gone (no persistence)
    second = services.submit(user, name="while down", family="bm25", source="reference", retriever="bm25-flat",
                             datasets=["classic-ir/adi"])  # the send fails; the row stays queued
    assert Evaluation.objects.filter(status="queued").count() == 4
    own_redis.start()

    start_worker("after", env=env)
    start_beat(env=env)
    wait_until(lambda: not Evaluation.objects.filter(status__in=Evaluation.ACTIVE).exists(), 600, interval=0.5,
               what="every evaluation to finish")
    for submission in (first, second):
        for evaluation in submission.evaluations.all():
            assert evaluation.status == "succeeded", evaluation.error
            assert Result.objects.filter(evaluation=evaluation).count() == 1
