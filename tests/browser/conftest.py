"""Real headless Chromium (Debian's chromium + chromium-driver) driven by Selenium against live_server."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000")


@pytest.fixture
def downloads(tmp_path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(tmp_path, downloads):
    if not Path(CHROMEDRIVER).exists() or not shutil.which("chromium"):
        pytest.fail("browser tests need Debian's chromium and chromium-driver: bash scripts/services installs them")
    options = webdriver.ChromeOptions()
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    SCREENSHOTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


@pytest.fixture
def screenshot(browser, request):
    """screenshot("name") saves test-output/<test>-<name>.png."""
    def save(name: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        browser.save_screenshot(str(path))
        return path
    return save
