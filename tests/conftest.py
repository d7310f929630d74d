import os

import pytest
from django.conf import settings


def pytest_configure(config):
    # The suite runs against real PostgreSQL (README's test command sets DATABASE_URL).
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine and not os.environ.get("RB_ALLOW_SQLITE_TESTS"):
        raise pytest.UsageError(
            f"tests need PostgreSQL; set DATABASE_URL=postgres://postgres@127.0.0.1:5432/retrievalboard (got {engine})"
        )
