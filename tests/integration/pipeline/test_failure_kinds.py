"""The error decides whether an evaluation is tried again: a dataset that cannot be fetched fails at once with
the fetch error (a real worker, no retry); a download that breaks off is retried, counted apart from crash
redeliveries, and ends with its cause."""
import pytest

from datasets_registry.catalog import load_catalog
from datasets_registry.services import sync_catalog
from leaderboard.evaluations.tasks import evaluate_evaluation
from leaderboard.models import Evaluation
from leaderboard.submissions import services
from tests.integration.datasets_registry.conftest import data_dir, upstream  # noqa: F401  (fixtures)
from tests.integration.datasets_registry.test_http_fetch_beir import CORPUS, QRELS, QUERIES, record
from tests.integration.datasets_registry.upstream import beir_zip, md5
from tests.integration.pipeline.conftest import wait_until


def bm25_on(user, dataset: str):
    return services.submit(user, name=f"bm25 on {dataset}", family="bm25", source="reference",
                           retriever="bm25-flat", datasets=[dataset])


@pytest.mark.slow
def test_a_dataset_that_cannot_be_fetched_fails_at_once_without_retry(start_worker, django_user_model):
    user = django_user_model.objects.create_user("restricted", password="x")
    submission = bm25_on(user, "beir/robust04")  # licensed by NIST: never downloadable
    worker = start_worker("w1")
    evaluation = wait_until(lambda: Evaluation.objects.filter(submission=submission).exclude(
        status__in=Evaluation.ACTIVE).first(), 60, what="the evaluation to end")  # a retry waits 30 s first
    assert evaluation.status == Evaluation.Status.FAILED
    assert evaluation.error.startswith("beir/robust04 cannot be downloaded: TREC Disks 4 and 5")
    assert evaluation.deliveries == 1
    assert "Retry in" not in worker.text()


@pytest.mark.django_db(transaction=True)
def test_a_download_that_breaks_off_is_retried_and_fails_with_its_cause(upstream, data_dir, monkeypatch,  # noqa: F811
                                                                        django_user_model, settings):
    upstream.files["flaky.zip"] = archive = beir_zip("flaky", CORPUS, QUERIES, QRELS)
    flaky = record(upstream.url("flaky.zip", mode="500"), md5(archive), slug="flaky", root="flaky")
    monkeypatch.setitem(load_catalog().datasets, flaky.key, flaky)
    sync_catalog()
    user = django_user_model.objects.create_user("flaky", password="x")
    evaluation = Evaluation.objects.get(submission=bm25_on(user, flaky.key))

    # Run as a worker runs it, retries included (eagerly: no broker, no back-off wait).
    evaluate_evaluation.apply(args=(evaluation.pk, evaluation.attempts))
    evaluation.refresh_from_db()
    tries = settings.EVALUATION_MAX_RETRIES + 1
    assert evaluation.status == Evaluation.Status.FAILED
    assert evaluation.error.startswith(f"gave up after {tries} tries: download of {flaky.source_url} failed: "
                                       "server answered HTTP 500")
    assert len(upstream.requests) == tries
    assert evaluation.deliveries == 1  # retries are not counted as crashed deliveries
