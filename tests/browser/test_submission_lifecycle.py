"""A submission's life in headless Chromium: log in, submit a run file that a real Celery worker scores, withdraw it
(off the board, still in My submissions), reinstate it, delete it after the confirmation page (rows and files go)."""
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from leaderboard.models import Evaluation, Result, Submission
from tests.browser.pages import follow, wait
from tests.integration.pipeline.conftest import ADI, make_run_file, pipeline_env, start_worker  # noqa: F401

PASSWORD = "a-long-pass-123"


def log_in(browser, live_server, username):
    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    follow(browser, By.CSS_SELECTOR, "main form button[type=submit]")
    assert browser.find_element(By.CSS_SELECTOR, "nav .who").text == username


def board_slugs(browser, live_server) -> list[str]:
    browser.get(f"{live_server.url}/leaderboards/")
    return [row.get_attribute("data-slug") for row in browser.find_elements(By.CSS_SELECTOR, "tr[data-slug]")]


@pytest.mark.slow
def test_withdraw_reinstate_and_delete_a_scored_run(live_server, browser, screenshot, start_worker, tmp_path,  # noqa: F811
                                                    django_user_model):
    start_worker("life", queues="cpu,gpu")
    django_user_model.objects.create_user("carol", password=PASSWORD)
    log_in(browser, live_server, "carol")

    follow(browser, By.LINK_TEXT, "Submit")
    browser.find_element(By.NAME, "name").send_keys("Lifecycle run")
    Select(browser.find_element(By.NAME, "family")).select_by_value("run-file")
    Select(browser.find_element(By.NAME, "source")).select_by_value("run-file")
    Select(browser.find_element(By.NAME, "datasets")).select_by_value(ADI)
    browser.find_element(By.NAME, "run_files").send_keys(str(make_run_file(tmp_path / "classic-ir__adi.trec")))
    follow(browser, By.CSS_SELECTOR, "#submission-form button[type=submit]")
    submission = Submission.objects.get(name="Lifecycle run")
    detail = f"{live_server.url}/submissions/{submission.pk}/"
    assert browser.current_url == detail
    wait(browser, lambda b: b.find_element(By.ID, "evaluations").get_attribute("data-active") == "0",
         "the evaluation to finish (the page reloads itself)")
    assert Evaluation.objects.get(submission=submission).status == Evaluation.Status.SUCCEEDED
    files = [Path(Evaluation.objects.get(submission=submission).run_file.path),
             Path(Result.objects.get(evaluation__submission=submission).run_file.path)]
    assert all(p.is_file() for p in files)
    assert submission.slug in board_slugs(browser, live_server)

    browser.get(detail)
    follow(browser, By.CSS_SELECTOR, "#withdraw-form button")
    assert browser.find_element(By.ID, "withdrawn-label").text == "withdrawn"
    assert "Withdrew Lifecycle run" in browser.find_element(By.CSS_SELECTOR, "ul.messages").text
    screenshot("withdrawn")
    assert submission.slug not in board_slugs(browser, live_server)
    follow(browser, By.LINK_TEXT, "My submissions")
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-submission="{submission.pk}"]')
    assert "withdrawn" in row.text and "1 succeeded" in row.text

    follow(browser, By.LINK_TEXT, "Lifecycle run")
    follow(browser, By.CSS_SELECTOR, "#reinstate-form button")
    assert not browser.find_elements(By.ID, "withdrawn-label")
    assert submission.slug in board_slugs(browser, live_server)

    browser.get(detail)
    follow(browser, By.ID, "delete-link")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Delete Lifecycle run?"
    assert Submission.objects.filter(pk=submission.pk).exists()  # the confirmation page deletes nothing
    screenshot("confirm")
    follow(browser, By.ID, "confirm-delete")
    assert browser.current_url == f"{live_server.url}/submissions/"
    assert "Deleted Lifecycle run" in browser.find_element(By.CSS_SELECTOR, "ul.messages").text
    assert not browser.find_elements(By.CSS_SELECTOR, f'tr[data-submission="{submission.pk}"]')
    assert not Submission.objects.filter(pk=submission.pk).exists()
    assert not any(p.exists() for p in files)
    assert submission.slug not in board_slugs(browser, live_server)
