"""Submitting as a person does, in headless Chromium: sign up, upload a run file, watch the page follow a real
Celery worker (real Redis broker) until the result shows; a bad run file is refused on the form."""
import pytest
from django.template.defaultfilters import floatformat
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from leaderboard.models import Evaluation, Result, Submission
from tests.browser.pages import follow, wait
from tests.integration.pipeline.conftest import ADI, make_run_file, pipeline_env, start_worker  # noqa: F401

PASSWORD = "a-long-pass-123"
# Before the page's own reload (polling saw everything finished), keep what the polling wrote into the row.
REMEMBER_ROW_ON_UNLOAD = """
window.addEventListener("pagehide", function () {
  var row = document.querySelector("#evaluations tbody tr");
  sessionStorage.setItem("row-before-reload", JSON.stringify({
    status: row.querySelector(".status").textContent, score: row.querySelector(".score").textContent,
    worker: row.querySelector(".worker").textContent}));
});
"""


def sign_up(browser, live_server, username):
    browser.get(f"{live_server.url}/")
    follow(browser, By.LINK_TEXT, "Sign up")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password1").send_keys(PASSWORD)
    browser.find_element(By.NAME, "password2").send_keys(PASSWORD)
    follow(browser, By.CSS_SELECTOR, "main form button[type=submit]")
    assert browser.find_element(By.CSS_SELECTOR, "nav .who").text == username  # logged in
    assert browser.find_element(By.TAG_NAME, "h1").text == "Submit a model or run files"  # sent to the form
    assert f"Welcome, {username}" in browser.find_element(By.CSS_SELECTOR, "ul.messages").text


def submit_run_file(browser, name, run_file):
    browser.find_element(By.NAME, "name").send_keys(name)
    Select(browser.find_element(By.NAME, "family")).select_by_value("run-file")
    Select(browser.find_element(By.NAME, "source")).select_by_value("run-file")
    Select(browser.find_element(By.NAME, "datasets")).select_by_value(ADI)
    browser.find_element(By.NAME, "run_files").send_keys(str(run_file))
    follow(browser, By.CSS_SELECTOR, "#submission-form button[type=submit]")


def evaluation_row(browser):
    return browser.find_element(By.CSS_SELECTOR, "#evaluations tbody tr")


def finished_page_shows(browser, status):
    """True once the page, reloaded by its own script, renders the evaluation with this status."""
    table = browser.find_element(By.ID, "evaluations")
    return table.get_attribute("data-active") == "0" and evaluation_row(browser).find_element(
        By.CSS_SELECTOR, "td.status").text == status


@pytest.mark.slow
def test_sign_up_submit_run_file_and_watch_it_finish(live_server, browser, screenshot, start_worker, tmp_path):  # noqa: F811  (a fixture)
    start_worker("ui", queues="cpu,gpu")
    run = make_run_file(tmp_path / "classic-ir__adi.trec")
    sign_up(browser, live_server, "ada")

    submit_run_file(browser, "Overlap run", run)
    submission = Submission.objects.get(name="Overlap run")
    assert browser.current_url == f"{live_server.url}/submissions/{submission.pk}/"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Overlap run"
    assert "1 evaluation(s) queued" in browser.find_element(By.CSS_SELECTOR, "ul.messages").text
    assert browser.find_element(By.ID, "evaluations").get_attribute("data-active") == "1"  # the page polls
    row = evaluation_row(browser)
    assert row.find_element(By.CSS_SELECTOR, "td").text == ADI
    assert row.find_element(By.CSS_SELECTOR, "td.status").text in ("queued", "running")
    assert row.find_element(By.CSS_SELECTOR, "td.score").text == ""
    assert browser.find_element(By.CSS_SELECTOR, "#results tbody").text == "No results yet."
    browser.execute_script(REMEMBER_ROW_ON_UNLOAD)
    screenshot("queued")

    # No browser.get/refresh from here on: only the page's polling can change what it shows.
    wait(browser, lambda b: finished_page_shows(b, "succeeded"), "the page to show the evaluation succeeded")
    assert browser.execute_script('return performance.getEntriesByType("navigation")[0].type') == "reload"
    live = browser.execute_script('return JSON.parse(sessionStorage.getItem("row-before-reload"))')
    screenshot("done")

    result = Result.objects.get(evaluation__submission=submission, is_current=True)
    assert result.evaluation.status == Evaluation.Status.SUCCEEDED and result.evaluation.dataset.key == ADI
    assert result.main_score == result.metrics["ndcg@10"] > 0
    # The polling updated the row in place (JS toFixed) before reloading ...
    assert live == {"status": "succeeded", "score": f"{result.main_score:.4f}",
                    "worker": result.evaluation.worker_host}
    assert live["worker"].startswith("ui@")
    # ... and the reloaded page renders the stored score with the template's floatformat:4.
    row = evaluation_row(browser)
    assert row.find_element(By.CSS_SELECTOR, "td.score").text == floatformat(result.main_score, 4)
    results_row = browser.find_element(By.CSS_SELECTOR, f'#results tr[data-result="{result.pk}"]')
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#results thead th")]
    cells = [td.text for td in results_row.find_elements(By.TAG_NAME, "td")]
    assert cells[0] == ADI
    assert cells[headers.index("nDCG@10")] == floatformat(result.metrics["ndcg@10"], 4)

    link = browser.find_element(By.ID, "model-page").get_attribute("href")
    assert link == f"{live_server.url}/models/{submission.slug}/"

    follow(browser, By.LINK_TEXT, "My submissions")  # the site's navigation leads back to it
    assert browser.current_url == f"{live_server.url}/submissions/"
    follow(browser, By.LINK_TEXT, "Overlap run")
    assert browser.current_url == f"{live_server.url}/submissions/{submission.pk}/"


def test_run_file_with_unknown_query_is_refused_on_the_form(live_server, browser, screenshot, tmp_path):
    run = make_run_file(tmp_path / "classic-ir__adi.trec")
    with run.open("a") as handle:
        handle.write("no-such-query Q0 1 1 9.0 overlap\n")
    sign_up(browser, live_server, "bob")

    submit_run_file(browser, "Bad run", run)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Submit a model or run files"  # still on the form
    error = browser.find_element(By.CSS_SELECTOR, "#submission-form ul.errorlist").text
    assert error.startswith("classic-ir__adi.trec: ")  # names the file, the problem and the offending id
    assert "1 query id(s) not in classic-ir/adi" in error and error.endswith("e.g. no-such-query")
    assert browser.find_element(By.NAME, "name").get_attribute("value") == "Bad run"  # the rest is kept
    screenshot("refused")
    assert not Submission.objects.exists()
    assert not Evaluation.objects.exists()
