"""Sign-in lockout per account name and sign-up limit per client address.

Counters live in the Django cache that every process shares (Redis in production), never in process memory.
A counter counts events in a fixed window that its first event opens: `cache.add` opens it (atomic on Redis),
`cache.incr` counts (atomic on Redis). Django's file cache (the embedded default) implements both as a read and a
write, so there a lock file beside the cache's files makes one process at a time count.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import math
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.filebased import FileBasedCache
from rest_framework.throttling import BaseThrottle

SIGNUP_WINDOW_SECONDS = 3600


def _opened(name: str) -> float | None:
    return cache.get(f"{name}:since")


@contextlib.contextmanager
def _one_at_a_time():
    if not isinstance(caches["default"], FileBasedCache):
        yield
        return
    folder = Path(settings.CACHES["default"]["LOCATION"])
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "accounts-limits.lock", "a") as lock:  # not a *.djcache file: clear() and culling keep it
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def hit(name: str, window: int) -> int:
    """Count one event under `name`; the number of events in the current window, this one included."""
    with _one_at_a_time():
        return _hit(name, window)


def _hit(name: str, window: int) -> int:
    now = time.time()
    cache.add(f"{name}:since", now, timeout=window)
    since = _opened(name) or now
    key, left = f"{name}:{since!r}", max(1, math.ceil(since + window - now))
    if cache.add(key, 1, timeout=left):
        return 1
    try:
        count = cache.incr(key)
    except ValueError:  # the window closed between the two calls
        cache.add(key, 1, timeout=left)
        return 1
    cache.touch(key, left)  # the file and database caches give an incremented key their default timeout
    return count


def hits(name: str) -> int:
    since = _opened(name)
    return 0 if since is None else cache.get(f"{name}:{since!r}", 0)


def seconds_left(name: str, window: int) -> int:
    since = _opened(name)
    return 0 if since is None else max(1, math.ceil(since + window - time.time()))


# Sign-in lockout ------------------------------------------------------------------------------------------------

def _account(username: str) -> str:
    return hashlib.sha256(str(username).lower().encode()).hexdigest()  # any text a form was sent is a safe key


def failures_key(username: str) -> str:
    return f"accounts:login-failures:{_account(username)}"


def lock_key(username: str) -> str:
    return f"accounts:login-lock:{_account(username)}"


def lock_seconds_left(username: str) -> int:
    """Seconds until `username` may sign in again; 0 when it is not locked."""
    until = cache.get(lock_key(username))
    return 0 if until is None else max(0, math.ceil(until - time.time()))


def record_login_failure(username: str) -> None:
    if lock_seconds_left(username):
        return  # attempts refused while locked do not lengthen the lock
    window = settings.LOGIN_LOCKOUT_SECONDS
    if hit(failures_key(username), window) >= settings.LOGIN_FAILURES_ALLOWED:
        cache.add(lock_key(username), time.time() + window, timeout=window)


def reset_login_failures(username: str) -> None:
    cache.delete_many([lock_key(username), f"{failures_key(username)}:since"])


def minutes(seconds: int) -> str:
    count = max(1, math.ceil(seconds / 60))
    return f"{count} minute{'' if count == 1 else 's'}"


def lockout_message(username: str, seconds: int) -> str:
    return f"Too many failed sign-ins for {username}; try again in {minutes(seconds)}."


# Sign-up limit --------------------------------------------------------------------------------------------------

def client_address(request) -> str:
    """REMOTE_ADDR, or the address the proxies in front name when REST_FRAMEWORK's NUM_PROXIES is set (the same
    address DRF's throttles count by)."""
    return BaseThrottle().get_ident(request)


def _signups(request) -> str:
    return f"accounts:signups:{client_address(request)}"


def signup_wait(request) -> int:
    """Seconds until this address may sign up again; 0 when it may now."""
    name = _signups(request)
    if hits(name) >= settings.SIGNUPS_PER_HOUR_PER_IP:
        return seconds_left(name, SIGNUP_WINDOW_SECONDS)
    return 0


def take_signup(request) -> int:
    """Reserve one sign-up for this address: 0 when granted, else the seconds until one is."""
    name = _signups(request)
    if hit(name, SIGNUP_WINDOW_SECONDS) > settings.SIGNUPS_PER_HOUR_PER_IP:
        return seconds_left(name, SIGNUP_WINDOW_SECONDS)
    return 0


def signup_message(seconds: int) -> str:
    return f"Too many sign-ups from your address; try again in {minutes(seconds)}."
