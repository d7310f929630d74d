"""The REST API with a token: create (JSON and multipart with an uploaded model archive), poll, read results."""
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from leaderboard.models import Evaluation, Result
from tests.integration.pipeline.conftest import ADI, minilm_archive, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
def api(django_user_model):
    user = django_user_model.objects.create_user("grace", password="x-long-pass-123")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _wait_finished(api, pk, timeout=300):
    return wait_until(lambda: (s := api.get(f"/api/submissions/{pk}/status/").json())["finished"] and s, timeout,
                      interval=0.5, what="the submission to finish")


def test_api_reference_submission(api, start_worker):
    start_worker("api")
    response = api.post("/api/submissions/", {"name": "api bm25", "family": "bm25", "source": "reference",
                                              "retriever": "bm25-multifield", "datasets": [ADI]}, format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    state = _wait_finished(api, pk)
    assert [e["status"] for e in state["evaluations"]] == ["succeeded"], state
    results = api.get(f"/api/submissions/{pk}/results/").json()
    assert len(results) == 1 and results[0]["dataset"] == ADI
    assert results[0]["main_score"] == Result.objects.get(evaluation__submission_id=pk).main_score
    assert api.get("/api/schema/").status_code == 200


def test_api_uploaded_minilm_archive(api, start_worker, tmp_path):
    start_worker("gpuq", queues="cpu,gpu")
    archive = minilm_archive(tmp_path / "minilm.zip")
    with open(archive, "rb") as handle:
        response = api.post("/api/submissions/", {"name": "my minilm", "family": "dense", "source": "archive",
                                                  "datasets": ADI, "params": '{"pooling": "mean", "max_length": 128}',
                                                  "model_archive": handle}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["n_parameters"] == 22_713_728 and body["model_checksum"]
    assert Evaluation.objects.get(submission_id=body["id"]).queue == "gpu"
    state = _wait_finished(api, body["id"], timeout=600)
    evaluation = state["evaluations"][0]
    assert evaluation["status"] == "succeeded", evaluation
    assert evaluation["result"]["main_score"] > 0.2
