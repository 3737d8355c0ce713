"""The parts the browser tests stand on: the tools they need, building a project with
the real command line, serving the output like a strict web server, and a browser tab
that cannot reach the network."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BUILD_DATE = date(2026, 11, 25)
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
MEASURE_JS = HERE / "measure.js"
SCREENSHOT_DIR = REPO / "test-artifacts" / "screenshots"
CSP = "default-src 'self'"

INSTALL = ("apt-get install -y --no-install-recommends chromium fonts-wqy-microhei default-jre-headless"
           " && npm ci --ignore-scripts && pip install -e '.[test]'")

# Keep Chromium off the network: no background services, and no host but the local
# server resolves (the EXCLUDEs keep 127.0.0.1 working).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]
DESKTOP = {"width": 1280, "height": 800}

# Screenshots written this session, for the terminal summary.
screenshots_written: list[Path] = []


# -- tools ---------------------------------------------------------------------------------


def find_chromium() -> str | None:
    configured = os.environ.get("CHROMIUM")
    if configured:
        return shutil.which(configured)
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _playwright_importable() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def missing_tools(*needs: str) -> list[str]:
    """The ones of needs ("chromium", "playwright", "axe", "vnu", "java") not installed."""
    present = {
        "chromium": lambda: find_chromium() is not None,
        "playwright": _playwright_importable,
        "axe": AXE_JS.is_file,
        "vnu": VNU_JAR.is_file,
        "java": lambda: shutil.which("java") is not None,
    }
    names = {
        "chromium": f"Chromium (CHROMIUM={os.environ['CHROMIUM']!r} not found)" if os.environ.get("CHROMIUM")
        else "Chromium (chromium, chromium-browser or google-chrome on PATH)",
        "playwright": "the playwright Python package",
        "axe": f"axe-core ({AXE_JS.relative_to(REPO)})",
        "vnu": f"the Nu HTML checker ({VNU_JAR.relative_to(REPO)})",
        "java": "Java (java on PATH)",
    }
    return [names[need] for need in needs if not present[need]()]


def require_tools(*needs: str) -> None:
    """Skip when a tool is missing; on CI (CI=true) fail instead, so CI can't pass by skipping."""
    gaps = missing_tools(*needs)
    if not gaps:
        return
    message = f"Browser tests need {', '.join(gaps)}. Install from the repo root with:\n  {INSTALL}"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


# -- building ------------------------------------------------------------------------------


@dataclass
class BuiltSite:
    """A built portal: its output folder, every output path's page type, and the path
    the site lives under in production (from base_url, e.g. "/xxgk")."""

    root: Path
    page_types: dict[str, str] = field(default_factory=dict)
    base_path: str = ""

    @property
    def html_paths(self) -> list[str]:
        return sorted(path for path in self.page_types if path.endswith(".html"))

    def sample(self, page_type: str) -> str:
        """The first output path (sorted) of a page type."""
        paths = [path for path in self.html_paths if self.page_types[path] == page_type]
        assert paths, f"the build has no page of type {page_type!r}; it has {sorted(set(self.page_types.values()))}"
        return paths[0]


def html_page_types(page_types: dict[str, str]) -> list[str]:
    """Every page type that has an HTML page, so a new page type is covered by itself."""
    return sorted({kind for path, kind in page_types.items() if path.endswith(".html")})


def read_build(project: Path) -> tuple[dict[str, str], str]:
    """The page types of project and its base path, from the build itself (nothing is written)."""
    from gongkai.build import build_site

    build = build_site(project, BUILD_DATE)
    assert not build.problems, f"the build of {project} has problems:\n{build.problems.report()}"
    base_path = build.site.config.site.base_path
    return dict(build.outputs.page_types), base_path


def build_with_cli(project: Path, output: Path) -> BuiltSite:
    """Build project into output with the real `python build.py`, as an editor would."""
    command = [sys.executable, "build.py", "--output", str(output), "--force", "--build-date", BUILD_DATE.isoformat()]
    if project.resolve() != REPO:
        command += ["--root", str(project)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"build.py exited {result.returncode}:\n{result.stdout}{result.stderr}"
    page_types, base_path = read_build(project)
    return BuiltSite(output, page_types, base_path)


def url_path(output_path: str) -> str:
    """The URL path an output file is served at: "a/b/index.html" -> "/a/b/"."""
    path = "/" + output_path
    return path[: -len("index.html")] if path.endswith("/index.html") else path


def page_label(url: str) -> str:
    """How failure messages name a page: its URL path."""
    return urlsplit(url).path


# -- serving -------------------------------------------------------------------------------


class StrictHandler(SimpleHTTPRequestHandler):
    """Static files under a base path (as in production), with a Content-Security-Policy
    header, the site's 404 page for every missing path, and no logging."""

    base_path = ""

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def translate_path(self, path: str) -> str:
        prefix = self.base_path + "/"
        if not path.startswith(prefix):
            return str(Path(self.directory) / ".outside-the-base-path")  # never exists: a 404
        return super().translate_path(path[len(self.base_path):])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        not_found = Path(self.directory) / "404.html"
        if code != 404 or not not_found.is_file():
            super().send_error(code, message, explain)
            return
        body = not_found.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a browser closing a connection early is not worth a traceback on stderr


@contextmanager
def serve(site: BuiltSite) -> Iterator[str]:
    """Serve a built site on 127.0.0.1 (a free port) in a thread, under its base path;
    yields the site's base URL, e.g. http://127.0.0.1:PORT/xxgk (no trailing slash)."""
    handler = type("Handler", (StrictHandler,), {"base_path": site.base_path})
    server = QuietServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site.root)))
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{site.base_path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# -- the browser ---------------------------------------------------------------------------

# Registered before any page script runs (init scripts are not subject to CSP), so
# violations during parsing are recorded too.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + (event.sourceFile ? ` at line ${event.lineNumber} of ${new URL(event.sourceFile, location.href).pathname}` : "")
    + (event.sample ? `: ${event.sample}` : ""));
});
"""


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1"


class Tab:
    """One browser context and page. Every request to a host other than 127.0.0.1 is
    aborted and recorded in off_host as (page URL, request URL)."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
        self.context.add_init_script(CSP_LISTENER)
        self.off_host: list[tuple[str, str]] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)

    def _route(self, route) -> None:
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            frame = route.request.frame
            self.off_host.append((frame.url if frame else "?", url))
            route.abort("blockedbyclient")

    def close(self) -> None:
        self.context.close()


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)


def fail_if_any(failures: list[str], what: str) -> None:
    """Fail the test listing every failure, one per line (no assert rewriting noise)."""
    if failures:
        pytest.fail(f"{len(failures)} {what}:\n" + "\n".join(failures), pytrace=False)
