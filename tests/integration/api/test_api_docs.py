"""The human API docs (Swagger UI at /api/docs/) come from this site alone and run under its Content-Security-Policy;
the schema describes the submission lifecycle; the API root lists every endpoint; unknown export formats are 404."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient

from config.middleware import CONTENT_SECURITY_POLICY
from tests.integration.leaderboard import factories as f

pytestmark = pytest.mark.django_db


def test_the_docs_page_loads_its_scripts_and_styles_from_this_site(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<div id="swagger-ui"></div>' in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert len(scripts) == 3 and len(styles) == 1
    assert "<script>" not in html  # no inline script: the policy allows scripts from this site only
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY

    *bundles, start = scripts
    for url in [*bundles, *styles]:
        assert url.startswith("/static/drf_spectacular_sidecar/swagger-ui-dist/"), url
        found = finders.find(url.removeprefix("/static/"))  # what collectstatic and the static server serve
        assert found and Path(found).stat().st_size > 10_000, url
    assert start.startswith("/api/docs/?") and "script=" in start  # the start script: a file of its own
    init = client.get(start)
    assert init.status_code == 200 and init.headers["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in init.content.decode() and "/api/schema/" in init.content.decode()


def test_the_schema_describes_the_lifecycle_endpoints(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    paths = schema["paths"]
    assert {"patch", "delete", "get"} <= set(paths["/api/submissions/{id}/"])
    assert "put" not in paths["/api/submissions/{id}/"]
    assert "post" in paths["/api/submissions/{id}/withdraw/"] and "post" in paths["/api/submissions/{id}/reinstate/"]
    headers = [p["name"] for p in paths["/api/submissions/"]["post"]["parameters"] if p["in"] == "header"]
    assert headers == ["Idempotency-Key"]
    assert {"200", "201"} <= set(paths["/api/submissions/"]["post"]["responses"])
    patch_body = paths["/api/submissions/{id}/"]["patch"]["requestBody"]["content"]["application/json"]["schema"]
    assert patch_body["$ref"].endswith("/PatchedSubmissionUpdate")
    editable = schema["components"]["schemas"]["PatchedSubmissionUpdate"]["properties"]
    assert set(editable) == {"name", "description", "paper_url", "code_url", "licence", "is_public"}


def test_the_api_root_lists_every_endpoint(client):
    root = APIClient().get("/api/", HTTP_ACCEPT="application/json")
    assert root.status_code == 200
    listed = {url.removeprefix("http://testserver") for url in root.json().values()}
    assert listed == {"/api/submissions/", "/api/leaderboards/", "/api/results/", "/api/auth/token/",
                      "/api/schema/", "/api/docs/"}
    schema_paths = yaml.safe_load(client.get("/api/schema/").content)["paths"]
    for path in schema_paths:  # each endpoint is one of the listed ones or below it
        assert any(path.startswith(url) for url in listed), path
    browsable = client.get("/api/", HTTP_ACCEPT="text/html").content.decode()
    assert all(f'href="http://testserver{url}"' in browsable for url in listed)


@pytest.mark.parametrize("url", ["/leaderboards/export.xml", "/leaderboards/bench/export.pdf",
                                 "/models/some-model/export.html", "/compare/export.txt"])
def test_an_unknown_export_format_is_a_404(client, url):
    f.result(f.submission("Some model"), f.dataset("bench/d0"), [0.5])
    response = client.get(url)
    assert response.status_code == 404
    assert client.get(url.rsplit(".", 1)[0] + ".csv").status_code == 200  # the same view, a known format
