"""A run-file submission scores exactly what `manage.py evaluate --run f --dataset ... --json` prints."""
import json
import subprocess

import pytest

from leaderboard.models import Result
from tests.integration.pipeline.conftest import ADI, BASE_DIR, make_run_file, wait_until

pytestmark = pytest.mark.slow


def test_run_file_submission_equals_cli(client, django_user_model, start_worker, pipeline_env, tmp_path):
    run = make_run_file(tmp_path / "classic-ir__adi.trec")
    cli = subprocess.run([str(BASE_DIR / ".venv/bin/python"), "manage.py", "evaluate", "--run", str(run),
                          "--dataset", ADI, "--json"], cwd=BASE_DIR, env=pipeline_env, capture_output=True,
                         text=True, check=True)
    expected = json.loads(cli.stdout)[0]["metrics"]

    start_worker("runs")
    django_user_model.objects.create_user("ken", password="x-long-pass-123")
    client.login(username="ken", password="x-long-pass-123")
    with open(run, "rb") as handle:
        response = client.post("/submit/", {"name": "overlap run", "family": "run-file", "source": "run-file",
                                            "run_files": [handle], "is_public": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    result = wait_until(lambda: Result.objects.filter(evaluation__submission__name="overlap run").first(), 120,
                        what="the run to be scored")
    assert result.metrics == expected
    assert result.evaluation.dataset.key == ADI
