"""Reading the leaderboard in headless Chromium: model search, column picker, p-values without hovering and the
datasets of an empty benchmark tab."""
import pytest
from django.core.cache import cache
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from datasets_registry.storage import MARKER
from tests.browser.pages import follow, wait
from tests.integration.leaderboard import factories as f

QUERIES = 25
APPLY = "#filters button[type=submit]"


@pytest.fixture
def board(transactional_db, settings, tmp_path):
    cache.clear()
    # The datasets' availability as this server sees it: only BEIR SciFact has a verified copy.
    settings.DATA_DIR, settings.MIRROR_DIR, settings.REFERENCE_DIR = tmp_path, tmp_path / "mirror", tmp_path / "ref"
    (tmp_path / "datasets" / "beir" / "scifact").mkdir(parents=True)
    (tmp_path / "datasets" / "beir" / "scifact" / MARKER).write_text("{}")
    f.benchmark("beir")
    d1, d2 = f.dataset("bench/alpha", "Alpha"), f.dataset("bench/beta", "Beta")
    best = [0.3 + 0.6 * (q % 5) / 4 for q in range(QUERIES)]
    for name, shift in (("Dense large", 0.0), ("Dense small", 0.02), ("Lexical baseline", 0.25)):
        row = f.submission(name)
        f.result(row, d1, [s - shift + 0.01 * (q % 3) for q, s in enumerate(best)])
        f.result(row, d2, [0.5 - shift + 0.01 * (q % 2) for q in range(QUERIES)])
    yield
    cache.clear()


def names(browser):
    return [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#leaderboard tbody .name a")]


def test_search_columns_and_details(live_server, browser, screenshot, board):
    browser.get(f"{live_server.url}/leaderboards/bench/")
    assert names(browser) == ["Dense large", "Dense small", "Lexical baseline"]
    means = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#leaderboard td.mean")]

    browser.find_element(By.NAME, "q").send_keys("DENSE")
    follow(browser, By.CSS_SELECTOR, APPLY)
    assert names(browser) == ["Dense large", "Dense small"]
    assert "q=DENSE" in browser.current_url

    browser.find_element(By.CSS_SELECTOR, "details.column-picker summary").click()
    wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "details.column-picker").get_attribute("open"),
         "the column picker to open")
    browser.find_element(By.CSS_SELECTOR, 'input[name=cols][value="bench/alpha"]').click()  # untick Alpha
    follow(browser, By.CSS_SELECTOR, APPLY)
    assert not browser.find_elements(By.CSS_SELECTOR, 'th[data-dataset="bench/alpha"]')
    assert browser.find_elements(By.CSS_SELECTOR, 'th[data-dataset="bench/beta"]')
    assert names(browser) == ["Dense large", "Dense small"]  # the search survived the second Apply
    # The mean stays over both datasets.
    assert [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#leaderboard td.mean")] == means[:2]

    assert not browser.find_elements(By.CSS_SELECTOR, "#leaderboard .cell-details")
    browser.find_element(By.NAME, "details").send_keys(Keys.SPACE)  # from the keyboard, no hovering
    follow(browser, By.CSS_SELECTOR, APPLY)
    small = browser.find_element(By.CSS_SELECTOR, 'tr[data-slug="dense-small"] td.score')
    shown = [s.text for s in small.find_elements(By.CSS_SELECTOR, ".cell-details") if s.is_displayed()]
    assert shown[0].startswith("95% CI") and shown[1].startswith("p (adjusted) vs best")
    best = browser.find_element(By.CSS_SELECTOR, 'tr[data-slug="dense-large"] td.score')
    assert "best" in best.get_attribute("class") and best.find_element(By.TAG_NAME, "strong")
    screenshot("details")


def test_an_empty_beir_tab_lists_its_datasets(live_server, browser, screenshot, board):
    browser.get(f"{live_server.url}/leaderboards/")
    follow(browser, By.LINK_TEXT, "BEIR")
    assert "No results yet." in browser.find_element(By.CSS_SELECTOR, "p.empty").text
    availability = {row.get_attribute("data-dataset"): row.find_element(By.CSS_SELECTOR, "td.availability").text
                    for row in browser.find_elements(By.CSS_SELECTOR, "#pending tbody tr")}
    assert availability["beir/scifact"] == "available"
    assert availability["beir/nfcorpus"] == "not downloaded: python manage.py datasets fetch beir/nfcorpus"
    assert availability["beir/robust04"].startswith("licence-restricted: TREC Disks 4 and 5")
    screenshot("empty-beir")
