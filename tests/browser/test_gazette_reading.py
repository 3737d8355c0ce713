"""The gazette's issue and year pages as a keyboard or screen-reader user meets them:
headings in order, the table of contents as real lists, the tab order, the year
navigation's current item. (Moved from the second acceptance round, tests/test_gazette_attack2.py,
to share this suite's browser.)"""

from __future__ import annotations

from .checks import load

KEY_ORDER = """() => {
  const e = document.activeElement, nav = e.closest('nav');
  return nav ? 'nav:' + (nav.getAttribute('aria-label') || '') : e.closest('main') ? 'main' : e.closest('footer') ? 'footer'
    : e.classList.contains('skip-link') ? 'skip' : 'header';
}"""
HEADINGS = "() => [...document.querySelectorAll('main h1, main h2, main h3, main h4')].map(h => h.tagName)"


def test_an_issue_page_reads_in_order_by_heading_list_and_keyboard(page, site_url):
    load(page, f"{site_url}/gazette/2019/06/")
    sections = page.locator("section.issue-toc h3").count()
    assert sections >= 2
    assert page.evaluate(HEADINGS) == ["H1", "H2", *["H3"] * sections, "H2"]
    assert page.locator("section.issue-toc ol.toc > li").count() >= sections
    order = []
    for _ in range(30):
        page.keyboard.press("Tab")
        where = page.evaluate(KEY_ORDER)
        if not order or order[-1] != where:
            order.append(where)
    assert order[:6] == ["skip", "header", "nav:主导航", "nav:当前位置", "main", "nav:上一期和下一期"], order


def test_the_year_navigation_marks_the_current_year(page, site_url):
    load(page, f"{site_url}/gazette/2019/")
    current = page.locator("nav.filters [aria-current]")
    assert current.count() == 1 and current.get_attribute("aria-current") == "page"
    assert current.inner_text() == "2019年公报"
