"""Full-page screenshots for people to look at (not compared), at desktop and phone widths,
in test-artifacts/screenshots/: home, the seed document and a list page; and one page of
each 政府信息公开 page type (the catalog, a category with 下级事项, the 主动公开基本目录,
the 台账 and the 公开指南)."""

import pytest

from .checks import screenshot
from .harness import SCREENSHOT_DIR, screenshots_written, url_path

PAGES = {"home": "/", "seed-document": "/policies/lzbf-2019-5/", "policy-list": "/policies/"}
# Screenshot name: the page type whose first page is shown.
DISCLOSURE_PAGES = {"catalog": "catalog", "catalog-category": "catalog-category", "catalog-table": "catalog-table",
                    "ledger": "ledger", "guide": "page-guide"}
WIDTHS = (1280, 375)


def shoot(page, url: str, name: str) -> None:
    for width in WIDTHS:
        path = screenshot(page, url, width, SCREENSHOT_DIR / f"{name}-{width}.png")
        assert path.stat().st_size > 0
        screenshots_written.append(path)


def category_with_children(example_site) -> str:
    """The first category page with 下级事项 (a tree in its intro), else the first category page."""
    for path in example_site.html_paths:
        if example_site.page_types[path] == "catalog-category" and \
                'class="catalog-tree"' in (example_site.root / path).read_text(encoding="utf-8"):
            return path
    return example_site.sample("catalog-category")


@pytest.mark.parametrize("name", PAGES)
def test_screenshots(page, site_url, name):
    shoot(page, site_url + PAGES[name], name)


@pytest.mark.parametrize("name", DISCLOSURE_PAGES)
def test_screenshots_of_disclosure_pages(page, example_site, site_url, name):
    kind = DISCLOSURE_PAGES[name]
    path = category_with_children(example_site) if kind == "catalog-category" else example_site.sample(kind)
    shoot(page, site_url + url_path(path), name)
