"""Reading settings (适老化): the 阅读设置 control in the header, used the way a reader
uses it (clicks and keys; nothing is written to localStorage by the tests), and what
each setting does: text up to 200 %, high contrast at 7:1, wider line spacing, kept from
page to page until 恢复默认; prefers-contrast and prefers-reduced-motion; axe-core and
reflow at 320 px with the settings on; the page without JavaScript; and the defaults
(body text 16 px with line height 1.5, touch targets 44 × 44 px at 375 px).

Every test opens its own browser context (its own localStorage), cut off from the
network like the shared tab, so no setting reaches the shared tab the other modules use;
the last test here checks that none did.
"""

from __future__ import annotations

import json
import re

import pytest

from .checks import NARROW, axe_failures_as_shown, follow, load, measure, reflow_failures_as_shown
from .harness import Tab, fail_if_any, html_page_types, is_local, page_label, require_tools, url_path

KEY = "gongkai-reading"  # where reading.js keeps the settings
SIZE_NAMES = {"1": "标准", "2": "大", "3": "较大", "4": "特大"}
LARGEST = "4"

# The control's parts, found by the hooks reading.js uses (names are checked separately,
# the way assistive technology sees them, in the semantics test).
CONTROL = "[data-reading]"
TOGGLE = "[data-reading-toggle]"
PANEL = "#reading-panel"
CONTRAST = "[data-contrast-toggle]"
SPACING = "[data-spacing-toggle]"
RESET = "[data-reading-reset]"


def size_button(size: str) -> str:
    return f"[data-size='{size}']"


MIN_CONTRAST = 7.0  # WCAG 1.4.6 (enhanced contrast)
MIN_FONT_SIZE = 16  # px
MIN_LEADING = 1.5  # line height / font size (WCAG 1.4.12's spacing)
WIDE_LEADING = 2.0  # line height / font size with 加大行距
MIN_TARGET = 44  # px, both ways (WCAG 2.5.5)
PHONE = 375  # px
EPSILON = 0.01  # px: sub-pixel rounding
MAX_TABS_TO_CONTROL = 10

# Body text: the paragraphs of main, not the pager's status line (a nav).
BODY_TEXT = "main p:not(nav p)"
# Text whose contrast is measured in high-contrast mode.
COLOURED = {"main paragraph text": "main p", "link in main": "main a[href]", "header nav link": ".site-nav a[href]"}
# What a reader sees of the palette: compared between modes, element and property.
PALETTE = {
    "body text": ("body", "color"), "page background": ("body", "backgroundColor"),
    "header background": (".site-header", "backgroundColor"), "nav link": (".site-nav a[href]", "color"),
    "link in main": ("main a[href]", "color"),
}
# The multi-page checks (axe, reflow, high contrast) visit one page of every page type the
# build has (harness.html_page_types), home first, so a new page type is covered by itself.
FIRST_PAGE_TYPE = "home"
# axe-core modes: what is chosen in the panel, how failures name it, the state it sets.
AXE_MODES = {
    "high-contrast": ((CONTRAST,), "高对比度", {"contrast": "high"}),
    "largest-text": ((size_button(LARGEST),), "特大 text", {"size": LARGEST}),
}

STATE_LABELS = {
    "size": "data-text-size on <html>", "contrast": "data-contrast on <html>", "spacing": "data-spacing on <html>",
    "sizesPressed": "字号 buttons with aria-pressed=true (data-size)", "contrastPressed": "高对比度 aria-pressed",
    "spacingPressed": "加大行距 aria-pressed", "rootFontSize": "computed font-size of <html> (px)",
    "expanded": "阅读设置 aria-expanded", "panel": "reading panel shown", "control": "reading control shown",
}


# -- tabs ------------------------------------------------------------------------------------


class _WithOptions:
    """A browser whose new_context adds options (contrast, reduced_motion,
    java_script_enabled, ...), so harness.Tab's routing and CSP listener are reused as is."""

    def __init__(self, browser, options: dict):
        self._browser, self._options = browser, options

    def new_context(self, **kwargs):
        return self._browser.new_context(**{**kwargs, **self._options})


@pytest.fixture
def open_tab(browser):
    """open_tab(**context options) -> a page in a new browser context: empty localStorage,
    every request to another host aborted and recorded (the test fails if any)."""
    tabs: list[Tab] = []

    def open_(**options):
        tab = Tab(_WithOptions(browser, options))
        tabs.append(tab)
        return tab.page

    yield open_
    off_host = [entry for tab in tabs for entry in tab.off_host]
    for tab in tabs:
        tab.close()
    if off_host:
        lines = "\n".join(f"  from {page}: {url}" for page, url in off_host)
        pytest.fail(f"requests to hosts other than 127.0.0.1 (blocked):\n{lines}", pytrace=False)


def checked_urls(example_site, site_url) -> list[str]:
    kinds = sorted(html_page_types(example_site.page_types), key=lambda kind: kind != FIRST_PAGE_TYPE)
    return [site_url + url_path(example_site.sample(kind)) for kind in kinds]


# -- the control -----------------------------------------------------------------------------


def state(page) -> dict:
    return measure(page, "readingState")


def stored(page) -> dict | None:
    raw = state(page)["stored"]
    try:
        return json.loads(raw) if raw is not None else None
    except ValueError:
        return {"(not JSON)": raw}


def open_panel(page) -> None:
    if not page.locator(PANEL).is_visible():
        page.locator(TOGGLE).click()


def choose(page, *hooks: str) -> None:
    """Click buttons of the reading panel (opening it first), as a reader does."""
    open_panel(page)
    for hook in hooks:
        page.locator(f"{CONTROL} {hook}").click()


def settle(page) -> None:
    """Nothing hovered or focused, so colours are the resting ones."""
    page.mouse.move(0, 0)
    page.evaluate("() => document.activeElement && document.activeElement.blur && document.activeElement.blur()")


def state_failures(page, where: str, **expected) -> list[str]:
    """Compare readingState() (measure.js) with expected values, key by key."""
    now = state(page)
    return [f"{where}: {STATE_LABELS.get(key, key)} is {now[key]!r}, expected {value!r}"
            for key, value in expected.items() if now[key] != value]


def stored_failures(page, where: str, expected: dict | None) -> list[str]:
    found = stored(page)
    return [] if found == expected else [f"{where}: localStorage {KEY!r} holds {found!r}, expected {expected!r}"]


def focused_matches(page, hook: str) -> bool:
    return page.evaluate("hook => !!document.activeElement && document.activeElement.matches(hook)", hook)


def focused_text(page) -> str:
    info = measure(page, "focused")
    return f"{info['selector']} “{info['text']}”" if info else "nothing"


def tab_to(page, hook: str) -> list[str]:
    """Press Tab until the element matching hook has focus; the elements passed on the way."""
    passed: list[str] = []
    for _ in range(MAX_TABS_TO_CONTROL):
        page.keyboard.press("Tab")
        if focused_matches(page, hook):
            return passed
        passed.append(focused_text(page))
    raise LookupError(passed)


def aria_view(page) -> str:
    """The reading control as assistive technology sees it (Playwright's ARIA snapshot)."""
    return "\n".join(f"    {line}" for line in page.locator(CONTROL).aria_snapshot().splitlines())


def role_failure(locator, count: int, where: str, what: str) -> list[str]:
    found = locator.count()
    return [] if found == count else [f"{where}: expected {count} {what}, found {found}"]


# -- colours ---------------------------------------------------------------------------------

RGB = re.compile(r"rgba?\((?P<channels>[^)]*)\)")


def rgba(colour: str) -> tuple[float, float, float, float]:
    """A computed CSS colour, rgb(r, g, b) or rgba(r, g, b, a), as four floats."""
    match = RGB.fullmatch(colour.strip())
    if not match:
        raise ValueError(f"not an rgb()/rgba() colour: {colour!r}")
    parts = [float(part) for part in re.split(r"[\s,/]+", match["channels"].strip()) if part]
    return parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else 1.0


def over(top: tuple, bottom: tuple) -> tuple[float, float, float, float]:
    """top painted over an opaque bottom."""
    alpha = top[3]
    return tuple(top[i] * alpha + bottom[i] * (1 - alpha) for i in range(3)) + (1.0,)


def effective_background(backgrounds: list[str]) -> tuple[float, float, float, float]:
    """The backgrounds from an element up to <html>, painted over the white canvas."""
    result = (255.0, 255.0, 255.0, 1.0)
    for colour in reversed(backgrounds):
        result = over(rgba(colour), result)
    return result


def relative_luminance(colour: tuple) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""
    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(channel) for channel in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: tuple, second: tuple) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def css(colour: tuple) -> str:
    return f"rgb({round(colour[0])}, {round(colour[1])}, {round(colour[2])})"


def contrast_failures(page, where: str) -> list[str]:
    """Main paragraph text, links in main and header nav links below 7:1 against their
    effective backgrounds; elements with the same colours are reported together."""
    failing: dict[tuple, list[dict]] = {}
    for what, scope in COLOURED.items():
        for info in measure(page, "colours", scope):
            background = effective_background(info["backgrounds"])
            text = over(rgba(info["colour"]), background)
            ratio = contrast_ratio(text, background)
            if ratio < MIN_CONTRAST:
                failing.setdefault((what, css(text), css(background), round(ratio, 2)), []).append(info)
    failures = []
    for (what, text, background, ratio), infos in failing.items():
        more = f" (and {len(infos) - 1} more)" if len(infos) > 1 else ""
        failures.append(f"{where}: {what} {infos[0]['selector']} “{infos[0]['text']}”{more} is {text} on "
                        f"{background}: {ratio:.2f}:1, expected at least {MIN_CONTRAST:g}:1")
    return failures


def palette(page) -> dict[str, str | None]:
    settle(page)
    return page.evaluate("""palette => Object.fromEntries(Object.entries(palette).map(([name, [scope, property]]) => {
        const el = document.querySelector(scope);
        return [name, el ? getComputedStyle(el)[property] : null];
    }))""", PALETTE)


def palette_failures(page, where: str, expected: dict, mode: str) -> list[str]:
    """Colours that differ from expected (entries whose element this page lacks are skipped)."""
    found = palette(page)
    return [f"{where}: {name} is {found[name]}, expected {colour} ({mode})"
            for name, colour in expected.items() if found[name] is not None and found[name] != colour]


def palette_references(open_tab, url: str) -> tuple[dict, dict]:
    """The palette a reader sees with no preference, then with 高对比度 chosen."""
    page = open_tab()
    load(page, url)
    default = palette(page)
    choose(page, CONTRAST)
    high = palette(page)
    assert default != high, f"{page_label(url)}: choosing 高对比度 changed no colour: {default}"
    return default, high


def media_matches(page, query: str) -> bool:
    return page.evaluate("query => window.matchMedia(query).matches", query)


# -- text ------------------------------------------------------------------------------------


def body_paragraph(page, where: str) -> tuple[int, dict]:
    """The longest paragraph of body text in main: its index and measurements."""
    paragraphs = measure(page, "textStyle", BODY_TEXT)
    assert paragraphs, f"{where}: no paragraph of body text ({BODY_TEXT}) to measure"
    index = max(range(len(paragraphs)), key=lambda i: paragraphs[i]["length"])
    return index, paragraphs[index]


def paragraph_again(page, index: int) -> dict:
    return measure(page, "textStyle", BODY_TEXT)[index]


# -- 1. the control on every page, by keyboard -------------------------------------------------


def test_reading_control_is_on_every_page_and_works_by_keyboard(open_tab, page_url):
    """Tab reaches 阅读设置; Enter opens the panel, Escape inside it closes it and puts
    focus back on the toggle; Space opens it again, and a size button works by keyboard."""
    page = open_tab()
    load(page, page_url)
    where = page_label(page_url)
    if not state(page)["control"]:
        pytest.fail(f"{where}: the reading control {CONTROL} is not shown (JavaScript is on)", pytrace=False)
    try:
        tab_to(page, TOGGLE)
    except LookupError as error:
        pytest.fail(f"{where}: keyboard: {MAX_TABS_TO_CONTROL} Tab presses never reached the 阅读设置 toggle; "
                    f"focus went to: {'; '.join(error.args[0])}", pytrace=False)
    failures: list[str] = []
    page.keyboard.press("Enter")
    failures += state_failures(page, f"{where}: after Enter on 阅读设置", expanded="true", panel=True)
    page.keyboard.press("Tab")
    if not page.evaluate("hook => !!document.activeElement.closest(hook)", PANEL):
        failures.append(f"{where}: keyboard: Tab after opening the panel went to {focused_text(page)}, "
                        f"not into the panel {PANEL}")
    page.keyboard.press("Escape")
    failures += state_failures(page, f"{where}: after Escape in the panel", expanded="false", panel=False)
    if not focused_matches(page, TOGGLE):
        failures.append(f"{where}: keyboard: Escape left focus on {focused_text(page)}, not on the 阅读设置 toggle")
    page.keyboard.press("Space")
    failures += state_failures(page, f"{where}: after Space on 阅读设置", expanded="true", panel=True)
    try:
        tab_to(page, size_button(LARGEST))
    except LookupError as error:
        failures.append(f"{where}: keyboard: Tab from 阅读设置 never reached 特大; focus went to: "
                        f"{'; '.join(error.args[0])}")
    else:
        page.keyboard.press("Enter")
        failures += state_failures(page, f"{where}: after Enter on 特大", size=LARGEST, sizesPressed=[LARGEST])
        page.keyboard.press("Escape")
        failures += state_failures(page, f"{where}: after Escape on 特大", expanded="false", panel=False)
        if not focused_matches(page, TOGGLE):
            failures.append(f"{where}: keyboard: Escape left focus on {focused_text(page)}, not on the 阅读设置 toggle")
    fail_if_any(failures, "keyboard failure(s) of the reading control")


# -- 2. what assistive technology is told ------------------------------------------------------


def test_reading_control_names_and_states_for_assistive_technology(open_tab, site_url):
    """Found by role and accessible name (Playwright's accessibility-aware locators, the
    names a screen reader announces): the 阅读设置 button with aria-expanded, the 字号
    group with exactly one pressed size, 高对比度 and 加大行距 pressed as the state is."""
    url = f"{site_url}/"
    page = open_tab()
    load(page, url)
    where = page_label(url)
    failures: list[str] = []
    tag = page.locator(TOGGLE).evaluate("el => el.localName")
    if tag != "button":
        failures.append(f"{where}: the 阅读设置 toggle is a <{tag}>, expected a <button>")

    def check_toggle(expanded: bool) -> None:
        state_name = f"aria-expanded={str(expanded).lower()}"
        failures.extend(role_failure(page.get_by_role("button", name="阅读设置", exact=True, expanded=expanded), 1,
                                     where, f"button named exactly 阅读设置 with {state_name}"))
        failures.extend(state_failures(page, where, expanded=str(expanded).lower()))

    def check_settings(size: str, contrast: bool, spacing: bool, after: str) -> None:
        here = f"{where}: {after}"
        group = page.get_by_role("group", name="字号", exact=True)
        failures.extend(role_failure(group, 1, here, "group named exactly 字号"))
        failures.extend(role_failure(group.get_by_role("button"), len(SIZE_NAMES), here, "buttons in the 字号 group"))
        failures.extend(role_failure(group.get_by_role("button", pressed=True), 1, here,
                                     "pressed button in the 字号 group"))
        for step, name in SIZE_NAMES.items():
            pressed = step == size
            failures.extend(role_failure(group.get_by_role("button", name=name, exact=True, pressed=pressed), 1, here,
                                         f"button named exactly {name} with aria-pressed={str(pressed).lower()} "
                                         "in the 字号 group"))
        for name, pressed in (("高对比度", contrast), ("加大行距", spacing)):
            failures.extend(role_failure(page.get_by_role("button", name=name, exact=True, pressed=pressed), 1, here,
                                         f"button named exactly {name} with aria-pressed={str(pressed).lower()}"))
        failures.extend(role_failure(page.get_by_role("button", name="恢复默认", exact=True), 1, here,
                                     "button named exactly 恢复默认"))

    check_toggle(expanded=False)
    page.locator(TOGGLE).click()
    check_toggle(expanded=True)
    check_settings("1", contrast=False, spacing=False, after="at first")
    choose(page, size_button(LARGEST))
    check_settings(LARGEST, contrast=False, spacing=False, after="after 特大")
    choose(page, size_button("2"), CONTRAST, SPACING)
    check_settings("2", contrast=True, spacing=True, after="after 大, 高对比度, 加大行距")
    choose(page, SPACING)
    check_settings("2", contrast=True, spacing=False, after="after 加大行距 again")
    choose(page, RESET)
    check_settings("1", contrast=False, spacing=False, after="after 恢复默认")
    if failures:
        failures.append(f"the reading control as assistive technology sees it now:\n{aria_view(page)}")
    fail_if_any(failures, "failure(s) in what assistive technology is told")


# -- 3. each setting applies -------------------------------------------------------------------


def test_text_size_steps_enlarge_body_text_up_to_200_percent(open_tab, example_site, site_url):
    url = site_url + url_path(example_site.sample("policy"))
    page = open_tab()
    load(page, url)
    where = page_label(url)
    index, paragraph = body_paragraph(page, where)
    sizes = {"1": paragraph["fontSize"]}
    failures: list[str] = []
    for step in ("2", "3", LARGEST):
        choose(page, size_button(step))
        failures += state_failures(page, f"{where}: after {SIZE_NAMES[step]}", size=step)
        sizes[step] = paragraph_again(page, index)["fontSize"]
    steps = list(sizes)
    for previous, step in zip(steps, steps[1:], strict=False):
        if not sizes[step] > sizes[previous]:
            failures.append(f"{where}: text size {SIZE_NAMES[step]} (step {step}): body text {paragraph['selector']} "
                            f"is {sizes[step]:g} px, expected more than {sizes[previous]:g} px "
                            f"({SIZE_NAMES[previous]}, step {previous})")
    if sizes[LARGEST] < 2 * sizes["1"] - EPSILON:
        failures.append(f"{where}: text size 特大: body text {paragraph['selector']} is {sizes[LARGEST]:g} px, "
                        f"expected at least {2 * sizes['1']:g} px (2 × the default {sizes['1']:g} px)")
    fail_if_any(failures, "text size failure(s)")


def test_high_contrast_gives_text_links_and_nav_7_to_1(open_tab, example_site, site_url):
    urls = checked_urls(example_site, site_url)
    page = open_tab()
    failures: list[str] = []
    for number, url in enumerate(urls):
        load(page, url)
        where = f"{page_label(url)} (高对比度)"
        if number == 0:
            choose(page, CONTRAST)
        failures += state_failures(page, where, contrast="high", contrastPressed="true")
        settle(page)
        failures += contrast_failures(page, where)
    fail_if_any(failures, "high-contrast failure(s)")


def test_wider_spacing_makes_line_height_at_least_twice_the_font_size(open_tab, example_site, site_url):
    url = site_url + url_path(example_site.sample("policy"))
    page = open_tab()
    load(page, url)
    where = page_label(url)
    index, before = body_paragraph(page, where)
    choose(page, SPACING)
    failures = state_failures(page, f"{where}: after 加大行距", spacing="wide", spacingPressed="true")
    after = paragraph_again(page, index)
    label = f"{where}: 加大行距: body text {after['selector']}"
    if after["lineHeight"] is None:
        failures.append(f"{label} has line-height normal, expected at least {WIDE_LEADING:g} × its font size")
    else:
        if before["lineHeight"] is not None and not after["lineHeight"] > before["lineHeight"]:
            failures.append(f"{label} has line-height {after['lineHeight']:g} px, expected more than "
                            f"{before['lineHeight']:g} px (the default)")
        if after["lineHeight"] < WIDE_LEADING * after["fontSize"] - EPSILON:
            failures.append(f"{label} has line-height {after['lineHeight']:g} px at font-size {after['fontSize']:g} px "
                            f"({after['lineHeight'] / after['fontSize']:.2f} ×), expected at least {WIDE_LEADING:g} ×")
    fail_if_any(failures, "line spacing failure(s)")


# -- 4. kept from page to page, and 恢复默认 ---------------------------------------------------


def test_settings_are_kept_on_other_pages_until_reset(open_tab, example_site, site_url):
    home = f"{site_url}/"
    policy = site_url + url_path(example_site.sample("policy"))
    page = open_tab()
    load(page, home)
    default_root = state(page)["rootFontSize"]
    default_palette = palette(page)
    choose(page, size_button("3"), CONTRAST, SPACING)
    chosen = {"size": "3", "contrast": "high", "spacing": "wide", "sizesPressed": ["3"],
              "contrastPressed": "true", "spacingPressed": "true", "rootFontSize": default_root * 1.5}
    failures = state_failures(page, f"{page_label(home)}: after 较大, 高对比度, 加大行距", **chosen)
    high_palette = palette(page)

    # Follow a link of the main navigation, as a reader would.
    link = page.locator(".site-nav a[href]:not([aria-current])").first
    follow(page, link.click)
    where = f"{page_label(page.url)} (followed from {page_label(home)})"
    failures += state_failures(page, where, **chosen)
    failures += palette_failures(page, where, high_palette, "as on the page where 高对比度 was chosen")

    load(page, policy)
    where = page_label(policy)
    failures += state_failures(page, where, **chosen)
    failures += palette_failures(page, where, high_palette, "as on the page where 高对比度 was chosen")

    choose(page, RESET)
    defaults = {"size": None, "contrast": None, "spacing": None, "sizesPressed": ["1"],
                "contrastPressed": "false", "spacingPressed": "false", "rootFontSize": default_root}
    failures += state_failures(page, f"{where}: after 恢复默认", **defaults)
    failures += stored_failures(page, f"{where}: after 恢复默认", {"size": "1", "contrast": "", "spacing": ""})
    load(page, home)
    where = f"{page_label(home)} (after 恢复默认 on {page_label(policy)})"
    failures += state_failures(page, where, **defaults)
    failures += palette_failures(page, where, default_palette, "the default palette")
    fail_if_any(failures, "failure(s) keeping or resetting the settings")


# -- 5. system preferences -------------------------------------------------------------------


def test_prefers_contrast_more_gives_high_contrast_until_switched_off(open_tab, site_url):
    url = f"{site_url}/"
    where = f"{page_label(url)} (prefers-contrast: more)"
    default, high = palette_references(open_tab, url)
    page = open_tab(contrast="more")
    load(page, url)
    assert media_matches(page, "(prefers-contrast: more)"), "the context's contrast='more' is not applied"
    failures = stored_failures(page, f"{where}, nothing chosen", None)
    failures += state_failures(page, f"{where}, nothing chosen", contrast=None, contrastPressed="true")
    failures += palette_failures(page, f"{where}, nothing chosen", high, "as with 高对比度 chosen")
    failures += contrast_failures(page, f"{where}, nothing chosen")
    choose(page, CONTRAST)
    after = f"{where}, 高对比度 switched off"
    failures += stored_failures(page, after, {"size": "1", "contrast": "normal", "spacing": ""})
    failures += state_failures(page, after, contrast="normal", contrastPressed="false")
    failures += palette_failures(page, after, default, "the default palette")
    load(page, url)
    after += ", page loaded again"
    failures += state_failures(page, after, contrast="normal", contrastPressed="false")
    failures += palette_failures(page, after, default, "the default palette")
    fail_if_any(failures, "prefers-contrast failure(s)")


def test_prefers_reduced_motion_leaves_nothing_animated(open_tab, site_url):
    url = f"{site_url}/"
    page = open_tab(reduced_motion="reduce")
    load(page, url)
    assert media_matches(page, "(prefers-reduced-motion: reduce)"), "the context's reduced_motion is not applied"
    failures: list[str] = []

    def check(moment: str) -> None:
        found = measure(page, "motion")
        where = f"{page_label(url)} (prefers-reduced-motion: reduce) {moment}"
        failures.extend(f"{where}: running animation {animation['name']} on {animation['target']}, expected none"
                        for animation in found["animations"])
        failures.extend(f"{where}: {info['selector']} “{info['text']}” has transition {info['transition']}, "
                        f"animation {info['animation']}; expected 0s" for info in found["moving"])
        if found["movingCount"] > len(found["moving"]):
            failures.append(f"{where}: … and {found['movingCount'] - len(found['moving'])} more elements that move")

    check("on load")
    page.locator(TOGGLE).click()
    page.locator(f"{CONTROL} {size_button('2')}").hover()
    check("with the panel open and a size button hovered")
    page.locator(f"{CONTROL} {size_button('2')}").click()
    page.locator(".site-nav a[href]").first.hover()
    check("after choosing 大, a nav link hovered")
    fail_if_any(failures, "reduced-motion failure(s)")


# -- 6. axe-core and reflow with the settings on -----------------------------------------------


@pytest.mark.parametrize("mode", AXE_MODES)
def test_axe_finds_no_violations_with_setting_on_and_panel_open(open_tab, example_site, site_url, mode):
    require_tools("axe")
    hooks, name, expected = AXE_MODES[mode]
    page = open_tab()
    failures: list[str] = []
    for number, url in enumerate(checked_urls(example_site, site_url)):
        load(page, url)
        if number == 0:
            choose(page, *hooks)
        else:
            open_panel(page)
        label = f"{page_label(url)} ({name}, panel open)"
        failures += state_failures(page, label, panel=True, **expected)
        settle(page)
        failures += axe_failures_as_shown(page, label)
    fail_if_any(failures, "axe-core violation(s)")


def test_largest_text_with_wide_spacing_reflows_at_320_px(open_tab, example_site, site_url):
    urls = checked_urls(example_site, site_url)
    page = open_tab()
    load(page, urls[0])
    choose(page, size_button(LARGEST), SPACING)
    failures: list[str] = []
    for url in urls:
        load(page, url, NARROW)
        label = f"{page_label(url)} (特大 text, 加大行距)"
        failures += state_failures(page, label, size=LARGEST, spacing="wide")
        failures += reflow_failures_as_shown(page, label, NARROW)
        open_panel(page)
        failures += reflow_failures_as_shown(page, f"{label} with the panel open", NARROW)
    fail_if_any(failures, "reflow failure(s)")


# -- 7. without JavaScript -------------------------------------------------------------------


def test_without_javascript_the_page_is_usable(open_tab, page_url):
    """The control stays hidden; main, navigation and footer show; every link of the main
    navigation is visible, nothing is drawn over it, and it leads to a page that loads;
    following one of them by a click works."""
    page = open_tab(java_script_enabled=False)
    load(page, page_url)
    where = f"{page_label(page_url)} (no JavaScript)"
    failures: list[str] = []
    if page.locator(CONTROL).is_visible():
        failures.append(f"{where}: the reading control {CONTROL} is shown, expected hidden (it needs JavaScript)")
    for what, selector in (("main content", "main#main"), ("main navigation", ".site-nav"),
                           ("footer", "footer.site-footer")):
        if not page.locator(selector).is_visible():
            failures.append(f"{where}: the {what} ({selector}) is not visible")
    if not page.get_by_role("navigation", name="主导航").get_by_role("link").count():
        failures.append(f"{where}: the main navigation (主导航) has no links")
    for link in measure(page, "hitTest", ".site-nav a"):
        name = f"main navigation link {link['selector']} “{link['text']}”"
        if not link["rendered"]:
            failures.append(f"{where}: {name} is not visible")
        elif not link["hit"]:
            failures.append(f"{where}: {name} cannot be clicked: {link['over'] or 'nothing'} is at its centre")
        status = page.request.get(link["href"]).status if is_local(link["href"]) else "another host"
        if status != 200:
            failures.append(f"{where}: {name} leads to {link['href'] or '(no href)'}, which answers {status}")
    other = page.locator(".site-nav a[href]:not([aria-current])").first
    if other.count():
        href = other.evaluate("a => a.href")
        follow(page, other.click)
        if page.url != href or not page.locator("main#main").is_visible():
            failures.append(f"{where}: following the main navigation link to {href} ended on {page.url} "
                            "without visible main content")
    fail_if_any(failures, "failure(s) without JavaScript")


def test_without_javascript_prefers_contrast_more_still_gives_high_contrast(open_tab, site_url):
    url = f"{site_url}/"
    _, high = palette_references(open_tab, url)
    page = open_tab(java_script_enabled=False, contrast="more")
    load(page, url)
    where = f"{page_label(url)} (no JavaScript, prefers-contrast: more)"
    failures = state_failures(page, where, contrast=None)
    failures += palette_failures(page, where, high, "as with 高对比度 chosen")
    failures += contrast_failures(page, where)
    fail_if_any(failures, "high-contrast failure(s) without JavaScript")


# -- 8. defaults -------------------------------------------------------------------------------


def test_defaults_body_text_and_touch_targets_at_375_px(open_tab, page_url):
    """Body text is at least 16 px with line height 1.5. Every link and button outside
    running text, with the reading panel open, is at least 44 × 44 px. Running text is
    exempt (WCAG 2.5.8's inline exception): links inside the document's own body
    (.document-body) and links in a paragraph that has text besides its links."""
    page = open_tab()
    load(page, page_url, PHONE)
    open_panel(page)
    settle(page)
    where = f"{page_label(page_url)} at {PHONE} px"
    failures = []
    for info in measure(page, "textStyle", BODY_TEXT):
        label = f"{where}: body text {info['selector']} “{info['text']}”"
        if info["fontSize"] < MIN_FONT_SIZE - EPSILON:
            failures.append(f"{label} is {info['fontSize']:g} px, expected at least {MIN_FONT_SIZE} px")
        if info["lineHeight"] is None or info["lineHeight"] < MIN_LEADING * info["fontSize"] - EPSILON:
            leading = "normal" if info["lineHeight"] is None else f"{info['lineHeight']:g} px"
            failures.append(f"{label} has line-height {leading} at {info['fontSize']:g} px, "
                            f"expected at least {MIN_LEADING:g} × the font size")
    for info in measure(page, "targets"):
        if info["inDocumentBody"] or info["inSentence"]:
            continue
        width, height = info["exactWidth"], info["exactHeight"]
        if width >= MIN_TARGET - EPSILON and height >= MIN_TARGET - EPSILON:
            continue
        why = " (tall enough: only its short text makes it narrow)" if height >= MIN_TARGET - EPSILON else ""
        failures.append(f"{where}: touch target {info['selector']} “{info['text']}” is {width:.1f} × {height:.1f} px"
                        f"{why}, expected at least {MIN_TARGET} × {MIN_TARGET} px")
    fail_if_any(failures, "failure(s) of the defaults")


# -- isolation -------------------------------------------------------------------------------


def test_shared_tab_never_sees_reading_settings(page, site_url):
    """Runs after the tests above (file order): none of their settings reached the shared
    tab the other modules use."""
    url = f"{site_url}/"
    load(page, url)
    failures = state_failures(page, f"{page_label(url)} in the shared tab", size=None, contrast=None, spacing=None)
    failures += stored_failures(page, f"{page_label(url)} in the shared tab", None)
    fail_if_any(failures, "reading setting(s) leaked into the shared tab")
