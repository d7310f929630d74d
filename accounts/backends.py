"""Django's model backend, refusing a locked account name before any password is checked."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts import limits


class LockoutModelBackend(ModelBackend):
    """`authenticate()` stops at PermissionDenied: the site login, the admin login and the API token endpoint
    all refuse a locked name, the right password included."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        name = username if username is not None else kwargs.get(get_user_model().USERNAME_FIELD)
        if name is not None and (left := limits.lock_seconds_left(name)):
            raise PermissionDenied(limits.lockout_message(name, left))
        return super().authenticate(request, username=username, password=password, **kwargs)
