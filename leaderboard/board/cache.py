"""Cached tables and pages of the read side, shared by every process through the Django cache.

Everything is keyed by a data version that `invalidate_leaderboards()` renews after each commit that changes
a result, a submission or a benchmark (leaderboard/signals.py); a per-process LRU sits in front.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections import OrderedDict

from django.core.cache import cache

from leaderboard.models import Submission

log = logging.getLogger(__name__)
CACHE_VERSION_KEY = "leaderboard:version"
CACHE_SECONDS = 3600


def scope(user) -> str:
    """Which cached tables a viewer may share: everyone without private submissions sees the public ones.
    Remembered on the user object and, per data version, in the cache: a submission changing starts a new
    version, so a viewer who makes a private one is never served the public scope."""
    if not hasattr(user, "_leaderboard_scope"):
        if user.is_staff:
            user._leaderboard_scope = "staff"
        elif user.is_authenticated:
            user._leaderboard_scope = cached(("scope", user.pk), lambda: f"user{user.pk}" if Submission.objects.filter(
                owner=user, is_public=False).exists() else "public", local=False)
        else:
            user._leaderboard_scope = "public"
    return user._leaderboard_scope


def invalidate_leaderboards() -> None:
    """Make every cached table stale; called after each commit that changes a result or a submission.

    It runs after the data is saved, so a cache outage must not turn a successful write into an error (a client
    retrying a 500 would submit twice, a worker would log a crash): the failure is logged, and a cache that comes
    back empty starts a new version anyway."""
    try:
        cache.set(CACHE_VERSION_KEY, uuid.uuid4().hex, None)
    except Exception as exc:  # redis-py's ConnectionError and friends; the backend's own types vary
        log.warning("could not renew the leaderboards' cache version (%s); pages may be stale until it is back", exc)


# Tables and pages are shared through the cache and kept, per process, in a small LRU so that a warm
# request reads one version token instead of unpickling thousands of rows.
_local: OrderedDict[str, object] = OrderedDict()
_local_lock = threading.Lock()
LOCAL_ENTRIES = 64


def cached(parts: tuple, build, local: bool = True):
    """build() once per data version and key parts; stale as soon as invalidate_leaderboards() runs.
    local=False keeps small per-viewer values out of the per-process LRU, which holds the big tables."""
    version = cache.get_or_set(CACHE_VERSION_KEY, lambda: uuid.uuid4().hex, None)
    key = "leaderboard:" + hashlib.sha1(repr((version, *parts)).encode()).hexdigest()
    with _local_lock:
        if key in _local:
            _local.move_to_end(key)
            return _local[key]
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, CACHE_SECONDS)
    if not local:
        return value
    with _local_lock:
        _local[key] = value
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)
    return value
