"""Writes of the accounts app: API tokens."""
from __future__ import annotations

from rest_framework.authtoken.models import Token


def api_token(user) -> Token:
    """The user's API token, created on first use."""
    token, _ = Token.objects.get_or_create(user=user)
    return token


def rotate_api_token(user) -> Token:
    """A new token; the old one stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)
