"""The best score per dataset, scores tied with it, and their intervals and p-values shown without hovering."""
import re

import pytest

from tests.integration.leaderboard import factories as f

pytestmark = pytest.mark.django_db
QUERIES = 30
BEST = [0.3 + 0.6 * (q % 5) / 4 for q in range(QUERIES)]


@pytest.fixture
def board():
    """On one dataset: a best row, a row a hair below it on noisy queries (tied), and a clearly worse one."""
    data = f.dataset("bench/d0", "Zero")
    f.result(f.submission("Leader"), data, BEST, latency=30.0)
    f.result(f.submission("Close"), data, [s - (0.02 if q % 2 else -0.015) for q, s in enumerate(BEST)],
             latency=5.0)
    f.result(f.submission("Behind"), data, [s - 0.3 + 0.01 * (q % 3) for q, s in enumerate(BEST)], latency=10.0)


def cell(page: str, slug: str) -> str:
    """The dataset cell of a row."""
    row = re.search(rf'<tr data-slug="{slug}".*?</tr>', page, re.S).group(0)
    return re.search(r'<td class="score[^"]*".*?</td>', row, re.S).group(0)


def test_best_is_marked_apart_from_the_scores_tied_with_it(client, board):
    page = client.get("/leaderboards/bench/").content.decode()
    leader, close, behind = cell(page, "leader"), cell(page, "close"), cell(page, "behind")
    assert 'class="score best tied-first"' in leader
    assert "<strong>" in leader and '<span class="visually-hidden"> (best)</span>' in leader and "★" not in leader
    assert 'class="score tied-first"' in close
    assert "★" in close and "(tied with the best)" in close and "<strong>" not in close
    assert 'class="score"' in behind and "★" not in behind and "(best)" not in behind
    # One sentence each in the legend for the bold best and the star.
    assert "A bold score marked “best” is the best on its dataset" in page
    assert "★ marks a score tied with the best: not significantly worse than it" in page


def test_details_write_intervals_and_p_values_under_each_score(client, board):
    plain = client.get("/leaderboards/bench/").content.decode()
    assert 'class="cell-details"' not in plain
    assert "95% CI" in re.search(r'title="([^"]*)"', cell(plain, "behind")).group(1)  # still there on hover
    page = client.get("/leaderboards/bench/?details=1").content.decode()
    assert '<input type="checkbox" name="details" value="1" checked>' in page
    details = re.findall(r'<span class="cell-details">([^<]*)</span>', cell(page, "behind"))
    assert details[0].startswith("95% CI ") and details[1] == "p (adjusted) vs best &lt; 0.001"
    close = re.findall(r'<span class="cell-details">([^<]*)</span>', cell(page, "close"))
    assert float(close[1].rsplit(" ", 1)[1]) >= 0.05  # tied: not significant
    # The best has an interval but no p-value against itself.
    assert re.findall(r'<span class="cell-details">([^<]*)</span>', cell(page, "leader"))[0].startswith("95% CI")
    assert "p (adjusted)" not in cell(page, "leader")


def test_exports_say_which_score_is_best(client, board):
    rows = {r["submission"]: r["scores"]["bench/d0"] for r in client.get("/api/leaderboards/bench/").json()["rows"]}
    assert [rows[s]["best"] for s in ("leader", "close", "behind")] == [True, False, False]
    assert rows["close"]["tied_for_first"] is True and rows["behind"]["tied_for_first"] is False


def test_on_a_lower_is_better_measure_the_lowest_is_best(client, board):
    page = client.get("/leaderboards/bench/?metric=latency").content.decode()
    assert 'class="score best"' in cell(page, "close")  # 5 ms
    assert "best" not in cell(page, "leader")
    assert "★" not in page  # no per-query scores, no significance marks
