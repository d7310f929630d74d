"""The efficiency view tells hardware apart: a column and a filter per hardware class, each latency also relative to
the measuring host's yardstick, and a mark on a row timed under load."""
import re

import pytest

from tests.integration.leaderboard import factories as f

pytestmark = pytest.mark.django_db
FAST, SLOW = "Fast CPU x 16", "Slow CPU x 2"


@pytest.fixture
def rows():
    data = f.dataset("bench/d0")
    for name, hardware, latency, relative, loaded in (("Quiet fast", FAST, 2.0, 4.0, False),
                                                      ("Busy fast", FAST, 3.0, 6.0, True),
                                                      ("Slow host", SLOW, 8.0, 4.0, False)):
        timings = {"latency_p50_ms": latency, "latency_p50_vs_yardstick": relative, "under_load": loaded,
                   "batch_qps": 100.0, "index_bytes": 1e6, "timing_repeats": 3, "latency_p50_spread": 0.05}
        f.result(f.submission(name), data, [0.5] * 10, timings=timings, provenance={"hardware": hardware})


def table_rows(client, url: str) -> dict[str, str]:
    html = client.get(url).content.decode()
    table = re.search(r'<table class="board" id="pareto-table">(.*?)</table>', html, re.S).group(1)
    return {re.search(r">([^<]+)</a>", tr).group(1): tr for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
            if "</a>" in tr}


def test_each_row_shows_its_hardware_relative_latency_and_load(client, rows):
    found = table_rows(client, "/leaderboards/bench/efficiency/")
    assert set(found) == {"Quiet fast", "Busy fast", "Slow host"}
    assert FAST in found["Quiet fast"] and SLOW in found["Slow host"]
    assert "<td>4.0</td>" in found["Slow host"] and "<td>6.0</td>" in found["Busy fast"]
    assert "under load" in found["Busy fast"]
    assert "under load" not in found["Quiet fast"] and "under load" not in found["Slow host"]


def test_the_hardware_filter_keeps_one_class(client, rows):
    assert set(table_rows(client, f"/leaderboards/bench/efficiency/?hardware={SLOW}")) == {"Slow host"}
    assert set(table_rows(client, f"/leaderboards/bench/efficiency/?hardware={FAST}")) == {"Quiet fast", "Busy fast"}
    html = client.get("/leaderboards/bench/efficiency/").content.decode()
    assert f'<option value="{FAST}">' in html and f'<option value="{SLOW}">' in html
