"""Waiting in the browser tests: for a condition, and for the page a click loads."""
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def wait(browser, condition, what, timeout=120):
    return WebDriverWait(browser, timeout, poll_frequency=0.5,
                         ignored_exceptions=[StaleElementReferenceException]).until(condition, f"waited for {what}")


def follow(browser, by, value):
    """Click the link or button found by (by, value) and return once the page it loads has replaced this one and
    finished loading. A click returns before the navigation ends: a find right after it can still get the old
    page's elements, which go stale a moment later."""
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(by, value).click()
    wait(browser, EC.staleness_of(old), f"the page after clicking {value!r}")
    wait(browser, lambda b: b.execute_script("return document.readyState") == "complete",
         f"the page after clicking {value!r} to load")
