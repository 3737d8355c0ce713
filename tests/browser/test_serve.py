"""`build.py serve` in a real browser: the live-reload client runs under the pages'
Content-Security-Policy, a saved change reloads the page, and content errors are shown
in the browser until they are fixed."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from .checks import console_failures
from .harness import REPO, Tab, fail_if_any

RELOAD_TIMEOUT = 20_000  # ms


@pytest.fixture
def preview(tmp_path):
    """A copy of the example project, served by `build.py serve` on a free port."""
    project = tmp_path / "site"
    shutil.copytree(REPO / "content", project / "content")
    shutil.copytree(REPO / "layouts", project / "layouts")
    shutil.copy(REPO / "site_config.yaml", project / "site_config.yaml")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "serve", "--port", str(port), "--root", str(project),
         "--build-date", "2026-11-25"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url)
        yield project, url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_live_reload_runs_under_csp_and_shows_errors_until_fixed(browser, preview):
    project, url = preview
    tab = Tab(browser)
    try:
        page = tab.page
        fail_if_any(console_failures(page, url), "problem(s) in the preview")
        page.wait_for_function("() => window.LiveReload !== undefined", timeout=RELOAD_TIMEOUT)

        source = project / "content/policies/lzbf-2025-2.md"
        text = source.read_text(encoding="utf-8")
        source.write_text(text.replace("title: ", "title: 已更新的", 1), encoding="utf-8")
        page.wait_for_function("() => document.body.innerText.includes('已更新的')", timeout=RELOAD_TIMEOUT)

        source.write_text(text.replace("published:", "pubished:", 1), encoding="utf-8")
        page.wait_for_function("() => document.body.innerText.includes('生成失败')", timeout=RELOAD_TIMEOUT)
        errors = page.inner_text("pre.build-errors")
        assert "content/policies/lzbf-2025-2.md:7: 字段 pubished：未知字段。是否想写 published（发布日期）？" in errors
        assert "doc:" not in errors, "a link to the broken file is not a second error"

        source.write_text(text, encoding="utf-8")
        page.wait_for_function("() => !document.body.innerText.includes('生成失败')", timeout=RELOAD_TIMEOUT)
        assert page.locator("h1").inner_text()
        assert not tab.off_host
    finally:
        tab.close()
