"""Sign up, submit through the web form, watch the status endpoint, see results on the page."""
import pytest

from leaderboard.models import Evaluation, Result
from tests.integration.pipeline.conftest import ADI, wait_until

pytestmark = pytest.mark.slow


def test_signup_submit_form_and_see_results(client, start_worker):
    start_worker("form")
    response = client.post("/accounts/signup/", {"username": "ada", "password1": "a-long-pass-123",
                                                 "password2": "a-long-pass-123"})
    assert response.status_code == 302
    assert client.get("/submit/").status_code == 200

    response = client.post("/submit/", {"name": "My BM25", "family": "bm25", "source": "reference",
                                        "retriever": "bm25-flat", "datasets": [ADI], "k1": "0.9", "b": "0.4",
                                        "is_public": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = response["Location"]
    evaluation = Evaluation.objects.get(submission__name="My BM25")
    assert evaluation.queue == "cpu" and evaluation.attempts == 1

    state = wait_until(lambda: (s := client.get(page + "status.json").json())["finished"] and s, 180,
                       what="the evaluation to finish")
    assert state["evaluations"][0]["status"] == "succeeded", state
    result = Result.objects.get(evaluation=evaluation)
    assert result.is_current and result.attempt == 1
    html = client.get(page).content.decode()
    assert f"{result.main_score:.4f}" in html
    assert "succeeded" in html
