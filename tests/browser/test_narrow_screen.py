"""A 420 px wide window (a phone): no page scrolls sideways, the navigation is all on screen and clickable, wide
tables scroll inside their own box with the model column kept in view, charts fit."""
from selenium.webdriver.common.by import By

from tests.browser.pages import follow
from tests.browser.test_accessibility import site, visit_all  # noqa: F401  (site: a fixture)

# The link's centre is on screen and the link itself is what a tap there reaches (not covered, not off screen).
TAPPABLE = """
const r = arguments[0].getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth
  && arguments[0].contains(document.elementFromPoint(x, y));
"""
SCROLL_BOXES = """
return [...document.querySelectorAll('.table-wrap')].map((box) => {
  const before = box.scrollLeft; box.scrollLeft = box.scrollWidth;  // as far right as it goes
  const moved = box.scrollLeft > before;
  const sticky = box.querySelector('td.name, #compare-table td:first-child, #model-results td:first-child');
  const stuck = sticky ? sticky.getBoundingClientRect().left - box.getBoundingClientRect().left : null;
  box.scrollLeft = before;
  return {wide: box.scrollWidth > box.clientWidth, moved: moved, stuck: stuck};
});
"""


def test_pages_fit_a_narrow_screen(live_server, browser, site):  # noqa: F811  (a fixture)
    browser.set_window_size(420, 900)
    assert browser.execute_script("return window.innerWidth") <= 420
    problems, boxes = [], {}
    for name, path in visit_all(browser, live_server):
        width, page_width = browser.execute_script(
            "return [window.innerWidth, document.documentElement.scrollWidth]")
        if page_width > width:
            problems.append(f"{name} ({path}): the page is {page_width} px wide in a {width} px window")
        for link in browser.find_elements(By.CSS_SELECTOR, "nav.site-nav a, nav.site-nav button"):
            if not browser.execute_script(TAPPABLE, link):
                problems.append(f"{name} ({path}): navigation link {link.text!r} is not on screen or is covered")
        for svg in browser.find_elements(By.CSS_SELECTOR, "svg.chart"):
            if svg.rect["x"] + svg.rect["width"] > width:
                problems.append(f"{name} ({path}): a chart is wider than the window")
        boxes[name] = browser.execute_script(SCROLL_BOXES)
    assert not problems, "\n".join(problems)

    # The wide tables scroll inside their box, and the model (or dataset) column stays at the box's left edge.
    for name in ("leaderboard", "model", "compare"):
        assert boxes[name], f"{name}: no .table-wrap"
        box = boxes[name][0]
        assert box["wide"] and box["moved"], f"{name}: the table does not scroll in its box: {box}"
        assert box["stuck"] is not None and abs(box["stuck"]) <= 1, f"{name}: the first column is not sticky: {box}"

    # The wrapped navigation works: a tap on a link loads its page.
    browser.get(f"{live_server.url}/")
    follow(browser, By.CSS_SELECTOR, "nav.site-nav a[href='/compare/']")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Compare models"
