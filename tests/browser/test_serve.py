"""`build.py serve` in a real browser: the live-reload client runs under the pages'
Content-Security-Policy, a saved change reloads the page, and content errors are shown
in the browser until they are fixed.

Every wait here is for something that happens (a line from the server, the client's
handshake, the page's text) with a bounded timeout; none is a pause."""

from __future__ import annotations

import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from .checks import console_failures
from .harness import NAVIGATION_TIMEOUT, REPO, Tab, fail_if_any

RELOAD_TIMEOUT = 90_000  # ms: a full rebuild of the example site and a reload, on a busy machine
START_TIMEOUT = 90  # s: the first build and the server listening
READY = "本地预览："  # the line `build.py serve` prints once its socket listens
# livereload.js sets connector.protocol on the server's hello and sends its 'info' (which
# makes the server reload this page) in the same task.
CONNECTED = "() => !!window.LiveReload && window.LiveReload.connector.protocol >= 7"


class Preview:
    """`build.py serve` running on a copy of the example project."""

    def __init__(self, project: Path, port: int):
        self.project, self.url = project, f"http://127.0.0.1:{port}/"
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "serve", "--port", str(port), "--root", str(project),
             "--build-date", "2026-11-25"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8")
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, name="serve-output", daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)
        self.lines.put(None)  # the server exited

    def wait_until_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"build.py serve did not say {READY!r} within {START_TIMEOUT} s:\n{self.said()}",
                            pytrace=False)
            if line is None:
                pytest.fail(f"build.py serve exited {self.process.wait()} before listening:\n{self.said()}",
                            pytrace=False)
            if line.startswith(READY):
                return

    def said(self) -> str:
        return "".join(self.output) or "(nothing)"

    def save(self, rel: str, text: str) -> None:
        """Replace a project file in one step (a rename), so the watcher sees one change."""
        staged = self.project.parent / "staged"
        staged.write_text(text, encoding="utf-8")
        os.replace(staged, self.project / rel)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


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
    server = Preview(project, port)
    try:
        server.wait_until_listening()
        yield server
    finally:
        server.stop()


def wait_for_text(page, text: str, present: bool = True) -> None:
    """Wait until the page shows (or, present=False, a page with an h1 no longer shows)
    text; across the reloads in between."""
    shown = f"document.body && document.body.innerText.includes({text!r})"
    condition = shown if present else f"document.querySelector('h1') && !({shown})"
    page.wait_for_function(f"() => {condition}", timeout=RELOAD_TIMEOUT)


def wait_until_reloadable(page, preview: Preview) -> None:
    """The page's live-reload client has shaken hands and sent its 'info' (so the server
    will reload it); one answered request after that means the server has read it."""
    page.wait_for_function(CONNECTED, timeout=NAVIGATION_TIMEOUT)
    with urllib.request.urlopen(preview.url + "livereload.js", timeout=NAVIGATION_TIMEOUT / 1000) as response:
        response.read()


def test_live_reload_runs_under_csp_and_shows_errors_until_fixed(browser, preview):
    tab = Tab(browser)
    try:
        page = tab.page
        fail_if_any(console_failures(page, preview.url), "problem(s) in the preview")

        rel = "content/policies/lzbf-2025-2.md"
        text = (preview.project / rel).read_text(encoding="utf-8")
        wait_until_reloadable(page, preview)
        preview.save(rel, text.replace("title: ", "title: 已更新的", 1))
        wait_for_text(page, "已更新的")

        wait_until_reloadable(page, preview)
        preview.save(rel, text.replace("published:", "pubished:", 1))
        wait_for_text(page, "生成失败")
        errors = page.inner_text("pre.build-errors")
        assert "content/policies/lzbf-2025-2.md:7: 字段 pubished：未知字段。是否想写 published（发布日期）？" in errors
        assert "doc:" not in errors, "a link to the broken file is not a second error"

        wait_until_reloadable(page, preview)
        preview.save(rel, text)
        wait_for_text(page, "生成失败", present=False)
        assert page.locator("h1").inner_text()
        assert not tab.off_host
    finally:
        tab.close()
