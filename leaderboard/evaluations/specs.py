"""What the worker runs for a submission: its retriever spec, with the model folder it needs."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings

from leaderboard.models import Family, Source, Submission
from leaderboard.visibility import visible_submissions
from runners.errors import EnvironmentProblem, UserInputError
from runners.families import SUBMISSION_PARTNER
from runners.model_archive import model_root, unpack
from runners.specs import RetrieverSpec, custom_spec, get_spec


def model_folder(submission: Submission) -> Path:
    """The unpacked model directory of an archive submission (unpacked once per checksum)."""
    unpacked = Path(settings.MODELS_DIR) / submission.model_checksum
    if unpacked.is_dir():  # by the upload check or another worker
        return model_root(unpacked)
    if not submission.model_archive:
        raise EnvironmentProblem(f"the archive of {submission.name} is missing from storage")
    return unpack(submission.model_archive.path, settings.MODELS_DIR, settings.UNPACKED_MAX_BYTES,
                  submission.model_checksum)


def hub_folder(model_id: str) -> Path:
    """Download safetensors weights, configs and tokenizer of a hub model (needs internet)."""
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(model_id, allow_patterns=["*.safetensors", "*.json", "*.txt", "*.model"],
                                      cache_dir=str(Path(settings.DATA_DIR) / "hub")))
    except Exception as exc:  # offline, unknown id, gated model: all end as a clear message
        raise EnvironmentProblem(
            f"could not fetch {model_id!r} from the Hugging Face hub ({exc.__class__.__name__}: {exc}); "
            "workers without internet only evaluate uploaded archives"
        ) from None


def partner_spec(run: str, owner) -> RetrieverSpec:
    """A hybrid's fusion partner: a reference retriever's name, or submission:<slug> (that submission's model),
    still visible to the hybrid's owner (it may have been made private or deleted since the submission)."""
    if not run.startswith(SUBMISSION_PARTNER):
        return get_spec(run)
    partner = visible_submissions(owner).filter(slug=run.removeprefix(SUBMISSION_PARTNER)).first()
    if partner is None:
        raise UserInputError(f"fusion partner {run} no longer exists or is no longer visible to the submitter")
    return build_spec(partner)


def _model_spec(submission: Submission, folder: Path) -> RetrieverSpec:
    # The same limit as at upload: a model refused there is refused here, and the other way round.
    return custom_spec(submission.family, folder, dict(submission.params or {}), name=submission.slug,
                       max_parameters=settings.MODEL_MAX_PARAMETERS)


def build_spec(submission: Submission) -> RetrieverSpec:
    params = dict(submission.params or {})
    if submission.source == Source.REFERENCE:
        if submission.retriever:
            return get_spec(submission.retriever).with_params(**params)
        components = tuple(partner_spec(run, submission.owner) for run in params.get("runs", [])) \
            if submission.family == Family.HYBRID else ()
        return RetrieverSpec(name=submission.slug, family=submission.family, params=params,
                             wants_gpu=submission.wants_gpu, reference=False, components=components)
    if submission.source == Source.ARCHIVE:
        return _model_spec(submission, model_folder(submission))
    if submission.source == Source.MODEL_ID:
        return _model_spec(submission, hub_folder(submission.model_id))
    raise UserInputError(f"submissions from {submission.source!r} are not evaluated by workers")
