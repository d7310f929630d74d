"""Failed sign-ins count towards the account name's lockout; a successful one clears the count."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from accounts import limits


@receiver(user_login_failed, dispatch_uid="accounts.count_login_failure")
def count_login_failure(sender, credentials, request=None, **kwargs):
    name = credentials.get(get_user_model().USERNAME_FIELD, credentials.get("username"))
    if name:
        limits.record_login_failure(name)


@receiver(user_logged_in, dispatch_uid="accounts.reset_login_failures")
def reset_login_failures(sender, user, request=None, **kwargs):
    limits.reset_login_failures(user.get_username())
