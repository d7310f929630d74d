"""Checks a submission passes before anything is written: limits, datasets, parameters, run files, archives.

Each raises ValidationError({field: [message]}) naming the field and, for files, the file and line.
"""
from __future__ import annotations

import re
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from datasets_registry.catalog import CatalogError, load_catalog
from datasets_registry.services import load
from datasets_registry.storage import availability
from leaderboard.files import storage_full
from leaderboard.models import Evaluation, Family, Source, Submission
from leaderboard.visibility import visible_submissions
from runners.errors import UserInputError
from runners.evaluate import check_run_ids
from runners.families import FAMILIES, SUBMISSION_PARTNER
from runners.model_archive import unpack_and_validate
from runners.model_dir import ModelDir
from runners.specs import REFERENCE_SPECS, RetrieverSpec
from runners.trec_run import read_run

MODEL_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}(/[A-Za-z0-9][A-Za-z0-9_.-]{0,95})?$")


def field_error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def stored_bytes(owner) -> int:
    """What the user's uploads take on the upload storage: model archives and run files."""
    archives = Submission.objects.filter(owner=owner).exclude(model_archive="").values_list("model_archive", flat=True)
    runs = Evaluation.objects.filter(submission__owner=owner).exclude(run_file="").values_list("run_file", flat=True)
    storage = Submission._meta.get_field("model_archive").storage
    return sum(storage.size(name) for name in [*archives, *runs] if storage.exists(name))


def check_submission_limits(owner, new_evaluations: int = 0, new_bytes: int = 0) -> None:
    """Per-user rate limit, cap on queued + running evaluations and storage quota (staff are exempt)."""
    if owner is None or not owner.is_authenticated:
        raise field_error("__all__", "sign in to submit")
    if owner.is_staff:
        return
    recent = Submission.objects.filter(owner=owner, created_at__gte=timezone.now() - timedelta(hours=1)).count()
    if recent >= settings.SUBMISSIONS_PER_HOUR:
        raise field_error("__all__", f"you made {recent} submissions in the last hour, the limit is "
                                 f"{settings.SUBMISSIONS_PER_HOUR}; please wait before submitting again")
    active = Evaluation.objects.filter(submission__owner=owner, status__in=Evaluation.ACTIVE).count()
    if active + new_evaluations > settings.MAX_ACTIVE_EVALUATIONS_PER_USER:
        raise field_error("__all__", f"you have {active} evaluations queued or running and this submission adds "
                                 f"{new_evaluations}; the limit is {settings.MAX_ACTIVE_EVALUATIONS_PER_USER}. "
                                 "Wait for some to finish or cancel them")
    if new_bytes:
        stored = stored_bytes(owner)
        if stored + new_bytes > settings.STORAGE_QUOTA_BYTES_PER_USER:
            raise field_error("__all__", f"your uploads take {stored:,} bytes and this one adds {new_bytes:,}; the "
                                         f"quota is {settings.STORAGE_QUOTA_BYTES_PER_USER:,} bytes per user. "
                                         "Delete old submissions (ask staff) or upload less")


# The most characters each describing field keeps (the URLs as the model's URLField stores them).
TEXT_LIMITS = {"name": 120, "description": 10_000, "paper_url": 200, "code_url": 200, "licence": 100}


def check_about(name: str, family: str, source: str, paper_url: str, code_url: str, licence: str,
                description: str = "") -> str:
    """The describing fields, family and source; returns the cleaned name."""
    name = check_description(name, description, paper_url, code_url, licence)
    if family not in FAMILIES:
        raise field_error("family", f"unknown family {family!r}; one of {', '.join(FAMILIES)}")
    if source not in FAMILIES[family].sources:
        raise field_error("source", f"the {family} family takes a model from: {', '.join(FAMILIES[family].sources)}")
    return name


def check_description(name: str, description: str, paper_url: str, code_url: str, licence: str) -> str:
    """The fields an owner may edit later (name, description, URLs, licence); returns the cleaned name."""
    name = (name or "").strip()
    if not name:
        raise field_error("name", "give the submission a name")
    texts = {"name": name, "description": description, "paper_url": paper_url, "code_url": code_url,
             "licence": licence}
    for field, text in texts.items():
        if "\x00" in (text or ""):
            raise field_error(field, "contains a NUL character")
        if len(text or "") > TEXT_LIMITS[field]:
            raise field_error(field, f"at most {TEXT_LIMITS[field]:,} characters")
    for field, url in (("paper_url", paper_url), ("code_url", code_url)):
        if url:
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError:
                raise field_error(field, f"{url!r} is not an http(s) URL") from None
    return name


def check_name_free(owner, name: str, renamed: Submission | None = None) -> None:
    """One owner's submissions have different names, ignoring case (older rows may still share one: this is
    checked on writes, not by a database constraint). `renamed`: the submission taking the name, not a clash."""
    if owner is None:
        return
    taken = Submission.objects.filter(owner=owner, name__iexact=name)
    if renamed is not None:
        taken = taken.exclude(pk=renamed.pk)
    if taken.exists():
        raise field_error("name", f"you already have a submission named {name!r}; choose another name")


IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,100}$")  # printable ASCII, no spaces


def check_idempotency_key(key: str) -> str:
    if not IDEMPOTENCY_KEY_PATTERN.match(key):
        raise field_error("idempotency_key", "an idempotency key is 1 to 100 printable ASCII characters, "
                                             "e.g. a UUID")
    return key


def check_model_id(model_id: str) -> str:
    model_id = (model_id or "").strip()
    if not MODEL_ID_PATTERN.match(model_id):
        raise field_error("model_id", f"{model_id!r} is not a model id like 'org/name'")
    return model_id


def resolve_datasets(names) -> list:
    """Dataset keys, benchmarks or suites of the catalog -> catalog records (ValidationError on 'datasets')."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    names = [str(n).strip() for n in (names or []) if str(n).strip()]
    if not names:
        raise field_error("datasets", "choose at least one dataset, benchmark or suite")
    try:
        return load_catalog().resolve(names)
    except CatalogError as exc:
        raise field_error("datasets", str(exc)) from None


def check_streamed_uploads(request) -> None:
    """Files the upload handler dropped while they streamed in because they passed UPLOAD_MAX_BYTES."""
    for field, name in getattr(request, "refused_uploads", []):
        raise field_error(field, f"{name}: above the upload limit of {settings.UPLOAD_MAX_BYTES:,} bytes")


def upload_size(upload) -> int:
    return getattr(upload, "size", None) or 0


def _checkupload_size(field: str, upload) -> None:
    if upload_size(upload) > settings.UPLOAD_MAX_BYTES:
        raise field_error(field, f"{upload.name}: {upload_size(upload):,} bytes, above the upload limit of "
                             f"{settings.UPLOAD_MAX_BYTES:,} bytes")
    if upload_size(upload) == 0:
        raise field_error(field, f"{upload.name}: the file is empty")


def _to_temp_file(upload, suffix: str = "") -> Path:
    handle = tempfile.NamedTemporaryFile(delete=False, suffix=suffix, prefix="rb-upload-")
    try:
        with handle:
            for chunk in upload.chunks():
                handle.write(chunk)
    except OSError as exc:
        Path(handle.name).unlink(missing_ok=True)
        if full := storage_full(exc):
            raise full from exc
        raise
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
    raise field_error("run_files", f"{filename}: cannot tell which dataset this run is for; name it "
                               "<benchmark>__<dataset>.trec, e.g. classic-ir__adi.trec")


def ids_checked_at_upload(record) -> bool:
    """Run ids are checked in the web request only against a dataset already on this host with a corpus
    small enough to scan in a request; otherwise the worker checks them before scoring (same message)."""
    docs = record.counts.get("docs")
    return availability(record).status == "available" and docs is not None and \
        docs <= settings.RUN_FILE_CHECK_MAX_DOCS


def check_run_files(run_files, requested) -> dict:
    """{dataset key: upload}, each parsed and checked against the dataset's ids."""
    if not run_files:
        raise field_error("run_files", "upload one TREC run file per dataset (qid Q0 docid rank score tag)")
    catalog = load_catalog()
    by_key = {}
    for upload in run_files:
        _checkupload_size("run_files", upload)
        key = run_file_dataset_key(upload.name, catalog.datasets)
        if key in by_key:
            raise field_error("run_files", f"two run files for {key}: {by_key[key].name} and {upload.name}")
        by_key[key] = upload
    if requested:
        wanted = {r.key for r in resolve_datasets(requested)}
        missing = sorted(wanted - set(by_key))
        if missing:
            raise field_error("run_files", f"no run file for {', '.join(missing)}")
    for key, upload in by_key.items():
        if upload_size(upload) > settings.RUN_FILE_PARSE_MAX_BYTES:
            continue  # parsed and checked by the worker before scoring, with the same messages
        path = _to_temp_file(upload)
        try:
            run = read_run(path)
            record = catalog.get(key)
            if ids_checked_at_upload(record):
                check_run_ids(run, load(record, fetch=False))
        except UserInputError as exc:
            message = str(exc).replace(path.name, upload.name)
            raise field_error("run_files", message if message.startswith(upload.name)
                              else f"{upload.name}: {message}") from None
        finally:
            path.unlink(missing_ok=True)
    return by_key


def check_archive(upload, family: str) -> tuple[str, ModelDir]:
    """(archive sha256, the validated model folder, unpacked under MODELS_DIR) of an uploaded model archive."""
    if upload is None:
        raise field_error("model_archive", "upload the model folder as a .zip or .tar.gz archive")
    _checkupload_size("model_archive", upload)
    path = _to_temp_file(upload)
    try:
        return unpack_and_validate(path, family, settings.MODELS_DIR, settings.UNPACKED_MAX_BYTES,
                                   settings.MODEL_MAX_PARAMETERS, archive_name=upload.name)
    except UserInputError as exc:
        raise field_error("model_archive", str(exc)) from None
    except OSError as exc:  # the model cache's disk is full: unpack removed its partial folder
        if full := storage_full(exc):
            raise full from exc
        raise
    finally:
        path.unlink(missing_ok=True)


def check_reference(owner, name: str, family: str, retriever: str, params: dict) -> RetrieverSpec:
    """The spec a reference submission runs: a reference retriever with the submitter's parameters, or a
    hybrid of partners named in params["runs"] (whose GPU need decides the queue)."""
    spec = REFERENCE_SPECS.get(retriever)
    if family == Family.HYBRID and not retriever and params.get("runs"):
        partners = [REFERENCE_SPECS[r] for r in params["runs"] if r in REFERENCE_SPECS]
        partners += partner_submissions(owner, params["runs"])
        return RetrieverSpec(name=name, family=family, params=params, reference=False,
                             wants_gpu=any(p.wants_gpu for p in partners))
    if spec is None:
        known = ", ".join(n for n, s in REFERENCE_SPECS.items() if s.family == family) or "none"
        raise field_error("retriever", f"unknown reference retriever {retriever!r}; {family} references: {known}")
    if spec.family != family:
        raise field_error("retriever", f"{retriever} is a {spec.family} retriever, not {family}")
    return spec


def partner_submissions(owner, runs: list[str]) -> list[Submission]:
    """The submissions a hybrid names as partners: the owner's or public ones, each with a model to run."""
    slugs = [run.removeprefix(SUBMISSION_PARTNER) for run in runs if run.startswith(SUBMISSION_PARTNER)]
    found = {s.slug: s for s in visible_submissions(owner).filter(slug__in=slugs)}
    for slug in slugs:
        partner = found.get(slug)
        if partner is None:
            raise field_error("params", f"runs: no submission {slug!r} of yours or public to fuse with")
        if not FAMILIES[partner.family].retriever or partner.family == Family.HYBRID \
                or partner.source == Source.EXTERNAL:
            raise field_error("params", f"runs: {slug} is a {partner.get_family_display()} submission; a fusion "
                                        "partner needs a model (the compare page fuses stored runs of any two rows)")
    return [found[slug] for slug in slugs]
