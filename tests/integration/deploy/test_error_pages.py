"""With DEBUG off (the default), errors show the site's own pages: no traceback, no setting, no server path."""
from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.views import defaults

from config.settings import BASE_DIR, DATA_DIR


def assert_site_page(html: str, heading: str) -> None:
    assert heading in html and 'class="site-nav"' in html and "Back to the leaderboards" in html
    for leak in ("Traceback", "SECRET_KEY", "DATABASES", str(BASE_DIR), str(DATA_DIR)):
        assert leak not in html


@pytest.mark.django_db
def test_an_unknown_address_is_the_sites_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_site_page(response.content.decode(), "Page not found")


@pytest.mark.parametrize(("view", "status", "heading"), [
    (defaults.server_error, 500, "Server error"),
    (lambda request: defaults.bad_request(request, ValueError("x")), 400, "Bad request"),
    (lambda request: defaults.permission_denied(request, PermissionError("x")), 403, "Forbidden"),
])
def test_the_handlers_render_the_sites_error_pages(view, status, heading):
    response = view(RequestFactory().get("/"))
    assert response.status_code == status
    assert_site_page(response.content.decode(), heading)
