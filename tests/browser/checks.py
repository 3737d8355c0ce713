"""The checks, each a plain function returning human-readable failures (empty: passed).

Browser checks take (page, url) and name the page by its URL path; checks over the
built files take the output folder and name file:line. The real-site tests assert an
empty list; the planted-defect tests assert the list names the page and the rule.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

from .harness import (
    ACTION_TIMEOUT,
    AXE_JS,
    DESKTOP,
    MEASURE_JS,
    NAVIGATION_TIMEOUT,
    VNU_JAR,
    network,
    page_label,
    settle,
)

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
NARROW = 320  # WCAG 1.4.10: content reflows at 320 CSS px without scrolling sideways
TEXT_ZOOM = 2  # WCAG 1.4.4: text resized to 200 %
DEFAULT_FONT_SIZES = {"standard": 16, "fixed": 13}  # Chromium's defaults, in px
OVERLAP_TOLERANCE = 2  # px
MAX_TABS = 200
SHOWN_NODES = 3


# -- page helpers --------------------------------------------------------------------------


def load(page, url: str, width: int = DESKTOP["width"], height: int = DESKTOP["height"]):
    """Open url at a viewport width and wait until it has settled (its load event, its
    icon, nothing in flight); returns the response."""
    network(page)  # listening before the navigation starts
    page.set_viewport_size({"width": width, "height": height})
    response = page.goto(url, wait_until="load", timeout=NAVIGATION_TIMEOUT)
    settle(page)
    return response


def follow(page, action) -> None:
    """Do action (a click, a key) that navigates, and wait until the new page has settled."""
    network(page)
    with page.expect_navigation(wait_until="load", timeout=NAVIGATION_TIMEOUT):
        action()
    settle(page)


@functools.cache
def _script(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def measure(page, name: str, *args):
    """Call window.__measure[name](*args) from measure.js, loading it into the page first."""
    if not page.evaluate("typeof window.__measure === 'object'"):
        page.evaluate(_script(MEASURE_JS))
    return page.evaluate("([name, args]) => window.__measure[name](...args)", [name, list(args)])


def _element(info: dict) -> str:
    text = f" “{info['text']}”" if info.get("text") else ""
    return f"{info['selector']}{text} (x {info['left']}–{info['right']} px, {info['width']} px wide)"


# -- axe-core ------------------------------------------------------------------------------


def axe_failures(page, url: str) -> list[str]:
    """axe-core's WCAG 2.x A/AA and best-practice rules on one page, at desktop width."""
    load(page, url)
    return axe_failures_as_shown(page, page_label(url))


def axe_failures_as_shown(page, label: str) -> list[str]:
    """axe-core's rules on the page as it is now, without loading it again (say, with a
    reading setting chosen and its panel open); label names the page in the failures."""
    # page.evaluate is not subject to the page's CSP (add_script_tag would be blocked).
    page.evaluate(_script(AXE_JS))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS)
    return [_axe_message(label, violation) for violation in result["violations"]]


def _axe_message(label: str, violation: dict) -> str:
    nodes = violation["nodes"]
    lines = [f"{label}: axe {violation['id']} ({violation['impact']}): {violation['help']}"
             f" — {len(nodes)} element(s); see {violation['helpUrl']}"]
    for node in nodes[:SHOWN_NODES]:
        target = " ".join(json.dumps(t, ensure_ascii=False) if not isinstance(t, str) else t for t in node["target"])
        lines.append(f"    at {target}: {node['html'][:200]}")
        summary = [line.strip() for line in (node.get("failureSummary") or "").splitlines()[1:] if line.strip()]
        if summary:
            lines.append(f"      {summary[0]}")
    if len(nodes) > SHOWN_NODES:
        lines.append(f"    … and {len(nodes) - SHOWN_NODES} more")
    return "\n".join(lines)


# -- the Nu HTML checker -------------------------------------------------------------------


def nu_failures(site_dir: Path) -> list[str]:
    """The Nu HTML checker's errors over every HTML file under site_dir, as file:line."""
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--skip-non-html", str(site_dir)],
        capture_output=True, text=True, timeout=300,
    )
    output = result.stderr or result.stdout  # vnu writes its report to stderr
    start, end = output.find("{"), output.rfind("}")
    try:
        messages = json.loads(output[start:end + 1])["messages"]
    except (ValueError, KeyError):
        return [f"the Nu HTML checker gave no JSON report (exit {result.returncode}): {output[:1000]}"]
    root = Path(os.path.realpath(site_dir))
    failures = []
    for message in messages:
        if message.get("type") == "info":
            continue
        file = Path(os.path.normpath(unquote(urlsplit(message.get("url", "")).path)))
        where = file.relative_to(root).as_posix() if root in file.parents else str(file)
        line = message.get("lastLine", message.get("firstLine", "?"))
        extract = (message.get("extract") or "").replace("\n", " ").strip()
        failures.append(f"{where}:{line}: nu {message['type']}: {message['message']}"
                        + (f"\n    {extract}" if extract else ""))
    if result.returncode != 0 and not failures:
        failures.append(f"the Nu HTML checker exited {result.returncode} without messages: {output[:1000]}")
    return failures


# -- Content-Security-Policy: the built files ------------------------------------------------

# Attributes that make the browser fetch something, by element.
RESOURCE_ATTRIBUTES = {
    "script": ("src",), "link": ("href",), "img": ("src", "srcset"), "iframe": ("src",),
    "source": ("src", "srcset"), "video": ("src", "poster"), "audio": ("src",), "track": ("src",),
    "embed": ("src",), "object": ("data",),
}
# <link> relations that are only metadata, never fetched (a canonical address may name
# the production host).
METADATA_RELS = {"canonical", "alternate", "author", "license", "help", "search", "bookmark", "me"}
OTHER_HOST = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)


def static_csp_failures(site_dir: Path) -> list[str]:
    """What `default-src 'self'` would block or what loads from another host, in every
    built HTML file: inline scripts (JSON-LD data blocks are fine), style attributes and
    elements, on* handlers, and scripts/styles/images/frames from other hosts."""
    failures = []
    for path in sorted(site_dir.rglob("*.html")):
        rel = path.relative_to(site_dir).as_posix()
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for tag in soup.find_all(True):
            where = f"{rel}:{tag.sourceline}"
            failures += [f"{where}: {problem}" for problem in _tag_csp_problems(tag)]
    return failures


def _tag_csp_problems(tag) -> list[str]:
    problems = []
    if tag.name == "script" and not tag.get("src") and (tag.get("type") or "").strip().lower() != "application/ld+json":
        problems.append(f"inline-script: <script> without src (CSP blocks it): {tag.get_text()[:80]!r}")
    if tag.name == "style":
        problems.append("style-element: <style> element (CSP blocks it; put the rule in layouts/assets/site.css)")
    if tag.has_attr("style"):
        problems.append(f"style-attribute: style=\"{tag['style']}\" on <{tag.name}> (CSP blocks it)")
    problems += [f"event-handler-attribute: {name}=\"{tag[name]}\" on <{tag.name}> (CSP blocks it)"
                 for name in tag.attrs if name.lower().startswith("on")]
    rels = {rel.lower() for rel in tag.get("rel", [])} if tag.name == "link" else set()
    if rels and rels <= METADATA_RELS:
        return problems
    for name in RESOURCE_ATTRIBUTES.get(tag.name, ()):
        for url in _urls(name, tag.get(name) or ""):
            if OTHER_HOST.match(url):
                problems.append(f"external-resource: <{tag.name} {name}=\"{url}\"> loads from another host")
    return problems


def _urls(attribute: str, value: str) -> list[str]:
    if attribute == "srcset":
        return [candidate.split()[0] for candidate in value.split(",") if candidate.strip()]
    return [value] if value else []


# -- Content-Security-Policy and errors: in the browser ---------------------------------------


def console_failures(page, url: str) -> list[str]:
    """Load url with the CSP header active and report console errors, uncaught
    exceptions, CSP violations, requests to other hosts and resources that failed, each
    on the page that made it (see harness.PageNetwork: an abort caused by leaving a page
    is not a failure; a 404 is)."""
    label = page_label(url)
    failures: list[str] = []

    def on_console(message) -> None:
        if message.type == "error":
            failures.append(f"{label}: console-error: {message.text}")

    def on_page_error(error) -> None:
        failures.append(f"{label}: uncaught-exception: {error}")

    net = network(page)
    seen = len(net.failures)
    handlers = {"console": on_console, "pageerror": on_page_error}
    for event, handler in handlers.items():
        page.on(event, handler)
    try:
        load(page, url)
        # Let queued tasks (violation events, timers set during load) run, then collect.
        violations = page.evaluate("""() => new Promise(resolve => requestAnimationFrame(
            () => setTimeout(() => resolve(window.__cspViolations || []), 0)))""")
    finally:
        for event, handler in handlers.items():
            page.remove_listener(event, handler)
    failures += [message for _, message in net.failures[seen:]]
    failures += [f"{label}: csp-violation: {violation}" for violation in violations]
    return failures


# -- reflow and text size --------------------------------------------------------------------


def reflow_failures(page, url: str, width: int = NARROW) -> list[str]:
    """WCAG 1.4.10: at 320 CSS px nothing makes the page scroll sideways."""
    load(page, url, width)
    return reflow_failures_as_shown(page, page_label(url), width)


def reflow_failures_as_shown(page, label: str, width: int = NARROW) -> list[str]:
    """WCAG 1.4.10 on the page as it is now (already at `width`), without loading it
    again; label names the page in the failures."""
    size = measure(page, "pageWidth")
    if size["scrollWidth"] <= width:
        return []
    return [_too_wide(page, f"{label}: reflow (WCAG 1.4.10) at {width} px", size["scrollWidth"], width)]


def _too_wide(page, where: str, scroll_width: int, width: int) -> str:
    offenders = measure(page, "overflowing", width)
    listed = "".join(f"\n    {_element(info)}" for info in offenders) or \
        "\n    (no single element sticks out: look for content overflowing a box with overflow: visible)"
    return f"{where}: the page is {scroll_width} px wide and scrolls sideways; past the edge:{listed}"


def text_zoom_failures(page, url: str) -> list[str]:
    """WCAG 1.4.4: with the browser's text size at 200 % (Chromium's own default font
    size setting, which rem, em and em media queries follow), at 1280 and 320 px: no
    sideways scrolling at 1280 px, no text cut off, no text drawn over other text in the
    header, navigation and footer."""
    failures = []
    session = page.context.new_cdp_session(page)
    try:
        session.send("Page.setFontSizes", {"fontSizes": {k: v * TEXT_ZOOM for k, v in DEFAULT_FONT_SIZES.items()}})
        for width in (DESKTOP["width"], NARROW):
            load(page, url, width)
            where = f"{page_label(url)}: resize-text (WCAG 1.4.4) at 200 % text, {width} px"
            size = measure(page, "pageWidth")
            if width == DESKTOP["width"] and size["scrollWidth"] > width:
                failures.append(_too_wide(page, where, size["scrollWidth"], width))
            failures += [
                f"{where}: text cut off ({info['axis']}, overflow: {info['overflow']}): {info['selector']} "
                f"“{info['text']}” needs {info['content']} px, its box is {info['box']} px"
                for info in measure(page, "clipped")
            ]
            failures += [
                f"{where}: text overlaps other text: {info['first']} “{info['firstText']}” and "
                f"{info['second']} “{info['secondText']}”"
                for info in measure(page, "overlaps", "header, nav, footer", OVERLAP_TOLERANCE)
            ]
    finally:
        session.send("Page.setFontSizes", {"fontSizes": DEFAULT_FONT_SIZES})
        session.detach()
    return failures


# -- keyboard --------------------------------------------------------------------------------


def _px(value: str) -> float:
    match = re.match(r"[\d.]+", value or "")
    return float(match.group()) if match else 0.0


def _transparent(colour: str) -> bool:
    colour = (colour or "").replace(" ", "")
    return colour == "transparent" or colour.endswith(",0)") or colour.endswith("/0)")


def focus_indicator_problem(info: dict) -> str | None:
    """None when the focused element looks different in a visible way: an outline, a box
    shadow or a background it does not have unfocused."""
    now, before = info["focused"], info["unfocused"] or {}
    outline = (now["outlineStyle"] != "none" and _px(now["outlineWidth"]) > 0 and not _transparent(now["outlineColor"])
               and any(now[key] != before.get(key) for key in ("outlineStyle", "outlineWidth", "outlineColor")))
    shadow = now["boxShadow"] != "none" and now["boxShadow"] != before.get("boxShadow")
    background = now["backgroundColor"] != before.get("backgroundColor")
    if outline or shadow or background:
        return None
    return (f"no visible focus indicator: outline {now['outlineStyle']} {now['outlineWidth']} {now['outlineColor']}, "
            f"box-shadow {now['boxShadow']}, background {now['backgroundColor']} (same unfocused)")


def _focus_failure(label: str, info: dict) -> list[str]:
    problem = focus_indicator_problem(info)
    text = f" “{info['text']}”" if info["text"] else ""
    return [f"{label}: focus-visible (WCAG 2.4.7): {info['selector']}{text}: {problem}"] if problem else []


def skip_link_failures(page, url: str) -> list[str]:
    """The first Tab focuses a visible a.skip-link; Enter on it moves focus to main#main."""
    label = page_label(url)
    load(page, url)
    measure(page, "rememberUnfocused")
    page.keyboard.press("Tab")
    info = measure(page, "focused")
    if info is None or "skip-link" not in str(info["className"]).split():
        found = f"{info['selector']} “{info['text']}”" if info else "nothing"
        return [f"{label}: skip-link (WCAG 2.4.1): the first Tab focused {found}, not a.skip-link"]
    failures = _focus_failure(label, info)
    rect, view = info["rect"], info["viewport"]
    if not (rect["width"] > 0 and rect["height"] > 0 and rect["left"] >= 0 and rect["top"] >= 0
            and rect["right"] <= view["width"] and rect["bottom"] <= view["height"]):
        failures.append(f"{label}: skip-link (WCAG 2.4.7): focused skip link is not on screen: {rect} "
                        f"in a {view['width']}×{view['height']} viewport")
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.keyboard.press("Enter")
    try:
        page.wait_for_function("document.activeElement && document.activeElement.id === 'main'",
                               timeout=ACTION_TIMEOUT)
    except PlaywrightTimeout:
        active = page.evaluate("document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : 'nothing'")
        failures.append(f"{label}: skip-link (WCAG 2.4.1): Enter on the skip link left focus on {active}, not main#main")
    return failures


def tab_through(page, href_suffix: str | None = None, max_presses: int = MAX_TABS) -> tuple[list[str], bool]:
    """Press Tab until a link whose href ends with href_suffix has focus (or, without
    one, until focus comes back round to the first element), checking the focus
    indicator of everything focused on the way. Returns (failures, link found)."""
    label = page_label(page.url)
    measure(page, "rememberUnfocused")
    failures: list[str] = []
    seen: list[str] = []
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        info = measure(page, "focused")
        if info is None:
            continue  # focus left the page (browser UI); the next Tab comes back
        key = f"{info['index']}:{info['selector']}"
        if seen and key == seen[0]:
            if href_suffix:
                failures.append(f"{label}: keyboard: Tab went through all {len(seen)} focusable elements "
                                f"without reaching a link to …{href_suffix}")
            return failures, False
        seen.append(key)
        failures += _focus_failure(label, info)
        if href_suffix and info["href"].endswith(href_suffix):
            return failures, True
    target = f"a link to …{href_suffix}" if href_suffix else "the first focused element again"
    failures.append(f"{label}: keyboard: {max_presses} Tab presses never reached {target}")
    return failures, False


def focus_indicator_failures(page, url: str) -> list[str]:
    """WCAG 2.4.7: Tab through the whole page; everything focused shows it visibly."""
    load(page, url)
    return tab_through(page)[0]


def keyboard_journey_failures(page, start_url: str, steps: list[str], end_url: str) -> list[str]:
    """From start_url, reach each link in steps (href suffixes) with Tab, follow it with
    Enter, and end on end_url."""
    load(page, start_url)
    failures: list[str] = []
    for href_suffix in steps:
        found_failures, found = tab_through(page, href_suffix)
        failures += found_failures
        if not found:
            return failures + [f"{page_label(page.url)}: keyboard: the journey {' → '.join(steps)} stopped here"]
        follow(page, lambda: page.keyboard.press("Enter"))
    if page.url != end_url:
        failures.append(f"keyboard: the journey {' → '.join(steps)} ended on {page.url}, not {end_url}")
    return failures


# -- screenshots -----------------------------------------------------------------------------


def screenshot(page, url: str, width: int, path: Path) -> Path:
    load(page, url, width)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
