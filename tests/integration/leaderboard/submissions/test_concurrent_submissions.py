"""Concurrent submissions (real threads, real PostgreSQL): the per-user limits and the unique slugs hold."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from datasets_registry.services import sync_catalog
from leaderboard.models import Submission
from leaderboard.submissions import services

pytestmark = pytest.mark.django_db(transaction=True)


def submit_all(owners, name_of) -> list:
    """Submit a cheap reference run for each owner at once; each thread gives its Submission or ValidationError."""
    start = threading.Barrier(len(owners))

    def one(n: int):
        try:
            start.wait()
            return services.submit(owners[n], name=name_of(n), family="bm25", source="reference",
                                   retriever="bm25-flat", datasets=["classic-ir/adi"])
        except ValidationError as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(len(owners)) as pool:
        return list(pool.map(one, range(len(owners))))


def test_the_hourly_limit_holds_for_concurrent_submissions(django_user_model, settings):
    settings.SUBMISSIONS_PER_HOUR = 3
    sync_catalog()
    user = django_user_model.objects.create_user("busy", password="pw")
    outcomes = submit_all([user] * 12, lambda n: f"run {n}")
    created = [o for o in outcomes if isinstance(o, Submission)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert (len(created), len(refused)) == (3, 9)
    assert all("the limit is 3" in e.message_dict["__all__"][0] for e in refused)
    assert Submission.objects.filter(owner=user).count() == 3


def test_one_name_submitted_at_once_by_many_users_gets_distinct_slugs(django_user_model):
    sync_catalog()
    users = [django_user_model.objects.create_user(f"user{n}", password="pw") for n in range(8)]
    outcomes = submit_all(users, lambda n: "Same Name")
    assert all(isinstance(o, Submission) for o in outcomes), outcomes
    slugs = {o.slug for o in outcomes}
    assert slugs == {"same-name", *(f"same-name-{n}" for n in range(2, 9))}
    assert set(Submission.objects.values_list("slug", flat=True)) == slugs


def test_one_idempotency_key_sent_at_once_many_times_writes_one_submission(django_user_model):
    sync_catalog()
    user = django_user_model.objects.create_user("retrier", password="pw")
    start = threading.Barrier(6)

    def one(_):
        try:
            start.wait()
            submission, created = services.submit_once(user, "retry-key", name="Retried", family="bm25",
                                                        source="reference", retriever="bm25-flat",
                                                        datasets=["classic-ir/adi"])
            return submission.pk, created
        finally:
            connection.close()

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(one, range(6)))
    assert len({pk for pk, _ in outcomes}) == 1
    assert sorted(created for _, created in outcomes) == [False] * 5 + [True]
    assert Submission.objects.filter(owner=user).count() == 1


def test_one_name_submitted_at_once_by_one_owner_is_written_once(django_user_model):
    sync_catalog()
    user = django_user_model.objects.create_user("twins", password="pw")
    outcomes = submit_all([user] * 6, lambda n: "Same Name" if n % 2 else "same name")
    assert len([o for o in outcomes if isinstance(o, Submission)]) == 1
    assert all("already have a submission named" in o.message_dict["name"][0]
               for o in outcomes if isinstance(o, ValidationError))
    assert Submission.objects.filter(owner=user).count() == 1
