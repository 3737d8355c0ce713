"""Every page type loads under `Content-Security-Policy: default-src 'self'` with no
console error, uncaught exception, CSP violation, failed resource or other host."""

from .checks import console_failures, load
from .harness import fail_if_any, url_path


def test_every_page_loads_cleanly_under_csp(page, example_site, site_url):
    """Every page of the site, not one per type: a console error can hide in any content."""
    failures = []
    for path in example_site.html_paths:
        failures += console_failures(page, site_url + url_path(path))
    fail_if_any(failures, "problem(s) loading pages")


def test_missing_address_gets_the_styled_404_page_at_any_depth(page, site_url):
    url = f"{site_url}/policies/no-such-document/deeper/"
    response = load(page, url)
    assert response.status == 404, f"{url} answered {response.status}, not 404"
    styled = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert styled not in ("", "rgba(0, 0, 0, 0)"), f"the 404 page at {url} lost its stylesheet (header is {styled})"
    home = page.evaluate("document.querySelector('.site-name a').href")
    assert home == f"{site_url}/", f"the 404 page at {url} links home to {home}, not {site_url}/"


def test_requests_to_other_hosts_are_blocked_and_recorded(shared_tab):
    from playwright.sync_api import Error

    url = "https://www.gov.cn/"
    page = shared_tab.context.new_page()  # its own page: a blocked navigation leaves an error page behind
    try:
        page.goto(url)
    except Error as error:
        assert "ERR_BLOCKED_BY_CLIENT" in str(error), error
    else:
        raise AssertionError(f"{url} loaded: the tab is not cut off from the network")
    finally:
        page.close()
    try:
        assert [request for _, request in shared_tab.off_host] == [url]
    finally:
        shared_tab.off_host.clear()
