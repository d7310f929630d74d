"""Leaderboard rows built directly with the ORM, with per-query scores whose answers are known."""
from __future__ import annotations

import gzip

import numpy as np
from django.core.files.base import ContentFile

from datasets_registry.models import Benchmark, Dataset
from leaderboard.models import Evaluation, QueryScore, Result, Source, Submission, metric_field
from runners.metrics import METRICS
from runners.trec_run import Run, format_run

TIMINGS = {"latency_p50_ms": 10.0, "latency_p95_ms": 20.0, "batch_qps": 100.0, "index_bytes": 2e6,
           "index_seconds": 1.0, "peak_rss_bytes": 5e8}
PROVENANCE = {"code_commit": "abc1234", "dataset_checksum": "sha256:feed", "libraries": {"ranx": "0.3.21"},
              "device": {"cpu": "Test CPU", "cores": 2, "gpu": None}}


def benchmark(slug: str) -> Benchmark:
    return Benchmark.objects.get_or_create(slug=slug, defaults={"name": slug.upper()})[0]


def dataset(key: str, name: str | None = None) -> Dataset:
    bench, slug = key.split("/", 1)
    benchmark_row = benchmark(bench)
    found, _ = Dataset.objects.get_or_create(benchmark=benchmark_row, slug=slug,
                                             defaults={"name": name or slug.title(), "format": "beir"})
    return found


def submission(name: str, **fields) -> Submission:
    defaults = {"family": "dense", "source": Source.MODEL_ID, "licence": "MIT", "n_parameters": 22_000_000}
    return Submission.objects.create(name=name, **{**defaults, **fields})


def result(row: Submission, data: Dataset, scores, *, latency: float = 10.0, attempt: int = 1,
           is_current: bool = True, run: Run | None = None, metrics: dict | None = None,
           timings: dict | None = None, provenance: dict | None = None) -> Result:
    """`scores`: nDCG@10 per query (a list numbers queries q0, q1, ...); other metrics take the same values.
    `timings` replaces the default ones (a run-file result has none)."""
    per_query = scores if isinstance(scores, dict) else {f"q{i}": float(v) for i, v in enumerate(scores)}
    mean = float(np.mean(list(per_query.values())))
    evaluation, _ = Evaluation.objects.get_or_create(submission=row, dataset=data,
                                                     defaults={"status": Evaluation.Status.SUCCEEDED})
    made = Result(evaluation=evaluation, attempt=attempt, is_current=is_current, main_score=mean,
                  metrics={**{m.name: mean for m in METRICS}, **(metrics or {})},
                  timings={**TIMINGS, "latency_p50_ms": latency} if timings is None else timings,
                  provenance=provenance or PROVENANCE,
                  judged_queries=len(per_query))
    if run is not None:
        made.run_file.save(f"{row.slug}-{data.slug}-{attempt}.trec.gz",
                           ContentFile(gzip.compress(format_run(run, tag=row.slug).encode())), save=False)
    made.save()
    QueryScore.objects.bulk_create(
        QueryScore(result=made, query_id=qid, **{metric_field(m.name): value for m in METRICS})
        for qid, value in per_query.items()
    )
    return made
