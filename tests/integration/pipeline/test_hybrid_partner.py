"""A hybrid fusing BM25 with the user's own uploaded model: the worker runs the partner submission's model.

The uploaded model is the bundled all-MiniLM-L6-v2 with the reference settings, so the hybrid must score
exactly what the reference hybrid-bm25-minilm-rrf scores. The evaluation runs in this process
(leaderboard.evaluations.worker.run_evaluation, as a worker calls it) against real PostgreSQL.
"""
import pytest
from rest_framework.test import APIClient

import runners
from leaderboard.evaluations.worker import run_evaluation
from leaderboard.models import Evaluation, Result, Submission
from tests.helpers import load_beir_dataset
from tests.integration.pipeline.conftest import ADI, minilm_archive

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
MINILM_PARAMS = '{"pooling": "mean", "normalize": true, "max_length": 256}'


@pytest.fixture
def api(django_user_model):
    client = APIClient()
    client.force_authenticate(django_user_model.objects.create_user("ada"))
    return client


def upload_minilm(api, tmp_path, **fields) -> dict:
    with open(minilm_archive(tmp_path / "minilm.zip"), "rb") as archive:
        response = api.post("/api/submissions/", {"name": "my minilm", "family": "dense", "source": "archive",
                                                  "datasets": ADI, "params": MINILM_PARAMS,
                                                  "model_archive": archive, **fields}, format="multipart")
    assert response.status_code == 201, response.json()
    return response.json()


def test_hybrid_of_bm25_and_my_uploaded_model_scores_like_the_reference_hybrid(api, tmp_path):
    mine = upload_minilm(api, tmp_path)
    response = api.post("/api/submissions/", {
        "name": "bm25 + my minilm", "family": "hybrid", "source": "reference", "datasets": [ADI],
        "params": {"runs": ["bm25-flat", f"submission:{mine['slug']}"], "method": "rrf"}}, format="json")
    assert response.status_code == 201, response.json()
    hybrid = Submission.objects.get(pk=response.json()["id"])
    assert hybrid.wants_gpu  # a dense partner: routed like the reference hybrids
    evaluation = Evaluation.objects.get(submission=hybrid)
    assert run_evaluation(evaluation.pk, evaluation.attempts) == "succeeded"
    result = Result.objects.get(evaluation=evaluation)
    reference = runners.evaluate(runners.get_spec("hybrid-bm25-minilm-rrf"), load_beir_dataset(ADI),
                                 measure_latency=False)
    assert result.main_score == pytest.approx(reference.metrics["ndcg@10"], abs=1e-9)
    assert set(result.provenance["components"]) == {"bm25-flat", f"submission:{mine['slug']}"}


def test_partners_must_be_visible_model_submissions(api, tmp_path, django_user_model):
    other = APIClient()
    other.force_authenticate(django_user_model.objects.create_user("eve"))
    private = upload_minilm(other, tmp_path, is_public="false")
    runs = other.post("/api/submissions/", {"name": "eve's runs", "family": "hybrid", "source": "reference",
                                            "datasets": [ADI], "params": {"runs": ["bm25-flat", "minilm-l6"]}},
                      format="json").json()
    before = Submission.objects.count()
    for partner, words in ((private["slug"], "of yours or public"), ("nobody-has-this", "of yours or public"),
                           (runs["slug"], "needs a model")):
        response = api.post("/api/submissions/", {
            "name": "fusion", "family": "hybrid", "source": "reference", "datasets": [ADI],
            "params": {"runs": ["bm25-flat", f"submission:{partner}"]}}, format="json")
        assert response.status_code == 400 and words in str(response.json()["params"]), response.json()
    assert Submission.objects.count() == before
