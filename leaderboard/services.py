"""Write paths of the leaderboard. Views, tasks and commands call these; nothing else writes."""
from __future__ import annotations

import gzip
import logging
import re
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from datasets_registry.models import Dataset as DatasetRow
from leaderboard.models import Evaluation, Family, QueryScore, Result, Source, Submission, metric_field
from runners.evaluate import Outcome
from runners.metrics import MAIN_METRIC, METRICS
from runners.specs import RetrieverSpec
from runners.trec_run import format_run


def dataset_row(key: str) -> DatasetRow:
    benchmark, slug = key.split("/", 1)
    return DatasetRow.objects.select_related("benchmark").get(benchmark__slug=benchmark, slug=slug)


def reference_submission(spec: RetrieverSpec) -> Submission:
    """The leaderboard row of a bundled reference retriever (created on first use)."""
    submission, _ = Submission.objects.update_or_create(
        is_reference=True,
        retriever=spec.name,
        defaults={
            "name": spec.name,
            "slug": spec.name,
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
        },
    )
    return submission


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
        provenance=outcome.provenance,
        judged_queries=len(outcome.per_query),
    )
    result.run_file.save(f"{evaluation.pk}-{attempt}.trec.gz", _run_file(outcome, evaluation.submission.slug),
                         save=False)
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


def record_reference_result(spec: RetrieverSpec, dataset_key: str, outcome: Outcome) -> Result:
    """Store a CLI evaluation of a reference retriever as a new attempt of its evaluation row."""
    with transaction.atomic():
        evaluation, _ = Evaluation.objects.get_or_create(
            submission=reference_submission(spec), dataset=dataset_row(dataset_key)
        )
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        evaluation.attempts += 1
        evaluation.started_at = evaluation.started_at or timezone.now()
        evaluation.save()
        return store_outcome(evaluation, outcome, attempt=evaluation.attempts)


# --------------------------------------------------------------------------------------------------
# Submissions: create, cancel, rerun. The database is the source of truth: rows are written in one
# transaction and the Celery messages are sent only after it commits (transaction.on_commit).
# --------------------------------------------------------------------------------------------------
log = logging.getLogger(__name__)

MODEL_FAMILIES = (Family.DENSE, Family.LEARNED_SPARSE, Family.SPARSE_LLM)
FAMILY_SOURCES = {
    Family.DENSE: (Source.REFERENCE, Source.ARCHIVE, Source.MODEL_ID),
    Family.LEARNED_SPARSE: (Source.REFERENCE, Source.ARCHIVE, Source.MODEL_ID),
    Family.SPARSE_LLM: (Source.REFERENCE, Source.ARCHIVE, Source.MODEL_ID),
    Family.BM25: (Source.REFERENCE,),
    Family.HYBRID: (Source.REFERENCE,),
    Family.RUN_FILE: (Source.RUN_FILE,),
}
MODEL_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}(/[A-Za-z0-9][A-Za-z0-9_.-]{0,95})?$")


def _errors(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def check_submission_limits(owner, new_evaluations: int = 0) -> None:
    """Per-user rate limit and cap on queued + running evaluations (staff are exempt)."""
    if owner is None or not owner.is_authenticated:
        raise _errors("__all__", "sign in to submit")
    if owner.is_staff:
        return
    recent = Submission.objects.filter(owner=owner, created_at__gte=timezone.now() - timedelta(hours=1)).count()
    if recent >= settings.SUBMISSIONS_PER_HOUR:
        raise _errors("__all__", f"you made {recent} submissions in the last hour, the limit is "
                                 f"{settings.SUBMISSIONS_PER_HOUR}; please wait before submitting again")
    active = Evaluation.objects.filter(submission__owner=owner, status__in=Evaluation.ACTIVE).count()
    if active + new_evaluations > settings.MAX_ACTIVE_EVALUATIONS_PER_USER:
        raise _errors("__all__", f"you have {active} evaluations queued or running and this submission adds "
                                 f"{new_evaluations}; the limit is {settings.MAX_ACTIVE_EVALUATIONS_PER_USER}. "
                                 "Wait for some to finish or cancel them")


def resolve_datasets(names) -> list:
    """Dataset keys, benchmarks or suites of the catalog -> catalog records (ValidationError on 'datasets')."""
    from datasets_registry.catalog import CatalogError, load_catalog

    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    names = [str(n).strip() for n in (names or []) if str(n).strip()]
    if not names:
        raise _errors("datasets", "choose at least one dataset, benchmark or suite")
    try:
        return load_catalog().resolve(names)
    except CatalogError as exc:
        raise _errors("datasets", str(exc)) from None


def _dataset_rows(records) -> list[DatasetRow]:
    from datasets_registry.services import sync_catalog

    keys = [r.key for r in records]
    rows = {row.key: row for row in DatasetRow.objects.select_related("benchmark")
            if row.key in keys}
    if len(rows) < len(keys):
        sync_catalog()
        rows = {row.key: row for row in DatasetRow.objects.select_related("benchmark") if row.key in keys}
    return [rows[k] for k in keys]


def _upload_size(upload) -> int:
    return getattr(upload, "size", None) or 0


def _check_upload_size(field: str, upload) -> None:
    if _upload_size(upload) > settings.UPLOAD_MAX_BYTES:
        raise _errors(field, f"{upload.name}: {_upload_size(upload):,} bytes, above the upload limit of "
                             f"{settings.UPLOAD_MAX_BYTES:,} bytes")
    if _upload_size(upload) == 0:
        raise _errors(field, f"{upload.name}: the file is empty")


def _to_temp_file(upload, suffix: str = "") -> Path:
    handle = tempfile.NamedTemporaryFile(delete=False, suffix=suffix, prefix="rb-upload-")
    with handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    upload.seek(0)
    return Path(handle.name)


def run_file_dataset_key(filename: str, records_by_key: dict) -> str:
    """Map a run file's name to a dataset: 'classic-ir__adi.trec' or 'adi.trec' (a unique slug)."""
    stem = Path(filename).name.split(".", 1)[0]
    key = stem.replace("__", "/")
    if key in records_by_key:
        return key
    matches = [k for k, r in records_by_key.items() if r.slug == stem]
    if len(matches) == 1:
        return matches[0]
    raise _errors("run_files", f"{filename}: cannot tell which dataset this run is for; name it "
                               "<benchmark>__<dataset>.trec, e.g. classic-ir__adi.trec")


def ids_checked_at_upload(record) -> bool:
    """Run ids are checked in the web request only against a dataset already on this host with a corpus
    small enough to scan in a request; otherwise the worker checks them before scoring (same message)."""
    from datasets_registry.storage import availability

    docs = record.counts.get("docs")
    return availability(record).status == "available" and docs is not None and \
        docs <= settings.RUN_FILE_CHECK_MAX_DOCS


def _validate_run_files(run_files, requested) -> dict:
    """{dataset key: upload}, each parsed and checked against the dataset's ids."""
    from datasets_registry.catalog import load_catalog
    from datasets_registry.services import load
    from runners.errors import UserInputError
    from runners.evaluate import check_run_ids
    from runners.trec_run import read_run

    if not run_files:
        raise _errors("run_files", "upload one TREC run file per dataset (qid Q0 docid rank score tag)")
    catalog = load_catalog()
    by_key = {}
    for upload in run_files:
        _check_upload_size("run_files", upload)
        key = run_file_dataset_key(upload.name, catalog.datasets)
        if key in by_key:
            raise _errors("run_files", f"two run files for {key}: {by_key[key].name} and {upload.name}")
        by_key[key] = upload
    if requested:
        wanted = {r.key for r in resolve_datasets(requested)}
        missing = sorted(wanted - set(by_key))
        if missing:
            raise _errors("run_files", f"no run file for {', '.join(missing)}")
    for key, upload in by_key.items():
        path = _to_temp_file(upload)
        try:
            run = read_run(path)
            record = catalog.get(key)
            if ids_checked_at_upload(record):
                check_run_ids(run, load(record, fetch=False))
        except UserInputError as exc:
            message = str(exc).replace(path.name, upload.name)
            raise _errors("run_files", message if message.startswith(upload.name) else f"{upload.name}: {message}") \
                from None
        finally:
            path.unlink(missing_ok=True)
    return by_key


def _validate_archive(upload, family: str):
    from leaderboard.archives import unpack_and_validate
    from runners.errors import UserInputError

    if upload is None:
        raise _errors("model_archive", "upload the model folder as a .zip or .tar.gz archive")
    _check_upload_size("model_archive", upload)
    path = _to_temp_file(upload)
    try:
        return unpack_and_validate(path, family, archive_name=upload.name)
    except UserInputError as exc:
        raise _errors("model_archive", str(exc)) from None
    finally:
        path.unlink(missing_ok=True)


def _new_evaluation(submission: Submission, dataset: DatasetRow) -> Evaluation:
    return Evaluation(submission=submission, dataset=dataset, attempts=1,
                      queue="gpu" if submission.wants_gpu else "cpu", task_id=str(uuid.uuid4()),
                      enqueued_at=timezone.now())


def _send_on_commit(evaluations) -> None:
    payload = [(e.pk, e.attempts, e.queue, e.task_id) for e in evaluations]

    def send():
        from leaderboard.queueing import send_tasks

        send_tasks(payload)

    transaction.on_commit(send)


def submit(owner, *, name: str, family: str, source: str = "", datasets=None, description: str = "",
           paper_url: str = "", code_url: str = "", licence: str = "", retriever: str = "", model_id: str = "",
           model_archive=None, params=None, run_files=None, is_public: bool = True) -> Submission:
    """Validate everything, then write the submission and one queued evaluation per dataset.

    Raises ValidationError (field -> messages) before any row is written.
    """
    from leaderboard.params import clean_params
    from runners.specs import REFERENCE_SPECS, RetrieverSpec

    check_submission_limits(owner)
    name = (name or "").strip()
    if not name:
        raise _errors("name", "give the submission a name")
    if len(name) > 120:
        raise _errors("name", "at most 120 characters")
    if family not in Family.values:
        raise _errors("family", f"unknown family {family!r}; one of {', '.join(Family.values)}")
    source = source or (Source.RUN_FILE if family == Family.RUN_FILE else "")
    if source not in FAMILY_SOURCES[family]:
        allowed = ", ".join(FAMILY_SOURCES[family])
        raise _errors("source", f"the {family} family takes a model from: {allowed}")
    for field, url in (("paper_url", paper_url), ("code_url", code_url)):
        if url:
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError:
                raise _errors(field, f"{url!r} is not an http(s) URL") from None
    if len(licence or "") > 100:
        raise _errors("licence", "at most 100 characters")
    params = clean_params(family, params)

    fields = {"n_parameters": None, "embedding_dim": None, "vocabulary_size": None, "model_checksum": "",
              "wants_gpu": False, "retriever": "", "model_id": ""}
    run_uploads = {}
    if source == Source.RUN_FILE:
        run_uploads = _validate_run_files(run_files, datasets)
        records = resolve_datasets(list(run_uploads))
    else:
        records = resolve_datasets(datasets)
    if source == Source.REFERENCE:
        spec = REFERENCE_SPECS.get(retriever)
        if family == Family.HYBRID and not retriever and params.get("runs"):
            partners = [REFERENCE_SPECS[r] for r in params["runs"] if r in REFERENCE_SPECS]
            partners += _partner_submissions(owner, params["runs"])
            spec = RetrieverSpec(name=name, family="hybrid", params=params, reference=False,
                                 wants_gpu=any(p.wants_gpu for p in partners))
            fields["retriever"] = ""
        elif spec is None:
            known = ", ".join(n for n, s in REFERENCE_SPECS.items() if s.family == family) or "none"
            raise _errors("retriever", f"unknown reference retriever {retriever!r}; {family} references: {known}")
        elif spec.family != family:
            raise _errors("retriever", f"{retriever} is a {spec.family} retriever, not {family}")
        else:
            fields["retriever"] = retriever
        fields.update(n_parameters=spec.n_parameters, embedding_dim=spec.embedding_dim,
                      vocabulary_size=spec.vocabulary_size, wants_gpu=spec.wants_gpu)
    elif source == Source.MODEL_ID:
        model_id = (model_id or "").strip()
        if not MODEL_ID_PATTERN.match(model_id):
            raise _errors("model_id", f"{model_id!r} is not a model id like 'org/name'")
        fields.update(model_id=model_id, wants_gpu=True)
    elif source == Source.ARCHIVE:
        checksum, model = _validate_archive(model_archive, family)
        fields.update(model_checksum=checksum, n_parameters=model.n_parameters, wants_gpu=True,
                      embedding_dim=model.hidden_size if family == Family.DENSE else None,
                      vocabulary_size=None if family == Family.DENSE else model.vocabulary_size)
    check_submission_limits(owner, new_evaluations=len(records))

    with transaction.atomic():
        rows = _dataset_rows(records)
        submission = Submission(owner=owner, name=name, description=description or "", paper_url=paper_url or "",
                                code_url=code_url or "", licence=licence or "", family=family, source=source,
                                params=params, is_public=bool(is_public),
                                requested_datasets=[r.key for r in records], **fields)
        if source == Source.ARCHIVE:
            submission.model_archive.save(f"{fields['model_checksum']}{_archive_suffix(model_archive.name)}",
                                          model_archive, save=False)
        submission.save()
        evaluations = []
        for row in rows:
            evaluation = _new_evaluation(submission, row)
            if source == Source.RUN_FILE:
                upload = run_uploads[row.key]
                evaluation.run_file.save(f"{submission.slug}__{row.benchmark.slug}__{row.slug}.trec", upload,
                                         save=False)
            evaluation.save()
            evaluations.append(evaluation)
        _send_on_commit(evaluations)
    return submission


def _partner_submissions(owner, runs: list[str]) -> list[Submission]:
    """The submissions a hybrid names as partners: the owner's or public ones, each with a model to run."""
    from leaderboard.params import SUBMISSION_PARTNER
    from leaderboard.selectors import visible_submissions

    slugs = [run.removeprefix(SUBMISSION_PARTNER) for run in runs if run.startswith(SUBMISSION_PARTNER)]
    found = {s.slug: s for s in visible_submissions(owner).filter(slug__in=slugs)}
    for slug in slugs:
        partner = found.get(slug)
        if partner is None:
            raise _errors("params", f"runs: no submission {slug!r} of yours or public to fuse with")
        if partner.family in (Family.RUN_FILE, Family.HYBRID):
            raise _errors("params", f"runs: {slug} is a {partner.get_family_display()} submission; a fusion partner "
                                    "needs a model (the compare page fuses stored runs of any two rows)")
    return [found[slug] for slug in slugs]


def _archive_suffix(name: str) -> str:
    lower = name.lower()
    for suffix in (".tar.gz", ".tgz", ".tar", ".zip"):
        if lower.endswith(suffix):
            return suffix
    return ".zip"


def cancel_evaluations(evaluations, by=None) -> int:
    """Queued or running evaluations -> cancelled; a running task notices at its next heartbeat."""
    ids = [e.pk for e in evaluations]
    who = f" by {by.get_username()}" if by is not None else ""
    return Evaluation.objects.filter(pk__in=ids, status__in=Evaluation.ACTIVE).update(
        status=Evaluation.Status.CANCELLED, finished_at=timezone.now(), error=f"cancelled{who}",
        progress_phase="cancelled",
    )


def cancel_submission(submission: Submission, by) -> int:
    if by is None or (submission.owner_id != by.pk and not by.is_staff):
        raise PermissionError("only the owner can cancel this submission")
    return cancel_evaluations(submission.evaluations.all(), by=by)


def rerun_evaluations(evaluations) -> int:
    """Queue a new attempt of each finished evaluation; its previous results stay as history."""
    count = 0
    with transaction.atomic():
        queued = []
        for evaluation in Evaluation.objects.select_for_update().filter(pk__in=[e.pk for e in evaluations]):
            if evaluation.is_active:
                continue
            if evaluation.submission.source == Source.RUN_FILE and not evaluation.run_file:
                continue
            evaluation.attempts += 1
            evaluation.deliveries = 0
            evaluation.status = Evaluation.Status.QUEUED
            evaluation.progress_phase, evaluation.progress_percent = "", 0.0
            evaluation.error, evaluation.worker_host = "", ""
            evaluation.started_at = evaluation.finished_at = evaluation.heartbeat_at = None
            evaluation.task_id = str(uuid.uuid4())
            evaluation.enqueued_at = timezone.now()
            evaluation.save()
            queued.append(evaluation)
            count += 1
        _send_on_commit(queued)
    return count


def rerun_on_all_datasets(submission: Submission) -> int:
    """Evaluate a model submission on every catalogued dataset: rerun existing rows, add missing ones."""
    from datasets_registry.catalog import load_catalog

    if submission.source in (Source.RUN_FILE, Source.EXTERNAL):
        return rerun_evaluations(submission.evaluations.all())
    records = list(load_catalog().datasets.values())
    count = rerun_evaluations(submission.evaluations.all())
    with transaction.atomic():
        existing = set(submission.evaluations.values_list("dataset_id", flat=True))
        new = [_new_evaluation(submission, row) for row in _dataset_rows(records) if row.pk not in existing]
        for evaluation in new:
            evaluation.save()
        _send_on_commit(new)
    return count + len(new)
