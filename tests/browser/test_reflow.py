"""Reflow at 320 CSS px (WCAG 1.4.10) and text at 200 % (WCAG 1.4.4), every page type."""

from .checks import reflow_failures, text_zoom_failures
from .harness import fail_if_any


def test_reflows_at_320_px(page, page_url):
    fail_if_any(reflow_failures(page, page_url), "reflow failure(s)")


def test_text_at_200_percent_is_not_cut_off_or_overlapping(page, page_url):
    fail_if_any(text_zoom_failures(page, page_url), "text-size failure(s)")
