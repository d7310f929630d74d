"""The model search (?q=) and the column picker (?cols=) of the leaderboard pages, exports and read API."""
import csv
import io
import re

import pytest

from tests.integration.leaderboard import factories as f
from tests.integration.leaderboard.board.test_pages import build, queries_for

pytestmark = pytest.mark.django_db
QUERIES = 20


@pytest.fixture
def board():
    """Three rows on two datasets: Dense Alpha best, BM25 second, Sparse alpha last."""
    d0, d1 = f.dataset("bench/d0", "Zero"), f.dataset("bench/d1", "One")
    for name, level in (("Dense Alpha", 0.8), ("BM25 baseline", 0.5), ("Sparse alpha", 0.2)):
        row = f.submission(name)
        f.result(row, d0, [level + 0.01 * (q % 3) for q in range(QUERIES)])
        f.result(row, d1, [level - 0.1 + 0.01 * (q % 2) for q in range(QUERIES)])


def rows_of(page: str) -> list[tuple[str, str]]:
    """(rank, name) of each leaderboard row, in page order."""
    return re.findall(r'<td class="rank">(\d+)</td>\s*<t[dh][^>]*class="name"[^>]*><a[^>]*>([^<]+)</a>', page)


def test_search_narrows_rows_case_insensitively_and_keeps_their_ranks(client, board):
    page = client.get("/leaderboards/bench/?q=ALPHA").content.decode()
    assert rows_of(page) == [("1", "Dense Alpha"), ("3", "Sparse alpha")]  # ranks of the whole table
    assert 'name="q" value="ALPHA"' in page
    assert "q=ALPHA" in re.search(r'<a href="(\?[^"]*sort=name[^"]*)"', page).group(1)  # sorting keeps it
    assert "The model search only hides rows" in page
    assert "No results match these filters" in client.get("/leaderboards/bench/?q=nothing").content.decode()


def test_exports_and_read_api_honour_the_search(client, board):
    response = client.get("/leaderboards/bench/export.csv?q=bm25")
    assert [r["name"] for r in csv.DictReader(io.StringIO(response.content.decode()))] == ["BM25 baseline"]
    data = client.get("/api/leaderboards/bench/?q=alpha").json()
    assert [(r["name"], r["rank"]) for r in data["rows"]] == [("Dense Alpha", 1), ("Sparse alpha", 3)]
    assert data == client.get("/leaderboards/bench/export.json?q=alpha").json()


def test_column_picker_hides_columns_but_the_mean_stays_over_every_dataset(client, board):
    full = client.get("/leaderboards/bench/").content.decode()
    picked = client.get("/leaderboards/bench/?cols=bench/d1").content.decode()
    assert 'data-dataset="bench/d0"' in full and 'data-dataset="bench/d0"' not in picked
    assert 'data-dataset="bench/d1"' in picked
    assert picked.count('<td class="score') == 3 and full.count('<td class="score') == 6
    means = re.compile(r'<td class="mean">([^<]+)</td>')
    assert means.findall(picked) == means.findall(full)  # the row mean is over both datasets
    assert "2/2" in picked
    # Without JavaScript: one checkbox per dataset column inside a <details>, ticked for the shown ones.
    picker = re.search(r'<details class="column-picker" open>(.*?)</details>', picked, re.S).group(1)
    assert '<input type="checkbox" name="cols" value="bench/d0">' in picker
    assert '<input type="checkbox" name="cols" value="bench/d1" checked>' in picker
    assert "including the columns the column picker hides" in picked


def test_unknown_columns_show_them_all(client, board):
    page = client.get("/leaderboards/bench/?cols=bench/nope").content.decode()
    assert 'data-dataset="bench/d0"' in page and 'data-dataset="bench/d1"' in page
    assert 'value="bench/d0" checked' in page


def test_search_columns_and_details_cost_no_queries_per_row(client):
    url = "/leaderboards/bench/?q=model&cols=bench/d0&details=1"
    build(10)
    few = queries_for(client, url)
    build(90)
    assert queries_for(client, url) == few
