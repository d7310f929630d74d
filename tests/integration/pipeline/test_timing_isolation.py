"""Efficiency figures measured by real workers: two workers of one host never time at once and share one host
yardstick, and a result timed while the machine was loaded carries the flag, stored and shown."""
import os
import subprocess
import sys

import pytest

from leaderboard.models import Evaluation, HostYardstick, Result
from leaderboard.submissions import services
from tests.integration.pipeline.conftest import ADI, wait_until

pytestmark = pytest.mark.slow
CRANFIELD = "classic-ir/cranfield"


def submit_bm25(user, name: str, datasets: list[str]):
    return services.submit(user, name=name, family="bm25", source="reference", retriever="bm25-flat",
                           datasets=datasets)


def all_finished(timeout: float = 300) -> None:
    wait_until(lambda: not Evaluation.objects.filter(status__in=Evaluation.ACTIVE).exists(), timeout,
               what="every evaluation to finish")
    assert set(Evaluation.objects.values_list("status", flat=True)) == {"succeeded"}, \
        list(Evaluation.objects.values_list("error", flat=True))


def test_two_workers_of_one_host_never_time_at_once(django_user_model, start_worker):
    start_worker("w1")
    start_worker("w2")
    user = django_user_model.objects.create_user("tim", password="x")
    for n in range(2):
        submit_bm25(user, f"bm25 {n}", [ADI, CRANFIELD])
    all_finished()
    assert len(set(Evaluation.objects.values_list("worker_host", flat=True))) == 2, "both workers evaluated"
    timings = [r.timings for r in Result.objects.all()]
    spans = sorted((t["timing_started_at"], t["timing_started_at"] + t["timing_seconds"]) for t in timings)
    assert len(spans) == 4
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert start >= end, spans
    assert all(t["timing_repeats"] == 3 and t["latency_p50_ms"] > 0 for t in timings)
    stick = HostYardstick.objects.get()  # one measurement for the host, shared by both workers
    assert stick.bm25_latency_p50_ms > 0 and stick.dense_encode_per_s > 0
    for result in Result.objects.all():
        assert result.provenance["yardstick"]["id"] == stick.pk
        assert result.timings["latency_p50_vs_yardstick"] == pytest.approx(
            result.timings["latency_p50_ms"] / stick.bm25_latency_p50_ms)


def test_a_result_timed_under_load_carries_the_flag(django_user_model, start_worker, client):
    start_worker("w1")
    user = django_user_model.objects.create_user("busy", password="x")
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        submission = submit_bm25(user, "bm25 busy", [ADI])
        all_finished()
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    timings = Result.objects.get().timings
    assert timings["under_load"] is True and timings["other_load_cores"] > 0.25 * (os.cpu_count() or 1)
    client.force_login(user)
    page = client.get(f"/models/{submission.slug}/").content.decode()
    assert "under load" in page
