"""Storing a finished evaluation: one transaction writes the Result, its per-query scores and its run."""
from __future__ import annotations

import gzip
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from datasets_registry.services import dataset_row
from leaderboard.files import StoredFiles
from leaderboard.models import Evaluation, QueryScore, Result, Source, Submission, metric_field
from runners.evaluate import Outcome
from runners.metrics import MAIN_METRIC, METRICS
from runners.specs import RetrieverSpec
from runners.trec_run import format_run


def without_server_paths(value):
    """Provenance as the public sees it: a folder of this server (an unpacked archive, a cache) is named by its
    last part only; the model's checksum, recorded beside it, identifies the weights."""
    if isinstance(value, dict):
        return {key: without_server_paths(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_server_paths(item) for item in value]
    if isinstance(value, str) and PurePath(value).is_absolute():
        return PurePath(value).name
    return value


def _run_file(outcome: Outcome, name: str) -> ContentFile:
    return ContentFile(gzip.compress(format_run(outcome.run, tag=name).encode("utf-8"), mtime=0))


@transaction.atomic
def store_outcome(evaluation: Evaluation, outcome: Outcome, attempt: int) -> Result:
    """Record a finished attempt once: a second call for the same attempt returns the first result."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    existing = evaluation.results.filter(attempt=attempt).first()
    if existing:
        return existing
    evaluation.results.filter(is_current=True).update(is_current=False)
    result = Result(
        evaluation=evaluation,
        attempt=attempt,
        main_score=outcome.metrics[MAIN_METRIC],
        metrics=outcome.metrics,
        timings=outcome.timings,
        provenance=without_server_paths(outcome.provenance),
        judged_queries=len(outcome.per_query),
    )
    with StoredFiles() as files:
        files.save(result.run_file, f"{evaluation.pk}-{attempt}.trec.gz",
                   _run_file(outcome, evaluation.submission.slug))
        result.save()
        QueryScore.objects.bulk_create(
            QueryScore(result=result, query_id=qid, **{metric_field(m.name): scores[m.name] for m in METRICS})
            for qid, scores in outcome.per_query.items()
        )
    evaluation.status = Evaluation.Status.SUCCEEDED
    evaluation.progress_phase = "done"
    evaluation.progress_percent = 100.0
    evaluation.error = ""
    evaluation.finished_at = timezone.now()
    evaluation.save()
    return result


def store_current(evaluation_id: int, attempt: int, outcome: Outcome) -> bool:
    """Store the outcome if this attempt is still the running one (idempotent per attempt)."""
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().filter(pk=evaluation_id).first()
        if evaluation is None:  # its submission was deleted while it ran
            return False
        if evaluation.attempts != attempt:
            return False
        if evaluation.results.filter(attempt=attempt).exists():
            return True
        if evaluation.status != Evaluation.Status.RUNNING:
            return False  # cancelled meanwhile
        store_outcome(evaluation, outcome, attempt)
    return True


def store_new_attempt(submission: Submission, dataset_key: str, outcome: Outcome) -> Result:
    """Store an outcome computed outside the queue (the CLI, an import) as a new attempt of its evaluation row."""
    with transaction.atomic():
        evaluation, _ = Evaluation.objects.get_or_create(submission=submission, dataset=dataset_row(dataset_key))
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        evaluation.attempts += 1
        evaluation.started_at = evaluation.started_at or timezone.now()
        evaluation.save()
        return store_outcome(evaluation, outcome, attempt=evaluation.attempts)


def reference_submission(spec: RetrieverSpec) -> Submission:
    """The leaderboard row of a bundled reference retriever (created on first use), slugged by its name: a
    reserved slug (models.RESERVED_SLUGS), unless a row holds it from before (then a free one, as for users)."""
    fields = {
        "name": spec.name,
        "description": spec.description,
        "family": spec.family,
        "source": Source.REFERENCE,
        "licence": spec.licence,
        "params": spec.params,
        "n_parameters": spec.n_parameters,
        "embedding_dim": spec.embedding_dim,
        "vocabulary_size": spec.vocabulary_size,
        "wants_gpu": spec.wants_gpu,
        "open_weights": True,
    }
    slug = "" if Submission.objects.filter(slug=spec.name).exists() else spec.name
    submission, _ = Submission.objects.update_or_create(is_reference=True, retriever=spec.name, defaults=fields,
                                                        create_defaults={**fields, "slug": slug})
    return submission


def record_reference_result(spec: RetrieverSpec, dataset_key: str, outcome: Outcome) -> Result:
    """Store a CLI evaluation of a reference retriever on the leaderboard."""
    return store_new_attempt(reference_submission(spec), dataset_key, outcome)
