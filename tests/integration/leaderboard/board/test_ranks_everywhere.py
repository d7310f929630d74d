"""A row with a subset of the datasets never ranks above a complete one: page, CSV, JSON export and read API;
nor does it enter the efficiency frontier."""
import csv
import io

import pytest

from leaderboard.board.efficiency import efficiency_points
from leaderboard.board.tables import leaderboard
from tests.integration.leaderboard import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def board():
    one, two = f.dataset("bench/one"), f.dataset("bench/two")
    full, easy = f.submission("Full"), f.submission("Easy only")
    f.result(full, one, [0.4, 0.6], latency=50.0)
    f.result(full, two, [0.2, 0.4], latency=50.0)
    f.result(easy, one, [0.9, 1.0], latency=1.0)  # higher mean, faster, one dataset of two
    return full, easy


def test_the_page_lists_the_partial_row_below_unranked(client, board):
    page = client.get("/leaderboards/bench/").content.decode()
    assert page.index('data-slug="full"') < page.index('data-slug="easy-only"')
    assert "not ranked: evaluated on 1 of 2 datasets" in page


def test_exports_and_the_api_rank_only_the_complete_row(client, board):
    for url in ("/leaderboards/bench/export.json", "/api/leaderboards/bench/"):
        rows = client.get(url).json()["rows"]
        assert [(r["submission"], r["rank"], r["borda_rank"]) for r in rows] == [("full", 1, 1),
                                                                                  ("easy-only", None, None)]
    table = list(csv.DictReader(io.StringIO(client.get("/leaderboards/bench/export.csv").content.decode())))
    assert [(r["submission"], r["rank"]) for r in table] == [("full", "1"), ("easy-only", "")]


def test_the_partial_row_is_not_on_the_efficiency_frontier(board):
    from django.contrib.auth.models import AnonymousUser

    points = efficiency_points(leaderboard(AnonymousUser(), "bench"))
    assert [(p.row.slug, p.on_frontier) for p in points] == [("full", True)]
