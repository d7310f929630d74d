"""Django's Redis cache with one redis-py client per connection pool instead of one per operation.

Django builds a new `redis.Redis` for every get and set; with redis-py 8 the constructor alone costs about a
millisecond (it fills its response-callback tables), which was most of a cached page view. A client is
thread-safe and only borrows connections from its pool, so keeping one per pool changes nothing else.
"""
from django.core.cache.backends.redis import RedisCache, RedisCacheClient


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
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledClient
