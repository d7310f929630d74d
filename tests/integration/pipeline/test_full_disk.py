"""A full upload/result disk: uploads get a clear 503 and leave no file; a worker that cannot store its result
retries, and succeeds once space is back. The disk is a small tmpfs the test mounts, never the real one."""
from __future__ import annotations

import errno
import os
import subprocess

import pytest
from rest_framework.test import APIClient

from leaderboard.models import Evaluation, Result, Submission
from leaderboard.submissions import services
from tests.integration.pipeline.conftest import ADI, make_run_file, minilm_archive, wait_until


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk):
    """Take every free byte of the disk; returns the filler file."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def files_on(disk) -> list[str]:
    return sorted(str(p.relative_to(disk)) for p in disk.rglob("*") if p.is_file())


@pytest.mark.django_db
def test_an_upload_to_a_full_disk_is_a_503_and_leaves_nothing(small_disk, settings, tmp_path, django_user_model):
    settings.MEDIA_ROOT = small_disk
    api = APIClient()
    api.force_authenticate(django_user_model.objects.create_user("full", password="x"))
    run = make_run_file(tmp_path / "classic-ir__adi.trec")
    filler = fill(small_disk)

    def post():
        with open(run, "rb") as handle:
            return api.post("/api/submissions/", {"name": "runs", "family": "run-file", "run_files": [handle]},
                            format="multipart")

    response = post()
    assert response.status_code == 503 and "storage full" in response.json()["detail"]
    assert files_on(small_disk) == ["filler"] and not Submission.objects.exists()
    filler.unlink()
    response = post()
    assert response.status_code == 201, response.content
    assert files_on(small_disk) == [f"runs/submitted/{response.json()['slug']}__classic-ir__adi.trec"]


@pytest.mark.django_db
def test_an_archive_unpacked_onto_a_full_disk_is_a_503_and_leaves_nothing(small_disk, settings, tmp_path,
                                                                          django_user_model):
    settings.MODELS_DIR = small_disk  # the 512 KiB disk cannot hold MiniLM's weights
    api = APIClient()
    api.force_authenticate(django_user_model.objects.create_user("full", password="x"))
    with open(minilm_archive(tmp_path / "minilm.zip"), "rb") as handle:
        response = api.post("/api/submissions/", {"name": "minilm", "family": "dense", "source": "archive",
                                                  "datasets": ADI, "model_archive": handle}, format="multipart")
    assert response.status_code == 503 and "storage full" in response.json()["detail"], response.content
    assert files_on(small_disk) == [] and not Submission.objects.exists()


@pytest.mark.slow
def test_a_worker_that_cannot_store_retries_and_succeeds_once_space_is_back(small_disk, pipeline_env, start_worker,
                                                                             django_user_model):
    filler = fill(small_disk)
    worker = start_worker("full", env={**pipeline_env, "RB_UPLOAD_DIR": str(small_disk)})
    user = django_user_model.objects.create_user("fuller", password="x")
    evaluation = services.submit(user, name="bm25 full disk", family="bm25", source="reference",
                                 retriever="bm25-flat", datasets=[ADI]).evaluations.get()
    waiting = wait_until(lambda: (e := Evaluation.objects.get(pk=evaluation.pk)).progress_phase.startswith(
        "retry 1") and e, 120, what="a retry after the full disk")
    assert "storage full" in waiting.progress_phase and waiting.status == "queued"
    assert files_on(small_disk) == ["filler"]  # the partial run file was removed
    filler.unlink()
    done = wait_until(lambda: (e := Evaluation.objects.get(pk=evaluation.pk)).status not in Evaluation.ACTIVE and e,
                      120, what="the retried evaluation to finish")
    assert done.status == "succeeded", (done.error, worker.text()[-2000:])
    assert done.deliveries == 1  # a retry, not a crash
    result = Result.objects.get(evaluation=evaluation)
    assert files_on(small_disk) == [result.run_file.name]
