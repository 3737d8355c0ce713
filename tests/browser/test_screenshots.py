"""Full-page screenshots for people to look at (not compared): home, the seed document
and a list page, at desktop and phone widths, in test-artifacts/screenshots/."""

import pytest

from .checks import screenshot
from .harness import SCREENSHOT_DIR, screenshots_written

PAGES = {"home": "/", "seed-document": "/policies/lzbf-2019-5/", "policy-list": "/policies/"}
WIDTHS = (1280, 375)


@pytest.mark.parametrize("name", PAGES)
def test_screenshots(page, site_url, name):
    for width in WIDTHS:
        path = screenshot(page, site_url + PAGES[name], width, SCREENSHOT_DIR / f"{name}-{width}.png")
        assert path.stat().st_size > 0
        screenshots_written.append(path)
