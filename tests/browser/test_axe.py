"""axe-core (WCAG 2.0–2.2 A/AA and best practice) over one page of every page type."""

from .checks import axe_failures
from .harness import fail_if_any, require_tools


def test_axe_finds_no_violations(page, page_url):
    require_tools("axe")
    fail_if_any(axe_failures(page, page_url), "axe-core violation(s)")
