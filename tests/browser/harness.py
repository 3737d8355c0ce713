"""The parts the browser tests stand on: the tools they need, building a project with
the real command line, serving the output like a strict web server, and a browser tab
that cannot reach the network."""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import weakref
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

INSTALL = "python3 bootstrap.py --browser-tests  (as root; otherwise it prints the sudo command to run)"

# Keep Chromium off the network: no background services, and no host but the local
# server resolves (the EXCLUDEs keep 127.0.0.1 working).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]
DESKTOP = {"width": 1280, "height": 800}

# Generous but bounded, for a busy 2-core CI machine: a wait that runs out is a failure
# that names what did not happen, never a hang.
ACTION_TIMEOUT = 30_000  # ms: a click, a key, a DOM state to appear
NAVIGATION_TIMEOUT = 60_000  # ms: a page to reach its load event
SETTLE_TIMEOUT = 30_000  # ms: after load, the page's own requests to finish
ICON_TIMEOUT = 10_000  # ms: after load, Chromium to request the page's icon
POLL = 20  # ms: how often a settle check lets Playwright deliver the request events
ABORTED = "net::ERR_ABORTED"

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
        """Every HTML page but those that forward at once to another (see html_page_types)."""
        return sorted(path for path, kind in self.page_types.items() if path.endswith(".html") and not kind.endswith("-forward"))

    def sample(self, page_type: str) -> str:
        """The first output path (sorted) of a page type."""
        paths = [path for path in self.html_paths if self.page_types[path] == page_type]
        assert paths, f"the build has no page of type {page_type!r}; it has {sorted(set(self.page_types.values()))}"
        return paths[0]


def html_page_types(page_types: dict[str, str]) -> list[str]:
    """Every page type that has an HTML page, so a new page type is covered by itself;
    but not pages that forward at once to another (wenhao-forward: a meta refresh to the
    document, which is checked as its own type; test_search_page follows one)."""
    return sorted({kind for path, kind in page_types.items() if path.endswith(".html") and not kind.endswith("-forward")})


def read_build(project: Path) -> tuple[dict[str, str], str]:
    """The page types of project and its base path, from the build itself (nothing is written)."""
    from gongkai.build import build_site

    build = build_site(project, BUILD_DATE)
    assert not build.problems, f"the build of {project} has problems:\n{build.problems.report()}"
    base_path = build.site.config.site.base_path
    return dict(build.outputs.page_types), base_path


def build_with_cli(project: Path, output: Path) -> BuiltSite:
    """Build project into output with the real `python3 build.py`, as an editor would."""
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


# One byte range, as the search page asks for a passage: "bytes=a-b", "bytes=a-" or "bytes=-n".
BYTE_RANGE = re.compile(r"bytes=\s*(\d*)\s*-\s*(\d*)\s*")


def byte_range(header: str, size: int) -> tuple[int, int] | None | str:
    """The [start, end) a Range header asks of a file of size bytes, read as nginx reads it:
    None to send the whole file (not a "bytes=" header; several ranges, which nginx answers
    as multipart and this server does not; a range from 0 of an empty file); "unsatisfiable"
    (416) for a malformed range or one that starts at or past the end."""
    header = header.strip()
    if not header.startswith("bytes=") or "," in header:
        return None
    match = BYTE_RANGE.fullmatch(header)
    if not match or not (match[1] or match[2]):
        return "unsatisfiable"
    if not match[1]:  # the last n bytes
        start, end = max(0, size - int(match[2])), size
    else:
        start = int(match[1])
        end = min(int(match[2]) + 1, size) if match[2] else size
    if start < end:
        return start, end
    return None if start == 0 else "unsatisfiable"


class StrictHandler(SimpleHTTPRequestHandler):
    """Static files under a base path (as in production), with a Content-Security-Policy
    header, the site's 404 page for every missing path, single byte ranges answered 206
    with Content-Range (as nginx does; the search page fetches passages so), and no
    logging."""

    base_path = ""

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def send_head(self):
        path = self.translate_path(self.path)
        if "Range" not in self.headers or not os.path.isfile(path) or path.endswith("/"):
            return super().send_head()
        body = Path(path).read_bytes()
        wanted = byte_range(self.headers["Range"], len(body))
        if wanted is None:
            return super().send_head()
        if wanted == "unsatisfiable":
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(body)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        start, end = wanted
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(body)}")
        self.send_header("Content-Length", str(end - start))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Last-Modified", self.date_time_string(os.stat(path).st_mtime))
        self.end_headers()
        return io.BytesIO(body[start:end])

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
        self.page.set_default_timeout(ACTION_TIMEOUT)
        self.page.set_default_navigation_timeout(NAVIGATION_TIMEOUT)
        network(self.page)

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


# -- the page's requests, by document ---------------------------------------------------------

ICONS = "() => [...document.querySelectorAll('link[rel~=icon][href]')].map(link => link.href)"


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


class PageNetwork:
    """Every request of one page, attributed to the document (one load of a page) that
    issued it. Leaving a page makes Chromium cancel what the old document still loads
    (its icon, say) with net::ERR_ABORTED: that is not a failure of either page. Every
    other failure, and an abort while its page is current, is recorded against the page
    that made the request, in `failures` as (document number, message)."""

    def __init__(self, page):
        self.page = page
        self.document = 0  # the current main-frame document; +1 at every commit of a new one
        self.url = page.url
        self.labels = {0: page_label(page.url)}
        self.navigations: set = set()  # main-frame navigation requests not yet committed
        self.in_flight: dict = {}  # request -> document that issued it
        self.requested: set[tuple[int, str]] = set()  # (document, URL)
        self.failures: list[tuple[int, str]] = []
        self.icons_requested = True  # False once Chromium skipped an icon: don't wait for icons again
        for event, handler in (("request", self._request), ("requestfinished", self._finished),
                               ("requestfailed", self._failed), ("response", self._response),
                               ("framenavigated", self._navigated)):
            page.on(event, handler)

    @property
    def leaving(self) -> bool:
        """A navigation away from the current document has started."""
        return bool(self.navigations)

    def _main_navigation(self, request) -> bool:
        try:
            return request.is_navigation_request() and request.frame == self.page.main_frame
        except Exception:  # noqa: BLE001 - a service worker's request has no frame
            return False

    def _fail(self, document: int, message: str) -> None:
        self.failures.append((document, f"{self.labels.get(document, '?')}: {message}"))

    def _request(self, request) -> None:
        if self._main_navigation(request):
            self.navigations.add(request)
            return
        if request.redirected_from is not None:
            self.in_flight.pop(request.redirected_from, None)
        # Issued before the next document commits: it belongs to the one being left.
        self.in_flight[request] = self.document
        self.requested.add((self.document, request.url))
        if not is_local(request.url):
            self._fail(self.document, f"request-to-other-host (blocked): {request.url}")

    def _finished(self, request) -> None:
        self.in_flight.pop(request, None)

    def _response(self, response) -> None:
        request = response.request
        if response.status >= 400 and not self._main_navigation(request):
            document = self.in_flight.get(request, self.document)
            self._fail(document, f"failed-resource: {response.url} answered {response.status}")

    def _failed(self, request) -> None:
        if self._main_navigation(request):
            self.navigations.discard(request)  # superseded or failed: the page stays where it was
            return
        document = self.in_flight.pop(request, self.document)
        if not is_local(request.url):
            return  # blocked by the tab's route, recorded when it was requested
        if request.failure == ABORTED and (document != self.document or self.leaving):
            return  # cancelled because we left its page
        self._fail(document, f"failed-resource: {request.url} ({request.failure})")

    def _navigated(self, frame) -> None:
        if frame != self.page.main_frame:
            return
        new_document = self.navigations or _without_fragment(frame.url) != _without_fragment(self.url)
        self.url = frame.url
        if new_document:  # not a same-document navigation (a #fragment)
            self.navigations.clear()
            self.document += 1
            self.labels[self.document] = page_label(frame.url)

    def pending(self, icons: list[str]) -> list[str]:
        """What the current document still loads: requests in flight, icons not yet requested."""
        loading = [request.url for request, document in self.in_flight.items() if document == self.document]
        if self.icons_requested:
            loading += [f"{icon} (not requested yet)" for icon in icons if (self.document, icon) not in self.requested]
        return loading


_networks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def network(page) -> PageNetwork:
    """The page's PageNetwork, listening from the first call on."""
    if page not in _networks:
        _networks[page] = PageNetwork(page)
    return _networks[page]


def settle(page) -> None:
    """After the load event: wait until Chromium has requested the page's icons (it does
    so after load) and nothing the page requested is in flight, so the next navigation
    cancels nothing and every request has been seen to succeed or fail."""
    net = network(page)
    icons = page.evaluate(ICONS)
    start = time.monotonic()
    while loading := net.pending(icons):
        waited = (time.monotonic() - start) * 1000
        if net.icons_requested and waited > ICON_TIMEOUT and all(item.endswith("(not requested yet)")
                                                                 for item in loading):
            net.icons_requested = False  # this Chromium does not fetch icons here; stop waiting for them
            continue
        if waited > SETTLE_TIMEOUT:
            raise AssertionError(f"{page_label(page.url)}: still loading {SETTLE_TIMEOUT // 1000} s after its load "
                                 "event: " + ", ".join(loading))
        page.wait_for_timeout(POLL)  # not a guess at a duration: events are delivered while Playwright waits


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)


def fail_if_any(failures: list[str], what: str) -> None:
    """Fail the test listing every failure, one per line (no assert rewriting noise)."""
    if failures:
        pytest.fail(f"{len(failures)} {what}:\n" + "\n".join(failures), pytrace=False)
