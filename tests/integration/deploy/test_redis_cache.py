"""The pooled Redis cache backend behaves as Django's own on a real Redis, and reuses one client per pool."""
import uuid

from config.redis_cache import PooledRedisCache


def test_pooled_cache_on_real_redis():
    cache = PooledRedisCache("redis://127.0.0.1:6379/9", {"KEY_PREFIX": uuid.uuid4().hex})
    cache.set("table", {"rows": [1, 2, 3]}, 60)
    assert cache.get("table") == {"rows": [1, 2, 3]}
    assert cache.get_or_set("version", lambda: "v1", None) == "v1"
    assert cache.get_or_set("version", lambda: "v2", None) == "v1"
    cache.delete("table")
    assert cache.get("table") is None
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client  # one server: reads and writes share the pool
    cache.delete("version")
