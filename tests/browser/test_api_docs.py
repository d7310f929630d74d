"""The API docs page in headless Chromium: Swagger UI renders the schema's operations under the site's
Content-Security-Policy, from this site's files only."""
from urllib.parse import urlparse

from selenium.webdriver.common.by import By

from tests.browser.pages import wait


def test_swagger_ui_renders_the_operations(live_server, browser, screenshot, transactional_db):
    browser.get(f"{live_server.url}/api/docs/")
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#swagger-ui .opblock"), "Swagger UI's operations",
         timeout=30)
    paths = browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")
    summaries = [e.get_attribute("textContent") for e in paths]
    assert "/api/submissions/{id}/withdraw/" in summaries and "/api/leaderboards/{benchmark}/" in summaries
    assert browser.find_element(By.CSS_SELECTOR, "#swagger-ui .title").text.startswith("RetrievalBoard API")
    screenshot("docs")
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and {urlparse(url).netloc for url in loaded} == {urlparse(live_server.url).netloc}
    refused = [entry for entry in browser.get_log("browser") if "Content Security Policy" in entry["message"]]
    assert refused == []
