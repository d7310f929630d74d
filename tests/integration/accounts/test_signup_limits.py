"""Sign-ups are limited per client address, and passwords must pass Django's four validators."""
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


def sign_up(username, password="a-long-pass-123", address="10.1.1.1"):
    return Client().post("/accounts/signup/", {"username": username, "password1": password, "password2": password},
                         REMOTE_ADDR=address)


def test_signups_limited_per_address(settings):
    settings.SIGNUPS_PER_HOUR_PER_IP = 2
    assert sign_up("ann", password="123456789").status_code == 400  # a refused form uses up nothing
    assert sign_up("ann").status_code == 302 and sign_up("ben").status_code == 302
    response = sign_up("cat")
    assert response.status_code == 429
    assert "Too many sign-ups from your address; try again in 60 minutes." in response.content.decode()
    assert sign_up("dan", password="bad").status_code == 429  # refused before the form is even judged
    assert not get_user_model().objects.filter(username__in=["cat", "dan"]).exists()
    assert sign_up("cat", address="10.1.1.2").status_code == 302


@pytest.mark.parametrize(("username", "password", "message"), [
    ("ann", "123456789", "This password is entirely numeric."),
    ("marguerite", "marguerite", "The password is too similar to the username."),
])
def test_weak_passwords_refused(username, password, message):
    response = sign_up(username, password=password)
    assert response.status_code == 400 and message in response.content.decode()
    assert not get_user_model().objects.filter(username=username).exists()
