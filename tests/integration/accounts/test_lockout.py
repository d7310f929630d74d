"""Failed sign-ins lock an account name (site login, admin login, API token endpoint), the right password included,
until the lock expires; a successful sign-in clears the count."""
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from accounts import limits
from accounts.services import api_token
from tests.integration.accounts.conftest import FAILURES_ALLOWED

pytestmark = pytest.mark.django_db
PASSWORD = "right-horse-battery-7"
LOCKED = "Too many failed sign-ins for alice; try again in 15 minutes."


def site_login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def signed_in(client):
    return "_auth_user_id" in client.session


def lock_expires(name):
    """As if LOGIN_LOCKOUT_SECONDS had passed: the lock's key is gone from the cache."""
    assert limits.lock_seconds_left(name) > 0
    cache.delete(limits.lock_key(name))


@pytest.mark.parametrize("backend", ["file", "redis"])
def test_site_login_locked_then_free_after_the_lock_expires(client, backend, request):
    if backend == "redis":
        request.getfixturevalue("redis_cache")
    get_user_model().objects.create_user("alice", password=PASSWORD)
    for attempt in range(1, FAILURES_ALLOWED):
        response = site_login(client, "alice", f"wrong-{attempt}")
        assert response.status_code == 200 and LOCKED not in response.content.decode()
    response = site_login(client, "ALICE", "wrong-last")  # names are counted case-insensitively
    assert LOCKED.replace("alice", "ALICE") in response.content.decode()

    response = site_login(client, "alice", PASSWORD)
    assert response.status_code == 200 and LOCKED in response.content.decode()
    assert not signed_in(client)

    lock_expires("alice")
    response = site_login(client, "alice", PASSWORD)
    assert response.status_code == 302 and signed_in(client)

    client.logout()  # the successful sign-in cleared the count: one more failure does not lock again
    response = site_login(client, "alice", "wrong-again")
    assert response.status_code == 200 and LOCKED not in response.content.decode()
    assert limits.lock_seconds_left("alice") == 0


def test_admin_login_refused_while_locked(client):
    get_user_model().objects.create_user("alice", password=PASSWORD, is_staff=True, is_superuser=True)
    for attempt in range(FAILURES_ALLOWED):
        site_login(client, "alice", f"wrong-{attempt}")

    response = client.post("/admin/login/", {"username": "alice", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 200 and LOCKED in response.content.decode()
    assert not signed_in(client) and client.get("/admin/").status_code == 302

    lock_expires("alice")
    response = client.post("/admin/login/", {"username": "alice", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and client.get("/admin/").status_code == 200


def test_failed_admin_logins_lock_the_site_login(client):
    get_user_model().objects.create_user("alice", password=PASSWORD, is_staff=True)
    for attempt in range(FAILURES_ALLOWED):
        client.post("/admin/login/", {"username": "alice", "password": f"wrong-{attempt}"})
    response = site_login(client, "alice", PASSWORD)
    assert LOCKED in response.content.decode() and not signed_in(client)


def test_token_endpoint_refused_while_locked(client):
    user = get_user_model().objects.create_user("alice", password=PASSWORD)
    for attempt in range(1, FAILURES_ALLOWED):
        response = client.post("/api/auth/token/", {"username": "alice", "password": f"wrong-{attempt}"})
        assert response.status_code == 400, response.content
    response = client.post("/api/auth/token/", {"username": "alice", "password": "wrong-last"})
    assert response.status_code == 429 and response.json() == {"detail": LOCKED}

    response = client.post("/api/auth/token/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429 and response.json() == {"detail": LOCKED}
    assert 840 < int(response["Retry-After"]) <= 900

    lock_expires("alice")
    response = client.post("/api/auth/token/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200 and response.json() == {"token": api_token(user).key}


def test_token_endpoint_throttled_per_address(client, settings):
    allowed = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth"].partition("/")[0]
    for _ in range(int(allowed)):  # no password: refused without a password hash, still counted
        assert client.post("/api/auth/token/", {"username": "x"}, REMOTE_ADDR="10.0.0.1").status_code == 400
    response = client.post("/api/auth/token/", {"username": "x"}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429 and "throttled" in response.json()["detail"]
    assert client.post("/api/auth/token/", {"username": "x"}, REMOTE_ADDR="10.0.0.2").status_code == 400


@pytest.mark.parametrize("backend", ["file", "redis"])
def test_concurrent_failures_are_all_counted(backend, request, settings):
    """Concurrent failures share one counter in the cache: 24 at once lock the name, 23 do not."""
    if backend == "redis":
        request.getfixturevalue("redis_cache")

    def fail_together(count):
        barrier = threading.Barrier(count)

        def fail():
            barrier.wait()
            limits.record_login_failure("bob")
        threads = [threading.Thread(target=fail) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    settings.LOGIN_FAILURES_ALLOWED = 24
    fail_together(23)
    assert limits.hits(limits.failures_key("bob")) == 23 and limits.lock_seconds_left("bob") == 0
    fail_together(1)
    assert limits.lock_seconds_left("bob") > 0
