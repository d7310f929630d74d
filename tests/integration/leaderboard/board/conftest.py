import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts and ends with no cached table or page."""
    cache.clear()
    yield
    cache.clear()
