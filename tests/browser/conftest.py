"""Fixtures: the example portal built once with the real CLI and served on 127.0.0.1,
one Chromium for the session, and one shared tab that cannot reach the network."""

from __future__ import annotations

import functools

import pytest

from .harness import (
    REPO,
    SCREENSHOT_DIR,
    BuiltSite,
    Tab,
    build_with_cli,
    html_page_types,
    launch_chromium,
    read_build,
    require_tools,
    screenshots_written,
    serve,
    url_path,
)


@functools.cache
def example_page_types() -> tuple[str, ...]:
    """Every HTML page type of the example portal, read from the build at collection."""
    try:
        page_types, _ = read_build(REPO)
    except AssertionError:
        return ("(the example portal does not build)",)  # the site fixture reports why
    return tuple(html_page_types(page_types))


def pytest_generate_tests(metafunc) -> None:
    if "page_type" in metafunc.fixturenames:
        metafunc.parametrize("page_type", example_page_types())


def pytest_terminal_summary(terminalreporter) -> None:
    if screenshots_written:
        terminalreporter.write_sep("-", "browser screenshots (for people; not compared)")
        terminalreporter.write_line(f"{len(screenshots_written)} full-page screenshots in {SCREENSHOT_DIR}")


@pytest.fixture(scope="session")
def example_site(tmp_path_factory) -> BuiltSite:
    """The example portal, built with `python3 build.py` into a temporary folder."""
    return build_with_cli(REPO, tmp_path_factory.mktemp("example") / "output")


@pytest.fixture(scope="session")
def site_url(example_site):
    """Base URL of the served example portal, e.g. http://127.0.0.1:PORT/xxgk."""
    with serve(example_site) as url:
        yield url


@pytest.fixture
def page_url(example_site, site_url, page_type) -> str:
    """The URL of the first page (sorted by output path) of page_type."""
    return site_url + url_path(example_site.sample(page_type))


@pytest.fixture(scope="session")
def browser():
    require_tools("playwright", "chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def shared_tab(browser):
    tab = Tab(browser)
    yield tab
    tab.close()


@pytest.fixture
def page(shared_tab):
    """The shared page. A test fails if anything it loaded tried to reach another host."""
    shared_tab.off_host.clear()
    yield shared_tab.page
    if shared_tab.off_host:
        lines = "\n".join(f"  from {page}: {url}" for page, url in shared_tab.off_host)
        pytest.fail(f"requests to hosts other than 127.0.0.1 (blocked):\n{lines}", pytrace=False)
