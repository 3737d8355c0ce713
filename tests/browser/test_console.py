"""Every page type loads under `Content-Security-Policy: default-src 'self'` with no
console error, uncaught exception, CSP violation, failed resource or other host; and the
one kind of failed request that is not a page's fault, a request cancelled because the
test moved on to the next page, is told from one that is."""

import threading
from http.server import BaseHTTPRequestHandler

from .checks import console_failures, load
from .harness import NAVIGATION_TIMEOUT, QuietServer, fail_if_any, page_label, url_path

ICON = "**/assets/favicon.svg"  # Chromium requests it after the load event: the last request of a page


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


class _HeldIcon(BaseHTTPRequestHandler):
    """Two pages; the first one's icon is answered only once `release` is set."""

    release: threading.Event
    PAGES = {"/first.html": '<link rel="icon" href="/held-icon.svg">', "/second.html": ""}

    def do_GET(self) -> None:
        if self.path == "/held-icon.svg":
            self.release.wait(timeout=NAVIGATION_TIMEOUT / 1000)
            body, kind = b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"
        elif self.path in self.PAGES:
            body = f"<!DOCTYPE html><title>{self.path}</title>{self.PAGES[self.path]}<p>{self.path}".encode()
            kind = "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_a_request_cancelled_by_leaving_its_page_is_not_a_failure(page):
    """The race of a busy machine, made certain: the first page's icon is still unanswered
    when the next page is opened, so Chromium cancels it (net::ERR_ABORTED)."""
    release = threading.Event()
    server = QuietServer(("127.0.0.1", 0), type("Handler", (_HeldIcon,), {"release": release}))
    threading.Thread(target=server.serve_forever, name="held-icon", daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with page.expect_request("**/held-icon.svg") as icon:
            page.goto(f"{base}/first.html", wait_until="load")
        failures = console_failures(page, f"{base}/second.html")
    finally:
        release.set()
        server.shutdown()
        server.server_close()
    assert icon.value.failure == "net::ERR_ABORTED", \
        f"leaving the page did not cancel its icon (failure: {icon.value.failure!r}), so this proves nothing"
    fail_if_any(failures, "problem(s) reported for a request cancelled by leaving its page")


def test_a_request_that_fails_on_the_current_page_is_a_failure(page, site_url):
    """An abort (or any failure) while its page is current is still reported, on that page."""
    url = f"{site_url}/policies/"
    page.route(ICON, lambda route: route.abort("aborted"))
    try:
        failures = console_failures(page, url)
    finally:
        page.unroute(ICON)
    expected = f"{page_label(url)}: failed-resource: {url.rsplit('/policies/', 1)[0]}/assets/favicon.svg (net::ERR_ABORTED)"
    assert expected in failures, f"expected {expected!r}; the check reported: {failures}"
