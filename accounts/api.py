"""POST /api/auth/token/: DRF's token view, throttled per client address and refusing locked account names."""
from __future__ import annotations

from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import APIException
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from accounts import limits


class SignInLocked(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked"

    def __init__(self, detail: str, wait: int):
        super().__init__(detail)
        self.wait = wait  # DRF's exception handler sends it as Retry-After


class LockoutAuthTokenSerializer(AuthTokenSerializer):
    def validate(self, attrs):
        name = attrs.get("username")
        try:
            attrs = super().validate(attrs)
        except serializers.ValidationError:
            if name and (left := limits.lock_seconds_left(name)):  # locked before or by this very attempt
                raise SignInLocked(limits.lockout_message(name, left), left) from None
            raise
        limits.reset_login_failures(name)  # a right password clears the count, as a site login does
        return attrs


class TokenView(ObtainAuthToken):
    serializer_class = LockoutAuthTokenSerializer
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"  # REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth"]
