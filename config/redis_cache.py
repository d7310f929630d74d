"""Django's Redis cache, pooled and fail-soft.

Pooled: Django builds a new `redis.Redis` for every get and set; with redis-py 8 the constructor alone costs about
a millisecond (it fills its response-callback tables), which was most of a cached page view. A client is
thread-safe and only borrows connections from its pool, so keeping one per pool changes nothing else.

Fail-soft: the cache only ever holds what can be rebuilt (pages, tables, session copies, counters), so while Redis
is unreachable every read is a miss and every write is dropped, with a warning, instead of a 500: pages are built
from the database, sessions read from it (cached_db), and the sign-in and sign-up limits of accounts/limits.py do
not count (they fail open for the outage; the log says so).
"""
import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
OUTAGES = (RedisConnectionError, RedisTimeoutError, OSError)
WARN_EVERY_SECONDS = 30.0


class PooledClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class PooledRedisCache(RedisCache):
    _last_warning = 0.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledClient

    def _outage(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - PooledRedisCache._last_warning > WARN_EVERY_SECONDS:  # one line per outage, not one per request
            PooledRedisCache._last_warning = now
            log.warning("cache unreachable (%s: %s); serving without it until it is back", operation, exc)


# What each operation answers while Redis is unreachable, given the call's arguments.
OUTAGE_ANSWERS = {
    "get": lambda key, default=None, version=None: default,
    "get_many": lambda *args, **kwargs: {},
    "has_key": lambda *args, **kwargs: False,
    "set": lambda *args, **kwargs: None,
    "set_many": lambda data, *args, **kwargs: list(data),  # the keys that were not stored
    "add": lambda *args, **kwargs: True,  # as if it opened a new entry: a counter starts afresh
    "incr": lambda key, delta=1, version=None: delta,
    "touch": lambda *args, **kwargs: False,
    "delete": lambda *args, **kwargs: False,
    "delete_many": lambda *args, **kwargs: None,
}


def _fail_soft(name: str, answer):
    operation = getattr(RedisCache, name)

    def method(self, *args, **kwargs):
        try:
            return operation(self, *args, **kwargs)
        except OUTAGES as exc:
            self._outage(name, exc)
            return answer(*args, **kwargs)

    method.__name__ = name
    return method


for _name, _answer in OUTAGE_ANSWERS.items():
    setattr(PooledRedisCache, _name, _fail_soft(_name, _answer))
