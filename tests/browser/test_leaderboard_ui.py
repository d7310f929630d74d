"""The leaderboard as a person uses it, in headless Chromium: sort, filter, model page, compare, CSV."""
import csv
import time

import pytest
from django.core.cache import cache
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.browser.pages import follow
from tests.integration.leaderboard import factories as f

QUERIES = 25


@pytest.fixture
def board(transactional_db):
    cache.clear()
    d1, d2 = f.dataset("bench/alpha", "Alpha"), f.dataset("bench/beta", "Beta")
    best = [0.3 + 0.6 * (q % 5) / 4 for q in range(QUERIES)]
    lexical = f.submission("Lexical baseline", family="bm25", n_parameters=None, is_reference=True,
                           licence="Apache-2.0")
    f.result(lexical, d1, [s - 0.25 for s in best], latency=3.0, run={"q0": {"doc1": 2.0, "doc2": 1.0}})
    f.result(lexical, d2, [0.5] * QUERIES, latency=3.0)
    f.result(lexical, d1, [0.1] * QUERIES, attempt=0, is_current=False)
    dense = f.submission("Dense large", family="dense", n_parameters=335_000_000, embedding_dim=1024)
    f.result(dense, d1, best, latency=40.0)
    f.result(dense, d2, [0.4] * QUERIES, latency=40.0)
    tiny = f.submission("Dense tiny", family="dense", n_parameters=4_000_000)
    f.result(tiny, d1, best[1:] + best[:1], latency=8.0)  # same scores shuffled: tied with the best
    yield {"alpha": d1, "beta": d2}
    cache.clear()


def names(browser):
    return [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#leaderboard tbody td.name a")]


def test_leaderboard_sort_filter_model_compare_and_csv(live_server, browser, screenshot, downloads, board):
    browser.get(f"{live_server.url}/")
    follow(browser, By.LINK_TEXT, "Leaderboards")
    follow(browser, By.LINK_TEXT, "BENCH")
    assert browser.find_element(By.TAG_NAME, "h1").text == "BENCH: nDCG@10"
    # Ranked by mean: the rows with both datasets; Dense tiny (one of two, higher mean) below them, unranked.
    assert names(browser) == ["Dense large", "Lexical baseline", "Dense tiny"]
    tiny = browser.find_element(By.CSS_SELECTOR, 'tr[data-slug="dense-tiny"]')
    assert tiny.find_element(By.CSS_SELECTOR, "td.count").text == "1/2"
    assert tiny.find_element(By.CSS_SELECTOR, "td.missing").text == "–"
    assert tiny.find_elements(By.CSS_SELECTOR, "td.tied-first")  # not significantly worse than the best
    lexical = browser.find_element(By.CSS_SELECTOR, 'tr[data-slug="lexical-baseline"]')
    alpha_cell = lexical.find_elements(By.CSS_SELECTOR, "td.score")[0]
    assert "tied-first" not in alpha_cell.get_attribute("class")
    assert "95% CI" in alpha_cell.get_attribute("title")
    screenshot("leaderboard")

    follow(browser, By.LINK_TEXT, "Beta")  # sort by a dataset column: best first, missing last
    assert names(browser) == ["Lexical baseline", "Dense large", "Dense tiny"]
    follow(browser, By.LINK_TEXT, "Beta")  # again: ascending, missing still last
    assert names(browser) == ["Dense large", "Lexical baseline", "Dense tiny"]
    assert browser.find_element(By.CSS_SELECTOR, "th[aria-sort]").get_attribute("aria-sort") == "ascending"

    Select(browser.find_element(By.NAME, "family")).select_by_value("dense")
    Select(browser.find_element(By.NAME, "metric")).select_by_value("latency")
    follow(browser, By.CSS_SELECTOR, "#filters button[type=submit]")
    assert browser.find_element(By.TAG_NAME, "h1").text.endswith("Query latency p50 (ms)")
    assert sorted(names(browser)) == ["Dense large", "Dense tiny"]
    screenshot("filtered")

    browser.get(f"{live_server.url}/leaderboards/bench/efficiency/")
    assert browser.find_elements(By.CSS_SELECTOR, "#pareto svg circle.frontier-point")
    assert "Pareto" in browser.find_element(By.ID, "pareto").text
    screenshot("efficiency")

    browser.get(f"{live_server.url}/leaderboards/bench/")
    follow(browser, By.LINK_TEXT, "Dense large")
    meta = browser.find_element(By.ID, "model-meta").text
    assert "335M" in meta and "1024" in meta and "Dense bi-encoder" in meta
    assert len(browser.find_elements(By.CSS_SELECTOR, "#per-dataset-chart svg rect.bar")) == 2
    assert len(browser.find_elements(By.CSS_SELECTOR, "#model-results tbody tr")) == 2
    screenshot("model")
    browser.get(f"{live_server.url}/models/lexical-baseline/")
    assert browser.find_element(By.ID, "history").text.count("bench/alpha") == 1
    assert "abc1234" in browser.find_element(By.CSS_SELECTOR, "details.provenance").get_attribute("textContent")

    browser.get(f"{live_server.url}/leaderboards/bench/")
    for slug in ("dense-large", "lexical-baseline"):
        browser.find_element(By.CSS_SELECTOR, f'tr[data-slug="{slug}"] input[type=checkbox]').click()
    follow(browser, By.CSS_SELECTOR, "#compare-form th.pick button")
    table = browser.find_element(By.ID, "compare-table")
    alpha = table.find_element(By.CSS_SELECTOR, 'tr[data-dataset="bench/alpha"]').text
    assert "-0.2500" in alpha and "< 0.001" in alpha  # Lexical against Dense large, every query worse
    assert "q0" in browser.find_element(By.ID, "losses").text
    screenshot("compare")

    browser.get(f"{live_server.url}/leaderboards/bench/?sort=name")
    browser.find_element(By.ID, "export-csv").click()
    target = downloads / "leaderboard-bench-ndcg@10.csv"
    for _ in range(50):
        if target.exists():
            break
        time.sleep(0.1)
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [r["name"] for r in rows] == ["Dense large", "Dense tiny", "Lexical baseline"]
    assert rows[1]["bench/beta"] == "" and rows[1]["datasets_scored"] == "1"
