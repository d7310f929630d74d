"""The worker builds a hybrid's partners through the same visibility rule as the submission check: a partner
made private by someone else since is refused; the submitter's own private partner is fine."""
import pytest

from leaderboard.evaluations.specs import build_spec
from leaderboard.models import Family, Source, Submission
from runners.errors import UserInputError

pytestmark = pytest.mark.django_db


def hybrid_of(owner, partner: Submission) -> Submission:
    return Submission.objects.create(owner=owner, name=f"fusion with {partner.slug}", family=Family.HYBRID,
                                     source=Source.REFERENCE,
                                     params={"runs": ["bm25-flat", f"submission:{partner.slug}"], "method": "rrf"})


def test_a_partner_made_private_by_its_owner_is_refused_at_run_time(django_user_model):
    alice, bob = (django_user_model.objects.create_user(name) for name in ("alice", "bob"))
    partner = Submission.objects.create(owner=alice, name="alice minilm", family=Family.DENSE,
                                        source=Source.REFERENCE, retriever="minilm-l6")
    hybrid = hybrid_of(bob, partner)
    assert [c.name for c in build_spec(hybrid).components] == ["bm25-flat", "minilm-l6"]
    partner.is_public = False
    partner.save()
    with pytest.raises(UserInputError, match="no longer visible"):
        build_spec(hybrid)
    assert [c.name for c in build_spec(hybrid_of(alice, partner)).components] == ["bm25-flat", "minilm-l6"]
