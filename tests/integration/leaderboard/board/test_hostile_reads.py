"""Hostile reads get bounded, safe answers: huge page sizes, deep JSON, header injection through the URL,
spreadsheet formulas in names, unknown export formats; every page carries a Content-Security-Policy."""
import csv
import io

import pytest
from rest_framework.test import APIClient

from tests.integration.leaderboard import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(django_user_model):
    client = APIClient()
    client.force_authenticate(django_user_model.objects.create_user("mallory"))
    return client


def test_a_huge_page_size_is_capped(api):
    response = api.get(f"/api/submissions/?limit={10**21}")
    assert response.status_code == 200 and response.json()["results"] == []
    assert api.get(f"/api/results/?limit={10**21}&offset={10**21}").status_code == 200


def test_a_deeply_nested_json_body_is_a_400(api):
    response = api.generic("POST", "/api/submissions/", "[" * 100_000, content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.json()["detail"]


@pytest.mark.parametrize("rows", ["a\r\nSet-Cookie: x=1", 'a"; filename="evil.exe'])
def test_export_names_from_the_url_cannot_inject_headers(client, rows):
    response = client.get("/compare/export.csv", {"rows": rows})
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.count('"') == 2 and "\r" not in disposition and "\n" not in disposition
    assert disposition.endswith('.csv"') and "Set-Cookie" not in response


def test_formula_cells_are_neutralised_in_csv_exports(client):
    row = f.submission("=HYPERLINK(\"http://evil\")", licence="+SUM(A1)")
    f.result(row, f.dataset("bench/one"), [0.5, 0.25])
    table = list(csv.reader(io.StringIO(client.get("/leaderboards/export.csv").content.decode())))
    header, first = table[0], table[1]
    assert first[header.index("name")] == "'=HYPERLINK(\"http://evil\")"
    assert first[header.index("licence")] == "'+SUM(A1)"


def test_an_unknown_export_format_is_a_404(client):
    assert client.get("/leaderboards/export.xlsx").status_code == 404
    assert client.get("/leaderboards/export.json").status_code == 200


def test_pages_carry_a_content_security_policy(client):
    policy = client.get("/leaderboards/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
