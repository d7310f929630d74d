"""Reference retrievers' names are reserved slugs: no user submission blocks storing a reference result."""
import pytest

from datasets_registry.services import sync_catalog
from leaderboard.evaluations import store
from leaderboard.models import Family, Source, Submission
from leaderboard.submissions import services
from runners.evaluate import Outcome
from runners.metrics import METRICS
from runners.specs import REFERENCE_SPECS

SPEC = REFERENCE_SPECS["bm25-flat"]


@pytest.fixture
def user(db, django_user_model):
    sync_catalog()
    return django_user_model.objects.create_user("alice", password="pw")


def outcome(score: float) -> Outcome:
    metrics = {m.name: score for m in METRICS}
    return Outcome(metrics=metrics, per_query={"1": metrics}, run={"1": {"1": 1.0}}, timings={}, provenance={})


def test_a_user_submission_named_like_a_reference_gets_another_slug(user):
    mine = services.submit(user, name="bm25-flat", family=Family.BM25, source=Source.REFERENCE,
                           retriever="bm25-flat", datasets=["classic-ir/adi"])
    assert mine.slug == "bm25-flat-2"
    result = store.record_reference_result(SPEC, "classic-ir/adi", outcome(0.5))
    reference = result.evaluation.submission
    assert (reference.slug, reference.is_reference, result.main_score) == ("bm25-flat", True, 0.5)
    mine.refresh_from_db()
    assert mine.slug == "bm25-flat-2" and not mine.evaluations.filter(results__isnull=False).exists()


def test_a_reference_result_is_stored_when_an_older_row_holds_the_name(user):
    """A row given the slug before names were reserved (or by hand in the admin) does not block the reference."""
    Submission.objects.create(owner=user, name="mine", slug="bm25-flat", family=Family.BM25, source=Source.REFERENCE)
    first = store.record_reference_result(SPEC, "classic-ir/adi", outcome(0.5))
    again = store.record_reference_result(SPEC, "classic-ir/adi", outcome(0.6))
    reference = first.evaluation.submission
    assert reference.is_reference and reference.slug not in ("", "bm25-flat")
    assert again.evaluation == first.evaluation and again.attempt == 2
    assert Submission.objects.filter(is_reference=True).count() == 1
