"""Take the README's screenshots (docs/screenshots/*.png) of a leaderboard and of a comparison, in headless Chromium.

The rows are made up (the test factories, tests/integration/leaderboard/factories.py) in a throwaway database
that is dropped at the end, so the pictures show the pages, not real results. Needs PostgreSQL and Debian's
chromium + chromium-driver, as the browser tests do:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/retrievalboard .venv/bin/python scripts/screenshots.py
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
WIDTH = 1400
QUERIES = 50
# (name, family, parameters, reference?, mean score on each dataset, p50 latency ms): made-up rows.
ROWS = [
    ("BM25 baseline", "bm25", None, True, [0.66, 0.33, 0.24, 0.41, 0.16], 4.0),
    ("Dense small", "dense", 22_000_000, False, [0.64, 0.32, 0.35, 0.48, 0.20], 9.0),
    ("Dense base", "dense", 110_000_000, False, [0.72, 0.36, 0.40, 0.55, 0.21], 21.0),
    ("Dense large", "dense", 335_000_000, False, [0.74, 0.38, 0.45, 0.57, 0.23], 55.0),
    ("Learned sparse", "learned-sparse", 110_000_000, True, [0.70, 0.35, 0.35, 0.48, 0.16], 14.0),
    ("Hybrid BM25 + dense", "hybrid", 110_000_000, False, [0.73, 0.37, 0.41, 0.56, 0.22], 26.0),
    ("Dense base (partial)", "dense", 110_000_000, False, [0.71, 0.35, None, None, None], 20.0),
]
DATASETS = [("beir/scifact", "SciFact"), ("beir/nfcorpus", "NFCorpus"), ("beir/fiqa", "FiQA-2018"),
            ("beir/arguana", "ArguAna"), ("beir/scidocs", "SCIDOCS")]


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.pop("CACHE_URL", None)  # a cache of its own (files), never a shared Redis one
    os.environ["RB_SITE_CACHE_DIR"] = tempfile.mkdtemp(prefix="rb-screenshots-cache-")
    django.setup()


def make_rows():
    import numpy as np

    from tests.integration.leaderboard import factories as f

    datasets = [f.dataset(key, name) for key, name in DATASETS]
    rng = np.random.default_rng(16)
    for name, family, n_parameters, reference, means, latency in ROWS:
        row = f.submission(name, family=family, n_parameters=n_parameters, is_reference=reference,
                           licence="Apache-2.0" if reference else "MIT")
        for data, mean in zip(datasets, means):
            if mean is not None:  # None: a dataset this row was not evaluated on
                scores = np.clip(rng.normal(mean, 0.2, QUERIES), 0, 1)
                f.result(row, data, list(scores - scores.mean() + mean), latency=latency)


def take(driver, url: str, path: Path, most: int):
    """The page from its top, down to its end or `most` pixels (PNGs of plain pages stay well under 300 KB)."""
    driver.get(url)
    height = min(driver.execute_script("return document.documentElement.scrollHeight"), most)
    # The viewport itself at this size (a window size would include the browser's frame).
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False})
    driver.save_screenshot(str(path))
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")


def main():
    setup_django()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment
    from pytest_django.live_server_helper import LiveServer
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    setup_test_environment()
    connection.settings_dict.setdefault("TEST", {})["NAME"] = "rb_screenshots"  # not the test suite's database
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    server = driver = None
    try:
        make_rows()
        server = LiveServer("localhost:0")
        options = webdriver.ChromeOptions()
        for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                     "--disable-background-networking", "--no-first-run"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": WIDTH, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
        OUT.mkdir(parents=True, exist_ok=True)
        take(driver, f"{server.url}/leaderboards/beir/", OUT / "leaderboard.png", most=980)
        take(driver, f"{server.url}/compare/?rows=bm25-baseline&rows=dense-large&rows=hybrid-bm25-dense"
                     "&dataset=beir/fiqa", OUT / "compare.png", most=1300)
    finally:
        if driver:
            driver.quit()
        if server:
            server.stop()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
