"""Every page type checked by axe-core in headless Chromium: no serious or critical violations (WCAG 2 A/AA and
axe's best practices). axe-core is vendored (tests/browser/vendor/README.md) so that this runs offline."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from leaderboard.models import Source
from tests.browser.pages import follow
from tests.integration.leaderboard import factories as f

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
USERNAME, PASSWORD = "grace", "a-long-pass-123"
QUERIES = 25
# (name, path, logged in): one page of each type the site has.
PAGES = [
    ("home", "/", False),
    ("leaderboard", "/leaderboards/bench/", False),
    ("empty-benchmark", "/leaderboards/empty/", False),
    ("model", "/models/dense-large/", False),
    ("compare", "/compare/?rows=dense-large&rows=lexical-baseline&fuse=1", False),
    ("efficiency", "/leaderboards/bench/efficiency/", False),
    ("login", "/accounts/login/", False),
    ("signup", "/accounts/signup/", False),
    ("404", "/no-such-page/", False),
    ("submit", "/submit/", True),
    ("my-submissions", "/submissions/", True),
]
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]}).then(
  (r) => done(r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary}))}))),
  (error) => done([{id: "axe-error", impact: "critical", help: String(error), nodes: []}]));
"""

# axe's color-contrast skips text made only of symbols (the dash of a missing cell, ★, ▲): WCAG AA for every
# element's own visible text here, against the first opaque background behind it (the site uses no images).
LOW_CONTRAST = """
const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
const lum = ([r, g, b]) => [r, g, b]
  .map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
  .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
const low = [];
for (const e of document.querySelectorAll("body *")) {
  const text = [...e.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
  const style = getComputedStyle(e);
  if (!text || !e.getClientRects().length || style.visibility === "hidden") continue;
  if (e.closest(".visually-hidden, svg")) continue;
  let back = e;
  while (back && (rgb(getComputedStyle(back).backgroundColor)[3] === 0)) back = back.parentElement;
  const bg = back ? rgb(getComputedStyle(back).backgroundColor) : [255, 255, 255];
  const [a, b] = [lum(rgb(style.color)), lum(bg)].sort((x, y) => y - x);
  const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
  const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
  const ratio = (a + 0.05) / (b + 0.05);
  const what = `${e.tagName.toLowerCase()}.${e.className} "${text.slice(0, 20)}"`;
  if (ratio < needed) low.push(`${what}: ${ratio.toFixed(2)}:1, needs ${needed}:1`);
}
return low;
"""


@pytest.fixture
def site(transactional_db, settings):
    """A benchmark with several rows, an empty benchmark, and a user with a submission of their own."""
    settings.DEBUG = False  # the site's own 404 page, not Django's debug page
    cache.clear()
    d1, d2 = f.dataset("bench/alpha", "Alpha"), f.dataset("bench/beta", "Beta")
    f.dataset("empty/gamma", "Gamma")
    best = [0.3 + 0.6 * (q % 5) / 4 for q in range(QUERIES)]
    lexical = f.submission("Lexical baseline", family="bm25", n_parameters=None, is_reference=True,
                           licence="Apache-2.0")
    f.result(lexical, d1, [s - 0.25 for s in best], latency=3.0, run={"q0": {"doc1": 2.0, "doc2": 1.0}})
    f.result(lexical, d2, [0.5] * QUERIES, latency=3.0)
    dense = f.submission("Dense large", family="dense", n_parameters=335_000_000, embedding_dim=1024)
    f.result(dense, d1, best, latency=40.0, run={"q0": {"doc2": 2.0, "doc1": 1.0}})
    f.result(dense, d2, [0.4] * QUERIES, latency=40.0)
    f.result(f.submission("Dense tiny", n_parameters=4_000_000), d1, best[1:] + best[:1], latency=8.0)
    user = get_user_model().objects.create_user(USERNAME, password=PASSWORD)
    f.submission("My run files", family="run-file", source=Source.RUN_FILE, owner=user, is_public=False)
    yield
    cache.clear()


def log_in(browser, live_server):
    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(USERNAME)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    follow(browser, By.CSS_SELECTOR, "main form button[type=submit]")
    assert browser.find_element(By.CSS_SELECTOR, "nav .who").text == USERNAME


def visit_all(browser, live_server):
    """Yield (name, path) after loading each page of PAGES, logging in before the first page that needs it."""
    logged_in = False
    for name, path, needs_login in PAGES:
        if needs_login and not logged_in:
            log_in(browser, live_server)
            logged_in = True
        browser.get(live_server.url + path)
        yield name, path


def test_no_serious_accessibility_violations(live_server, browser, site):
    browser.set_script_timeout(60)
    found = {}
    for name, path in visit_all(browser, live_server):
        browser.execute_script(AXE)
        violations = browser.execute_async_script(RUN_AXE)
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        if low := browser.execute_script(LOW_CONTRAST):
            serious.append({"id": "contrast (own check)", "nodes": low})
        if serious:
            found[f"{name} ({path})"] = serious
    assert not found, "axe-core found serious or critical violations:\n" + json.dumps(found, indent=1)


def test_skip_link_is_the_first_focusable_element(live_server, browser, site):
    browser.get(f"{live_server.url}/leaderboards/bench/")
    ActionChains(browser).send_keys(Keys.TAB).perform()  # the first Tab of a fresh page
    link = browser.switch_to.active_element
    assert link.text == "Skip to content" and link.get_attribute("href").endswith("#content")
    assert link.is_displayed() and link.rect["y"] >= 0  # shown once focused
    assert browser.execute_script("return getComputedStyle(document.activeElement).outlineStyle") != "none"
    link.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "content"  # focus moved past the navigation
