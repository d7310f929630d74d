"""A Redis cache that goes away is an outage of the cache, not of the site: pages, sign-ins and submissions keep
working from the database while it is down (a real redis-server, stopped and started again)."""
import pytest
from django.core.cache import cache
from django.test import override_settings

from tests.integration.leaderboard import factories as f
from tests.integration.pipeline.conftest import RedisServer, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache(tmp_path):
    server = RedisServer(free_port(), tmp_path)
    server.start()
    caches = {"default": {"BACKEND": "config.redis_cache.PooledRedisCache", "LOCATION": server.url,
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2}}}
    with override_settings(CACHES=caches):
        yield server
    server.stop()


def test_pages_and_sign_ins_work_while_the_cache_is_down_and_use_it_again_after(client, redis_cache,
                                                                              django_user_model):
    f.result(f.submission("Visible model"), f.dataset("bench/d0"), [0.5] * 10)
    django_user_model.objects.create_user("ada", password="a long pass phrase")
    assert client.get("/leaderboards/bench/").status_code == 200
    cache.set("probe", 1)
    assert cache.get("probe") == 1  # the pages above went through this Redis

    redis_cache.stop()
    assert cache.get("probe") is None
    for url in ("/", "/leaderboards/", "/leaderboards/bench/", "/leaderboards/bench/efficiency/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Visible model" in response.content.decode() or url == "/"
    response = client.post("/accounts/login/", {"username": "ada", "password": "a long pass phrase"})
    assert response.status_code == 302  # signed in: the session lives in the database too
    assert client.get("/submissions/").status_code == 200

    redis_cache.start()
    cache.set("probe", 2)
    assert cache.get("probe") == 2
    assert client.get("/leaderboards/bench/").status_code == 200
