"""Write side of submissions: submit, edit, withdraw, delete, cancel, rerun. Views, the API and the admin call these.

The database is the source of truth: rows are written in one transaction and the Celery messages are sent
only after it commits (dispatch.send_on_commit).
"""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from datasets_registry.catalog import load_catalog
from datasets_registry.services import dataset_rows
from leaderboard.evaluations.dispatch import new_evaluation, send_on_commit
from leaderboard.files import StoredFiles
from leaderboard.models import Evaluation, Family, Result, Source, Submission
from leaderboard.submissions import checks
from leaderboard.submissions.params import clean_params
from leaderboard.visibility import may_manage
from runners.families import FAMILIES


def submit(owner, **arguments) -> Submission:
    """submit_once without an idempotency key."""
    return submit_once(owner, "", **arguments)[0]


def submit_once(owner, idempotency_key: str = "", *, name: str, family: str, source: str = "", datasets=None,
                description: str = "", paper_url: str = "", code_url: str = "", licence: str = "",
                retriever: str = "", model_id: str = "", model_archive=None, params=None, run_files=None,
                is_public: bool = True) -> tuple[Submission, bool]:
    """Validate everything, then write the submission and one queued evaluation per dataset: (it, True).

    With an idempotency key this owner sent before: (the first submission, False), and nothing is written; a form
    sent again with the Back button or a client retrying after a timeout gets the first submission back.
    Raises ValidationError (field -> messages) before any row is written, StorageFull (and keeps no file) when
    the uploads cannot be stored.
    """
    if idempotency_key:
        checks.check_idempotency_key(idempotency_key)
        if first := _submitted_with(owner, idempotency_key):
            return first, False  # before the checks: a retry is answered even once a limit is reached
    checks.check_submission_limits(owner)
    source = source or (Source.RUN_FILE if family == Family.RUN_FILE else "")
    name = checks.check_about(name, family, source, paper_url, code_url, licence, description)
    params = clean_params(family, params)

    fields = {"n_parameters": None, "embedding_dim": None, "vocabulary_size": None, "model_checksum": "",
              "wants_gpu": False, "retriever": "", "model_id": ""}
    run_uploads = {}
    if source == Source.RUN_FILE:
        run_uploads = checks.check_run_files(run_files, datasets)
        records = checks.resolve_datasets(list(run_uploads))
    else:
        records = checks.resolve_datasets(datasets)
    if source == Source.REFERENCE:
        spec = checks.check_reference(owner, name, family, retriever, params)
        fields.update(retriever=spec.name if spec.reference else "", n_parameters=spec.n_parameters,
                      embedding_dim=spec.embedding_dim, vocabulary_size=spec.vocabulary_size,
                      wants_gpu=spec.wants_gpu)
    elif source == Source.MODEL_ID:
        fields.update(model_id=checks.check_model_id(model_id), wants_gpu=FAMILIES[family].wants_gpu)
    elif source == Source.ARCHIVE:
        checksum, model = checks.check_archive(model_archive, family)
        fields.update(model_checksum=checksum, n_parameters=model.n_parameters, wants_gpu=FAMILIES[family].wants_gpu,
                      embedding_dim=model.hidden_size if family == Family.DENSE else None,
                      vocabulary_size=None if family == Family.DENSE else model.vocabulary_size)
    upload_bytes = sum(checks.upload_size(u) for u in [model_archive, *run_uploads.values()] if u is not None)
    with StoredFiles() as files, transaction.atomic():
        _lock_owner(owner)
        # Holding the owner's lock, these see every submission of theirs that committed, a concurrent twin too.
        if idempotency_key and (first := _submitted_with(owner, idempotency_key)):
            return first, False
        checks.check_submission_limits(owner, new_evaluations=len(records), new_bytes=upload_bytes)
        checks.check_name_free(owner, name)
        rows = dataset_rows(records)
        submission = Submission(owner=owner, name=name, description=description or "", paper_url=paper_url or "",
                                code_url=code_url or "", licence=licence or "", family=family, source=source,
                                params=params, is_public=bool(is_public),
                                requested_datasets=[r.key for r in records], idempotency_key=idempotency_key,
                                **fields)
        if source == Source.ARCHIVE:
            files.save(submission.model_archive, f"{fields['model_checksum']}{_archive_suffix(model_archive.name)}",
                       model_archive)
        submission.save()
        evaluations = []
        for row in rows:
            evaluation = new_evaluation(submission, row)
            if source == Source.RUN_FILE:
                upload = run_uploads[row.key]
                files.save(evaluation.run_file, f"{submission.slug}__{row.benchmark.slug}__{row.slug}.trec", upload)
            evaluation.save()
            evaluations.append(evaluation)
        send_on_commit(evaluations)
    return submission, True


def _submitted_with(owner, idempotency_key: str) -> Submission | None:
    return Submission.objects.filter(owner=owner, idempotency_key=idempotency_key).first()


# What an owner may change after submitting; the model, datasets and parameters stay as they were evaluated.
EDITABLE_FIELDS = ("name", "description", "paper_url", "code_url", "licence", "is_public")


def update_submission(submission: Submission, by, **changes) -> Submission:
    """Change the describing fields and the visibility (EDITABLE_FIELDS); ValidationError names the field."""
    _check_manager(by, submission)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise checks.field_error("__all__", f"cannot change {', '.join(sorted(unknown))}; "
                                            f"editable: {', '.join(EDITABLE_FIELDS)}")
    values = {field: getattr(submission, field) for field in EDITABLE_FIELDS} | changes
    values["name"] = checks.check_description(values["name"], values["description"], values["paper_url"],
                                              values["code_url"], values["licence"])
    values["is_public"] = bool(values["is_public"])
    with transaction.atomic():
        _lock_owner(submission.owner)
        if values["name"].lower() != submission.name.lower():  # rows from before the rule may share a name
            checks.check_name_free(submission.owner, values["name"], renamed=submission)
        for field, value in values.items():
            setattr(submission, field, value)
        submission.save(update_fields=[*EDITABLE_FIELDS, "updated_at"])  # post_save: the boards go stale
    return submission


def withdraw_submission(submission: Submission, by) -> Submission:
    """Take the submission off every board; it stays in its owner's list and history, and can be reinstated."""
    _check_manager(by, submission)
    if submission.withdrawn_at is None:
        submission.withdrawn_at = timezone.now()
        submission.save(update_fields=["withdrawn_at", "updated_at"])
    return submission


def reinstate_submission(submission: Submission, by) -> Submission:
    _check_manager(by, submission)
    if submission.withdrawn_at is not None:
        submission.withdrawn_at = None
        submission.save(update_fields=["withdrawn_at", "updated_at"])
    return submission


def delete_submission(submission: Submission, by) -> None:
    """Delete the submission with its evaluations and results and, once that has committed, their files: uploaded
    and result run files, its model archive unless another submission points to that same file, and the unpacked
    model unless another submission has an archive with the same checksum (they share the folder)."""
    _check_manager(by, submission)
    storage = Submission._meta.get_field("model_archive").storage
    names = [*Evaluation.objects.filter(submission=submission).exclude(run_file="").values_list("run_file", flat=True),
             *Result.objects.filter(evaluation__submission=submission).exclude(run_file="")
             .values_list("run_file", flat=True)]
    others = Submission.objects.exclude(pk=submission.pk)
    if submission.model_archive and not others.filter(model_archive=submission.model_archive.name).exists():
        names.append(submission.model_archive.name)
    unpacked = None
    if submission.model_checksum and not others.filter(model_checksum=submission.model_checksum).exists():
        unpacked = Path(settings.MODELS_DIR) / submission.model_checksum
    with transaction.atomic():
        submission.delete()  # post_delete: the boards go stale; a running task finds its row gone and stops
        transaction.on_commit(lambda: _remove_files(storage, names, unpacked))


def _remove_files(storage, names: list[str], unpacked: Path | None) -> None:
    for name in names:
        storage.delete(name)  # a file already gone is no error
    if unpacked is not None:
        shutil.rmtree(unpacked, ignore_errors=True)


def _check_manager(user, submission: Submission) -> None:
    if not may_manage(user, submission):
        raise PermissionError("only the owner or staff can change this submission")


def _lock_owner(owner) -> None:
    """Hold the owner's row until the transaction ends, so that the limits checked next count every submission
    of theirs that committed before (SQLite, the embedded default, ignores this and serialises writes)."""
    get_user_model().objects.select_for_update().filter(pk=owner.pk).exists()


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
    _check_manager(by, submission)
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
        send_on_commit(queued)
    return count


def rerun_on_all_datasets(submission: Submission) -> int:
    """Evaluate a model submission on every catalogued dataset: rerun existing rows, add missing ones."""
    if submission.source in (Source.RUN_FILE, Source.EXTERNAL):
        return rerun_evaluations(submission.evaluations.all())
    records = list(load_catalog().datasets.values())
    count = rerun_evaluations(submission.evaluations.all())
    with transaction.atomic():
        existing = set(submission.evaluations.values_list("dataset_id", flat=True))
        new = [new_evaluation(submission, row) for row in dataset_rows(records) if row.pk not in existing]
        for evaluation in new:
            evaluation.save()
        send_on_commit(new)
    return count + len(new)
