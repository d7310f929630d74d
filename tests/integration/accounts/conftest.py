import uuid

import pytest

FAILURES_ALLOWED = 3


@pytest.fixture(autouse=True)
def own_cache(settings, tmp_path):
    """A file cache of the test's own (the embedded default's backend): the lockout and throttle counters start
    empty, and other test runs' cache.clear() on the shared site cache cannot reach them."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path / "cache")}}
    settings.LOGIN_FAILURES_ALLOWED = FAILURES_ALLOWED
    settings.LOGIN_LOCKOUT_SECONDS = 900


@pytest.fixture
def redis_cache(settings, own_cache):
    """The production backend (Redis, atomic add/incr), under a key prefix of the test's own."""
    settings.CACHES = {"default": {"BACKEND": "config.redis_cache.PooledRedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/13", "KEY_PREFIX": f"rb-acc-{uuid.uuid4()}"}}
