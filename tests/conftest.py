import os
import shutil
import tempfile
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from tests.helpers import runners_cache

RUN_DIR = pytest.StashKey[Path]()
# A Redis DB of the cache tests' own: clear() on Django's Redis cache flushes the whole DB.
REDIS_CACHE_URL = "redis://127.0.0.1:6379/14"


def pytest_configure(config):
    # The suite runs against real PostgreSQL (README's test command sets DATABASE_URL).
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine and not os.environ.get("RB_ALLOW_SQLITE_TESTS"):
        raise pytest.UsageError(
            f"tests need PostgreSQL; set DATABASE_URL=postgres://postgres@127.0.0.1:5432/retrievalboard (got {engine})"
        )
    # Caches of this run only, removed at its end: the embedded site cache (sign-up and sign-in counters, pages),
    # the runners' embeddings and the host's timing state. In the environment too, for the workers and web
    # servers the tests start.
    run_dir = config.stash[RUN_DIR] = Path(tempfile.mkdtemp(prefix="rb-test-run-"))
    os.environ["RB_SITE_CACHE_DIR"] = str(run_dir / "site-cache")
    if settings.CACHES["default"]["BACKEND"].endswith(".FileBasedCache"):  # not with CACHE_URL set
        settings.CACHES["default"]["LOCATION"] = os.environ["RB_SITE_CACHE_DIR"]
    os.environ["RB_CACHE_DIR"] = str(runners_cache(run_dir / "cache"))
    # The host's timing locks and yardstick figures (runners/timing.py): a run never reads another run's yardstick.
    (run_dir / "host").mkdir()
    os.environ["RB_HOST_LOCK_DIR"] = str(run_dir / "host")


def pytest_unconfigure(config):
    if RUN_DIR in config.stash:  # not when pytest_configure refused the database
        shutil.rmtree(config.stash[RUN_DIR], ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def empty_broker():
    """Flush the Redis DB that CELERY_BROKER_URL names (the run's own, that DB only) when the run starts and ends:
    a message an earlier run left there would be taken by this run's workers."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis"):
        yield
        return
    broker = redis.Redis.from_url(url)
    try:
        broker.flushdb()
    except redis.ConnectionError as exc:
        pytest.exit(f"the broker {url} is unreachable ({exc}); start Redis with bash scripts/services", returncode=3)
    yield
    broker.flushdb()
    broker.close()


@pytest.fixture(params=["file", "redis"])
def shipped_cache(request, settings, tmp_path):
    """The site cache on each backend that config/settings.py ships, empty: the embedded default's files (here in
    tmp_path) and Redis (CACHE_URL). Yields the environment that gives a process the test starts the same cache."""
    if request.param == "file":
        location = str(tmp_path / "site-cache")
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                       "LOCATION": location, "KEY_FUNCTION": "config.cache_keys.per_database_key"}}
        environment = {"CACHE_URL": "", "RB_SITE_CACHE_DIR": location}
    else:
        settings.CACHES = {"default": {"BACKEND": "config.redis_cache.PooledRedisCache", "LOCATION": REDIS_CACHE_URL}}
        environment = {"CACHE_URL": REDIS_CACHE_URL}
    cache.clear()
    yield environment
    cache.clear()
