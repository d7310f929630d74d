"""Login forms that say when an account name is locked instead of 'wrong password'."""
from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts import limits


class LockoutMessageMixin:
    def get_invalid_login_error(self):
        name = self.cleaned_data.get("username")
        if name and (left := limits.lock_seconds_left(name)):  # locked before or by this very attempt
            return ValidationError(limits.lockout_message(name, left), code="locked")
        return super().get_invalid_login_error()


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    pass


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    pass
