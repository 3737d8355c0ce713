"""Checks over every built HTML file: the Nu HTML checker and what the Content-Security-
Policy `default-src 'self'` would block."""

from .checks import nu_failures, static_csp_failures
from .harness import fail_if_any, require_tools


def test_every_page_is_valid_html(example_site):
    require_tools("java", "vnu")
    missing = [path for path in example_site.html_paths if not (example_site.root / path).is_file()]
    assert not missing, f"pages the build reported but did not write: {missing}"
    fail_if_any(nu_failures(example_site.root), "Nu HTML checker error(s)")


def test_no_page_needs_inline_code_or_other_hosts(example_site):
    fail_if_any(static_csp_failures(example_site.root), "CSP problem(s) in the built HTML")
