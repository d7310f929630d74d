"""The submissions list API costs a fixed number of queries, however many submissions, evaluations and results."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.integration.leaderboard import factories as f

pytestmark = pytest.mark.django_db


def listing_queries(client, expected_rows: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/submissions/")
    assert response.status_code == 200 and len(response.json()["results"]) == expected_rows
    return len(queries)


def test_listing_queries_do_not_grow_with_rows(django_user_model):
    user = django_user_model.objects.create_user("lister", password="x")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    datasets = [f.dataset(f"bench/d{n}") for n in range(3)]

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            row = f.submission(f"mine {n}", owner=user)
            for data in datasets:
                f.result(row, data, [0.5, 0.25])

    add(1, 0)
    few = listing_queries(client, 1)
    add(5, 1)
    many = listing_queries(client, 6)
    assert many == few
    result = client.get("/api/submissions/").json()["results"][0]["evaluations"][0]["result"]
    assert result["main_score"] == pytest.approx(0.375)
