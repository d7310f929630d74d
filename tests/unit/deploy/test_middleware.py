"""While the database is unreachable a request gets a 503 with Retry-After, in JSON on the API; other errors
are left to Django."""
import json

import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from config.middleware import DatabaseUnavailableMiddleware

middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse())


@pytest.mark.parametrize("path", ["/leaderboards/", "/api/submissions/"])
def test_a_lost_database_is_a_503_saying_to_try_again(path):
    response = middleware.process_exception(RequestFactory().get(path), OperationalError("connection refused"))
    assert response.status_code == 503 and response["Retry-After"] == "10"
    text = json.loads(response.content)["detail"] if path.startswith("/api/") else response.content.decode()
    assert "try again shortly" in text


def test_other_errors_are_not_hidden():
    assert middleware.process_exception(RequestFactory().get("/"), ValueError("a bug")) is None
