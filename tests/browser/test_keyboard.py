"""Keyboard only: the skip link, and a journey home → document → its interpretation →
back to the document, with a visible focus indicator on everything focused."""

import functools

from .checks import focus_indicator_failures, keyboard_journey_failures, skip_link_failures
from .harness import BUILD_DATE, REPO, fail_if_any


@functools.cache
def journey() -> tuple[str, str]:
    """The newest document listed on the home page that has an interpretation, and that
    interpretation: taken from the site model so the journey follows the content."""
    from gongkai.build import build_site

    site = build_site(REPO, BUILD_DATE).site
    listed = site.records["policy"][: site.config.home_size]
    policy = next(p for p in listed if site.related(p.id, "interpretations"))
    interpretation = site.related(policy.id, "interpretations")[0]
    return site.url(policy.id).lstrip("/"), site.url(interpretation.id).lstrip("/")


def test_first_tab_reaches_a_visible_skip_link_that_moves_focus_to_main(page, site_url):
    fail_if_any(skip_link_failures(page, f"{site_url}/"), "skip-link failure(s)")


def test_keyboard_journey_from_home_to_document_interpretation_and_back(page, site_url):
    document, interpretation = journey()
    failures = keyboard_journey_failures(page, f"{site_url}/", [document, interpretation, document], f"{site_url}/{document}")
    fail_if_any(failures, "keyboard failure(s)")


def test_every_focusable_element_shows_focus(page, page_url):
    fail_if_any(focus_indicator_failures(page, page_url), "focus indicator failure(s)")
