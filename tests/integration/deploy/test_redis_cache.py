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


def test_a_cache_outage_after_a_commit_is_not_an_error(monkeypatch, caplog):
    """The version renewal runs after the data is saved: with the cache unreachable it logs, it does not raise."""
    from leaderboard.board import cache as board_cache

    unreachable = PooledRedisCache("redis://127.0.0.1:1/0", {})  # nothing listens on port 1
    monkeypatch.setattr(board_cache, "cache", unreachable)
    monkeypatch.setattr(PooledRedisCache, "_last_warning", 0.0)  # an earlier test's outage warning was just logged
    board_cache.invalidate_leaderboards()
    assert "cache unreachable (set" in caplog.text
