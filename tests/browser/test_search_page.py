"""The site search (issue 10) as a citizen meets it in the browser, on the served example
portal under its Content-Security-Policy: the header's search box on every page, the
search page (/search/?q=…) with its status line, 文号 banner, results with marked
snippets, facets, pager and Back button; by keyboard; with a query that finds nothing
or holds HTML; axe-core in each state; high contrast and the reading settings' text
sizes; without JavaScript. And the test server's byte ranges, which the engine fetches
each snippet's passage with.

Every wait is for a condition (the status line saying what was found), never a pause."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from .checks import (
    axe_failures_as_shown,
    follow,
    load,
    measure,
    reflow_failures_as_shown,
    tab_through,
)
from .harness import DESKTOP, Tab, byte_range, fail_if_any, network, page_label, settle
from .test_reading_settings import contrast_failures, contrast_ratio, effective_background, over, rgba

SEED = "/policies/lzbf-2019-5/"  # 聊政办发〔2019〕5号, the example's real circular
SEED_WENHAO = "聊政办发〔2019〕5号"
WRITINGS = [  # one 文号, as people type it
    "聊政办发〔2019〕5号", "聊政办发[2019]5号", "聊政办发(2019)5号", "聊政办发（2019）5号", "聊政办发【2019】5号",
    "聊政办发2019年5号", "聊政办发 2019 5", "聊政办发〔2019〕第5号", "聊政办发〔２０１９〕５号", " 聊政办发〔2019〕5号 ",
]
PHRASES = {  # a phrase of the seed's text -> what its snippet marks
    "信用红黑名单": "信用“红黑名单",
    "信用“红黑名单”制度": "信用“红黑名单”制度",
    "环保信息强制性披露和环境行为信用评价制度": "环保信息强制性披露和环境行为信用评价制度",
}
MANY = "政府"  # more than one page of results in the example
NO_ANSWER = "信用红黑名单 火星"  # two words; only the first is in the site
HOSTILE = ["<img src=x onerror=alert(1)>", "\"><script>alert(1)</script>", "<b>粗体</b>&amp;", "'><svg onload=alert(1)>"]
FACETS = ".search-facets .facet"
PHONE = 375  # px
NARROW = 320  # px
MIN_TARGET = 44  # px
MIN_MARK_CONTRAST = 4.5  # WCAG 1.4.3 for the marked words
MAX_TABS = 120
LARGEST = "4"  # the reading settings' 特大 (200 %)

# The status line once the search has answered (not empty, not "正在搜索……").
ANSWERED = """() => {
  const status = document.querySelector('[data-search-status]');
  return !!status && status.textContent !== '' && !status.textContent.startsWith('正在');
}"""
# The results as the page shows them.
SHOWN = """() => ({
  status: document.querySelector('[data-search-status]').textContent,
  results: [...document.querySelectorAll('.search-results > li')].map(li => ({
    href: li.querySelector('h3 a').href, title: li.querySelector('h3 a').textContent,
    meta: li.querySelector('.result-meta').textContent, date: li.querySelector('.result-meta time').getAttribute('datetime'),
    marks: [...li.querySelectorAll('.snippet mark')].map(m => m.textContent)})),
  start: document.querySelector('.search-results').getAttribute('start'),
  banner: [...document.querySelectorAll('.search-banner')].map(b => ({
    text: b.textContent, links: [...b.querySelectorAll('a')].map(a => a.href)})),
  notes: [...document.querySelectorAll('.search-note')].map(n => ({
    text: n.textContent, links: [...n.querySelectorAll('a')].map(a => a.href)})),
  facets: [...document.querySelectorAll('.search-facets .facet')].map(f => ({
    label: f.querySelector('h3').textContent,
    values: [...f.querySelectorAll('a:not(.facet-clear)')].map(a => ({
      text: a.firstChild.textContent, count: a.querySelector('.count').textContent,
      href: a.href, current: a.getAttribute('aria-current')})),
    clear: [...f.querySelectorAll('a.facet-clear')].map(a => a.href)})),
  pager: [...document.querySelectorAll('[data-search-pager] a')].map(a => ({
    text: a.textContent, href: a.href, rel: a.rel, current: a.getAttribute('aria-current')})),
  pagerShown: !document.querySelector('[data-search-pager]').hidden,
  facetsShown: !document.querySelector('[data-search-facets]').hidden,
  csp: window.__cspViolations || [],
})"""


# -- the tab, watched --------------------------------------------------------------------------


class Watch:
    """Everything that goes wrong while a test drives the page: console errors, uncaught
    exceptions, dialogs (an alert() that ran), failed requests (harness.PageNetwork)."""

    def __init__(self, page):
        self.page = page
        self.failures: list[str] = []
        self.net = network(page)
        self.seen = len(self.net.failures)
        self.handlers = {"console": self._console, "pageerror": self._error, "dialog": self._dialog}
        for event, handler in self.handlers.items():
            page.on(event, handler)

    def _console(self, message) -> None:
        if message.type == "error":
            self.failures.append(f"{page_label(self.page.url)}: console error: {message.text}")

    def _error(self, error) -> None:
        self.failures.append(f"{page_label(self.page.url)}: uncaught exception: {error}")

    def _dialog(self, dialog) -> None:
        self.failures.append(f"{page_label(self.page.url)}: a {dialog.type} dialog opened: {dialog.message!r}")
        dialog.dismiss()

    def stop(self) -> list[str]:
        for event, handler in self.handlers.items():
            self.page.remove_listener(event, handler)
        return self.failures + [message for _, message in self.net.failures[self.seen:]]


@pytest.fixture
def tab(page):
    """The shared page, watched: the test fails on any console error, exception, dialog or
    failed request it caused."""
    watch = Watch(page)
    yield page
    fail_if_any(watch.stop(), "problem(s) in the browser while searching")


class _WithOptions:
    """A browser whose new_context adds options, so harness.Tab's routing and CSP listener
    are reused as they are."""

    def __init__(self, browser, options: dict):
        self._browser, self._options = browser, options

    def new_context(self, **kwargs):
        return self._browser.new_context(**{**kwargs, **self._options})


@pytest.fixture
def fresh_tab(browser):
    """fresh_tab(**context options) -> a watched page in a new context (its own storage)."""
    opened: list[tuple[Tab, Watch]] = []

    def open_(**options):
        new = Tab(_WithOptions(browser, options))
        opened.append((new, Watch(new.page)))
        return new.page

    yield open_
    failures = []
    for new, watch in opened:
        failures += watch.stop()
        failures += [f"request to another host from {where}: {url}" for where, url in new.off_host]
        new.close()
    fail_if_any(failures, "problem(s) in a fresh tab")


# -- helpers -------------------------------------------------------------------------------------


def search_url(site_url: str, /, **params) -> str:
    """The search page's address for q and filters (year=…, page=…), encoded as the form submits it."""
    query = {key: str(value) for key, value in params.items()}
    return f"{site_url}/search/" + (f"?{urlencode(query)}" if query else "")


def answered(page) -> dict:
    """Wait until the status line says what was found; what the page shows then."""
    page.wait_for_function(ANSWERED)
    shown = page.evaluate(SHOWN)
    assert not shown["csp"], f"{page_label(page.url)}: Content-Security-Policy violations: {shown['csp']}"
    return shown


# 更多筛选 opened and its facets counted (or its note that there is nothing to filter by).
COUNTED = """() => {
  const more = document.querySelector('.facet-more');
  const wait = more && more.querySelector('.facet-wait');
  return !!more && more.open && (!!more.querySelector('.facet') || (!!wait && !wait.textContent.startsWith('正在')));
}"""


def more_facets(page) -> dict:
    """Open 更多筛选 from the keyboard (focus its summary, Enter) and wait until its
    facets are counted; what the page shows then."""
    page.locator(".facet-more > summary").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(COUNTED)
    return page.evaluate(SHOWN)


def open_search(page, site_url: str, q: str | None = None, width: int = DESKTOP["width"], /, **params) -> dict:
    load(page, search_url(site_url, **({"q": q} if q is not None else {}), **params), width)
    return answered(page)


def path_of(url: str) -> str:
    return urlsplit(url).path


def params_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def total(shown: dict) -> int:
    """The number of results the status line gives (找到 N 条结果)."""
    status = shown["status"]
    assert status.startswith("找到 "), f"the status line does not say how many were found: {status!r}"
    return int(status.split()[1])


def facet(shown: dict, label: str) -> dict:
    found = [f for f in shown["facets"] if f["label"] == label]
    assert found, f"no facet “{label}” among {[f['label'] for f in shown['facets']]}"
    return found[0]


def count_of(value: dict) -> int:
    return int(value["count"].strip("（）() "))


def expect_seed_first(shown: dict, site_url: str, what: str) -> list[str]:
    seed = site_url + SEED
    hrefs = [r["href"] for r in shown["results"]]
    if not hrefs:
        return [f"{what}: no results; the status line says {shown['status']!r}"]
    if hrefs[0] != seed:
        return [f"{what}: rank 1 is {path_of(hrefs[0])}, not {SEED}; ranks: {[path_of(h) for h in hrefs[:5]]}"]
    return []


def focused_is(page, selector: str) -> bool:
    return page.evaluate("selector => !!document.activeElement && document.activeElement.matches(selector)", selector)


def tab_to_selector(page, selector: str) -> bool:
    """Press Tab until the focused element matches selector (at most MAX_TABS presses)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if focused_is(page, selector):
            return True
    return False


def box(page, selector: str) -> dict:
    return page.locator(selector).first.evaluate(
        "el => { const r = el.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top,"
        " bottom: r.bottom, width: r.width, height: r.height, shown: r.width > 0 && r.height > 0}; }")


def link_to(page, scope: str, href: str):
    """The link inside scope whose resolved href is href (a locator to click)."""
    index = page.evaluate("([scope, href]) => [...document.querySelectorAll(scope + ' a')].findIndex(a => a.href === href)",
                          [scope, href])
    assert index >= 0, f"{page_label(page.url)}: no link to {href} in {scope}"
    return page.locator(f"{scope} a").nth(index)


def choose_reading(page, *buttons: str) -> None:
    """Choose reading settings in the header's panel, as a reader does."""
    if not page.locator("#reading-panel").is_visible():
        page.locator("[data-reading-toggle]").click()
    for button in buttons:
        page.locator(f"[data-reading] {button}").click()
    page.mouse.move(0, 0)


# -- 1. the header's search box --------------------------------------------------------------------


def test_every_page_has_the_header_search_box_leading_to_the_search_page(example_site):
    """Every built page (the 404 page and the /wh/ forwarding pages too) has the header's
    search form: a labelled GET box named q whose action, resolved from that page, is the
    search page."""
    search = example_site.base_path + "/search/"
    failures = []
    for rel in example_site.html_paths:
        soup = BeautifulSoup((example_site.root / rel).read_text(encoding="utf-8"), "html.parser")
        form = soup.select_one("header form.site-search")
        if form is None:
            failures.append(f"{rel}: no form.site-search in the header")
            continue
        action = path_of(urljoin(f"http://h{example_site.base_path}/{rel}", form.get("action", "")))
        box_ = form.select_one("input[name=q]")
        label = box_ is not None and box_.get("id") and form.select_one(f"label[for='{box_['id']}']")
        problems = [
            f"its action leads to {action}, not {search}" if action != search else "",
            f"method {form.get('method')!r}, not get" if (form.get("method") or "get").lower() != "get" else "",
            "no role=search (the landmark)" if form.get("role") != "search" else "",
            "no input named q" if box_ is None else "",
            "its box has no <label>" if box_ is not None and not label else "",
            "no submit button" if form.select_one("button[type=submit], button:not([type])") is None else "",
        ]
        failures += [f"{rel}: the header search form: {problem}" for problem in problems if problem]
    fail_if_any(failures, "header search form failure(s)")


def test_typing_into_the_header_box_on_a_policy_page_shows_results(tab, site_url):
    load(tab, site_url + SEED)
    box_ = tab.locator("header .site-search input[name=q]")
    box_.click()
    tab.keyboard.type("信用红黑名单")
    follow(tab, lambda: tab.keyboard.press("Enter"))
    shown = answered(tab)
    failures = []
    if path_of(tab.url) != path_of(search_url(site_url)):
        failures.append(f"Enter in the header box went to {tab.url}, not the search page")
    if params_of(tab.url).get("q") != ["信用红黑名单"]:
        failures.append(f"the search page's address carries q={params_of(tab.url).get('q')}, not the words typed")
    failures += expect_seed_first(shown, site_url, "信用红黑名单 typed into the header box")
    if tab.locator("#search-q").input_value() != "信用红黑名单":
        failures.append(f"the search page's box shows {tab.locator('#search-q').input_value()!r}, not the query")
    fail_if_any(failures, "failure(s) searching from the header")


def test_the_header_box_fits_a_phone_on_its_own_line_and_a_desktop_beside_the_name(tab, site_url):
    """At 375 px the box sits on a line of its own below the site's name, inside the
    screen, wide enough to type in, with 44 px box and button; at 1280 px it shares the
    name's line, so the header grows no taller."""
    failures = []
    for width in (PHONE, DESKTOP["width"]):
        load(tab, site_url + SEED, width)
        where = f"{page_label(tab.url)} at {width} px"
        name, form = box(tab, ".site-name"), box(tab, ".site-search")
        field, button, reading = box(tab, ".site-search input"), box(tab, ".site-search button"), box(tab, ".reading")
        if not form["shown"]:
            failures.append(f"{where}: the header search box is not shown")
            continue
        if form["left"] < 0 or form["right"] > width:
            failures.append(f"{where}: the header search box runs off the screen (x {form['left']:.0f}–{form['right']:.0f})")
        for what, item in (("box", field), ("button", button)):
            if item["height"] < MIN_TARGET - 0.01 or item["width"] < MIN_TARGET - 0.01:
                failures.append(f"{where}: the header search {what} is {item['width']:.0f} × {item['height']:.0f} px, "
                                f"expected at least {MIN_TARGET} × {MIN_TARGET}")
        if tab.locator(".site-search input").evaluate("el => parseFloat(getComputedStyle(el).fontSize)") < 16:
            failures.append(f"{where}: the header search box's text is under 16 px (phones zoom in on it)")
        for other, label in ((name, "the site's name"), (reading, "the reading settings")):
            apart = form["bottom"] <= other["top"] + 0.5 or other["bottom"] <= form["top"] + 0.5 \
                or form["right"] <= other["left"] + 0.5 or other["right"] <= form["left"] + 0.5
            if not apart:
                failures.append(f"{where}: the header search box overlaps {label}")
        if width == PHONE:
            if form["top"] < name["bottom"] - 0.5:
                failures.append(f"{where}: the header search box is squeezed beside the site's name, not on its own line")
            if field["width"] < 0.6 * width:
                failures.append(f"{where}: the header search box is {field['width']:.0f} px wide, too narrow to type in")
        elif form["top"] >= name["bottom"] or name["top"] >= form["bottom"]:
            failures.append(f"{where}: the header search box is on a line of its own; at {width} px it fits beside the name")
    fail_if_any(failures, "header layout failure(s)")


def test_the_search_page_shows_one_search_box_its_own(tab, site_url):
    """Not the header's as well: two boxes for the same search, two search landmarks."""
    open_search(tab, site_url, MANY)
    shown = [form for form in tab.locator("form[role=search]").all() if form.is_visible()]
    assert len(shown) == 1 and shown[0].locator("#search-q").count() == 1, \
        f"{len(shown)} search forms shown on the search page, expected its own (#search-q) only"


# -- 2. a 文号, in every writing -----------------------------------------------------------------


@pytest.mark.parametrize("writing", WRITINGS)
def test_a_wenhao_in_any_writing_finds_its_circular_first_with_the_banner(tab, site_url, writing):
    shown = open_search(tab, site_url, writing)
    failures = expect_seed_first(shown, site_url, f"q={writing!r}")
    banners = shown["banner"]
    if len(banners) != 1:
        failures.append(f"q={writing!r}: {len(banners)} .search-banner, expected one “您要找的是否为 …”")
    else:
        banner = banners[0]
        if "您要找的是否为" not in banner["text"] or SEED_WENHAO not in banner["text"]:
            failures.append(f"q={writing!r}: the banner says {banner['text']!r}")
        if banner["links"] != [site_url + SEED]:
            failures.append(f"q={writing!r}: the banner links {banner['links']}, expected only {SEED}")
    fail_if_any(failures, "文号 search failure(s)")


def test_the_banner_link_opens_the_circular(tab, site_url):
    open_search(tab, site_url, "聊政办发【2019】5号")
    follow(tab, lambda: tab.locator(".search-banner a").first.click())
    assert path_of(tab.url) == path_of(site_url + SEED), f"the banner's link went to {tab.url}"


# -- 3. a phrase of the text, marked ---------------------------------------------------------------


@pytest.mark.parametrize("phrase", list(PHRASES))
def test_a_phrase_of_the_body_finds_the_circular_with_the_phrase_marked(tab, site_url, phrase):
    shown = open_search(tab, site_url, phrase)
    failures = expect_seed_first(shown, site_url, f"q={phrase!r}")
    if shown["results"] and PHRASES[phrase] not in shown["results"][0]["marks"]:
        failures.append(f"q={phrase!r}: the first result's snippet marks {shown['results'][0]['marks']}, "
                        f"expected <mark>{PHRASES[phrase]}</mark>")
    fail_if_any(failures, "phrase search failure(s)")


def test_snippets_are_fetched_as_byte_ranges(tab, site_url):
    """Each result's passage is one Range request answered 206, not the whole text file."""
    passages = []

    def finished(request) -> None:
        passages.append(request)

    tab.on("requestfinished", finished)
    try:
        open_search(tab, site_url, "信用红黑名单")
    finally:
        tab.remove_listener("requestfinished", finished)
    passages = [request for request in passages if "/search/t/" in request.url]
    assert passages, "the search page fetched no passage (/search/t/…)"
    failures = []
    for request in passages:
        response = request.response()
        asked = request.headers.get("range")
        if not asked or not asked.startswith("bytes="):
            failures.append(f"{request.url}: fetched without a Range header")
        elif response.status != 206 or not (response.headers.get("content-range") or "").startswith("bytes "):
            failures.append(f"{request.url}: {asked} answered {response.status}, "
                            f"Content-Range {response.headers.get('content-range')!r}")
    fail_if_any(failures, "passage fetch failure(s)")


# -- 4. facets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("label, key, value", [("年份", "year", "2019"), ("栏目", "column", "政策文件")])
def test_a_facet_narrows_the_results_and_clearing_it_goes_back(tab, site_url, label, key, value):
    before = open_search(tab, site_url, MANY)
    where = f"q={MANY} → {label} {value}"
    failures = []
    if key != "year":  # the year is counted at once; the others when 更多筛选 is opened
        if [f["label"] for f in before["facets"]] != ["年份"]:
            failures.append(f"{where}: before 更多筛选 is opened the page counts {[f['label'] for f in before['facets']]}")
        before = more_facets(tab)
    everything = total(before)
    chosen = [v for v in facet(before, label)["values"] if v["text"] == value]
    assert chosen, f"{where}: no value {value} under {label}: {facet(before, label)['values']}"
    expected = count_of(chosen[0])
    follow(tab, lambda: link_to(tab, FACETS, chosen[0]["href"]).click())
    after = answered(tab)
    if params_of(tab.url).get(key) != [value] or params_of(tab.url).get("q") != [MANY]:
        failures.append(f"{where}: the address is {tab.url}, expected q={MANY} and {key}={value}")
    if total(after) != expected or not expected < everything:
        failures.append(f"{where}: {total(after)} results, expected the facet's count {expected} (of {everything})")
    for result in after["results"]:
        holds = result["date"].startswith(value) if key == "year" else value in result["meta"]
        if not holds:
            failures.append(f"{where}: result {path_of(result['href'])} ({result['meta']}) is not {label} {value}")
    selected = facet(after, label)
    current = [v["text"] for v in selected["values"] if v["current"] == "true"]
    if current != [value]:
        failures.append(f"{where}: aria-current is on {current}, expected [{value!r}] only")
    if len(selected["clear"]) != 1:
        failures.append(f"{where}: {len(selected['clear'])} .facet-clear links under {label}, expected one")
    others = [f for f in after["facets"] if f["label"] != label]
    if others and sum(count_of(v) for v in others[0]["values"]) < 1:
        failures.append(f"{where}: the other facets count nothing")
    if not selected["clear"]:
        fail_if_any(failures, "facet failure(s)")
    follow(tab, lambda: tab.locator(f"{FACETS} a.facet-clear").first.click())
    cleared = answered(tab)
    if key in params_of(tab.url) or params_of(tab.url).get("q") != [MANY]:
        failures.append(f"{where} → clear: the address is {tab.url}, expected q={MANY} without {key}")
    if total(cleared) != everything:
        failures.append(f"{where} → clear: {total(cleared)} results, expected the {everything} from before")
    if any(v["current"] for f in cleared["facets"] for v in f["values"]):
        failures.append(f"{where} → clear: a facet value still has aria-current")
    fail_if_any(failures, "facet failure(s)")


# -- 5. pages and the Back button --------------------------------------------------------------------


def test_paging_through_results_and_back_restores_each_page(tab, site_url):
    first = open_search(tab, site_url, MANY)
    failures = []
    if not first["pagerShown"] or not any(link["rel"] == "next" for link in first["pager"]):
        fail_if_any([f"q={MANY}: {total(first)} results but no pager with 下一页: {first['pager']}"], "paging failure")
    follow(tab, lambda: tab.locator("[data-search-pager] a[rel=next]").click())
    second = answered(tab)
    if params_of(tab.url).get("page") != ["2"]:
        failures.append(f"下一页 went to {tab.url}, expected page=2")
    if "第 2 /" not in second["status"]:
        failures.append(f"page 2's status line says {second['status']!r}")
    if second["start"] != "11":
        failures.append(f"page 2's list starts at {second['start']!r}, expected 11 (ranks go on)")
    if [r["href"] for r in second["results"]] == [r["href"] for r in first["results"]]:
        failures.append("page 2 shows the same results as page 1")
    if [link["text"] for link in second["pager"] if link["current"] == "page"] != ["第 2 页"]:
        failures.append(f"page 2's pager marks {[link['text'] for link in second['pager'] if link['current']]} current")
    tab.go_back(wait_until="commit")
    back = answered(tab)
    settle(tab)
    if "page" in params_of(tab.url) or back["results"] != first["results"] or back["status"] != first["status"]:
        failures.append(f"Back: {tab.url} shows {back['status']!r}, {[path_of(r['href']) for r in back['results'][:3]]}; "
                        f"expected page 1 again: {first['status']!r}")
    tab.go_forward(wait_until="commit")
    again = answered(tab)
    settle(tab)
    if params_of(tab.url).get("page") != ["2"] or again["results"] != second["results"]:
        failures.append(f"Forward: {tab.url} shows {again['status']!r}, expected page 2 again")
    fail_if_any(failures, "paging failure(s)")


# -- 6. keyboard only, and what a screen reader is told ------------------------------------------------


def test_keyboard_only_search_results_facets_and_a_result(tab, site_url):
    """From the empty search page: Tab to the box, type, Enter; Tab from the box reaches the
    first result and then a facet value, each with a visible focus indicator; Enter on the
    facet applies it; Tab to the first result and Enter opens it."""
    load(tab, search_url(site_url))
    answered(tab)
    failures = []
    if not tab_to_selector(tab, "#search-q"):
        fail_if_any([f"{page_label(tab.url)}: Tab never reached the search box"], "keyboard failure")
    tab.keyboard.type(MANY)
    follow(tab, lambda: tab.keyboard.press("Enter"))
    shown = answered(tab)
    if params_of(tab.url).get("q") != [MANY]:
        failures.append(f"Enter in the search box went to {tab.url}")
    first_result = shown["results"][0]["href"]
    year = [v for v in facet(shown, "年份")["values"] if v["text"] == "2019"][0]["href"]
    tab.locator("#search-q").focus()
    found_failures, found = tab_through(tab, first_result)
    failures += found_failures
    if not found:
        fail_if_any(failures + ["Tab from the search box never reached the first result"], "keyboard failure(s)")
    found_failures, found = tab_through(tab, year)
    failures += found_failures
    if not found:
        fail_if_any(failures + ["Tab from the first result never reached the facet 年份 2019"], "keyboard failure(s)")
    follow(tab, lambda: tab.keyboard.press("Enter"))
    narrowed = answered(tab)
    if params_of(tab.url).get("year") != ["2019"]:
        failures.append(f"Enter on the facet 2019 went to {tab.url}")
    target = narrowed["results"][0]["href"]
    tab.locator("#search-q").focus()
    found_failures, found = tab_through(tab, target)
    failures += found_failures
    if not found:
        fail_if_any(failures + ["Tab from the search box never reached the first result (year 2019)"],
                    "keyboard failure(s)")
    follow(tab, lambda: tab.keyboard.press("Enter"))
    if tab.url != target:
        failures.append(f"Enter on the first result went to {tab.url}, not {target}")
    fail_if_any(failures, "keyboard failure(s)")


def test_the_status_line_is_one_polite_live_region_outside_the_results(tab, site_url):
    open_search(tab, site_url, MANY)
    status = tab.get_by_role("status")
    failures = []
    if status.count() != 1:
        failures.append(f"{status.count()} elements with role status, expected one")
    else:
        if status.get_attribute("aria-live") != "polite":
            failures.append(f"the status line's aria-live is {status.get_attribute('aria-live')!r}, not polite")
        if not status.is_visible() or not status.inner_text().startswith("找到"):
            failures.append(f"the status line is hidden or says {status.inner_text()!r}")
    inside = tab.evaluate("() => [...document.querySelectorAll('[aria-live], [role=status], [role=alert]')]"
                          ".filter(live => live.querySelector('.search-results, .search-facets, .pager')).length")
    if inside:
        failures.append("the results, facets or pager are inside a live region (each change would be read out whole)")
    fail_if_any(failures, "live region failure(s)")


# -- 7. nothing found, and a query holding HTML ---------------------------------------------------------


def test_a_query_with_no_answer_says_so_and_offers_the_words_that_do_answer(tab, site_url):
    shown = open_search(tab, site_url, NO_ANSWER)
    failures = []
    if not shown["status"].startswith("没有找到") or NO_ANSWER not in shown["status"]:
        failures.append(f"the status line says {shown['status']!r}, expected 没有找到 … {NO_ANSWER}")
    if shown["results"] or shown["pagerShown"] or shown["facetsShown"]:
        failures.append("with nothing found the page still shows results, a pager or facets")
    offers = [note for note in shown["notes"] if "您是不是要找" in note["text"]]
    if not offers or not any(params_of(link).get("q") == ["信用红黑名单"] for note in offers for link in note["links"]):
        failures.append(f"no suggestion to search 信用红黑名单 alone: {shown['notes']}")
        fail_if_any(failures, "no-answer failure(s)")
    follow(tab, lambda: tab.locator(".search-note a").first.click())
    failures += expect_seed_first(answered(tab), site_url, "the suggestion 信用红黑名单")
    shown = open_search(tab, site_url, "火星")
    if not shown["status"].startswith("没有找到") or shown["results"]:
        failures.append(f"q=火星: the status line says {shown['status']!r} with {len(shown['results'])} results")
    fail_if_any(failures, "no-answer failure(s)")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_query_holding_html_is_shown_as_text(tab, site_url, hostile):
    """The query is echoed as text in the status line and the boxes; no element is made
    from it, nothing runs, and the page's CSP sees no violation (answered() checks that)."""
    failures = []
    for params in ({"q": hostile}, {"q": MANY, "year": hostile}, {"q": MANY, "column": hostile}):
        load(tab, search_url(site_url, **params))
        shown = answered(tab)
        where = f"{page_label(tab.url)}"
        made = tab.evaluate("""() => [...document.querySelectorAll('main *')].filter(el =>
            ['IMG', 'SCRIPT', 'SVG', 'B', 'IFRAME'].includes(el.tagName.toUpperCase())
            || [...el.attributes].some(a => a.name.startsWith('on'))).map(el => el.outerHTML.slice(0, 80))""")
        if made:
            failures.append(f"{where}: the query made element(s) in the page: {made}")
        if params["q"] == hostile:
            if hostile not in shown["status"]:
                failures.append(f"{where}: the status line does not show the query as typed: {shown['status']!r}")
            if tab.locator("#search-q").input_value() != hostile:
                failures.append(f"{where}: the box shows {tab.locator('#search-q').input_value()!r}")
    fail_if_any(failures, "failure(s) with HTML in the query")


def test_a_filter_that_excludes_everything_does_not_say_no_page_holds_the_words(tab, site_url):
    """A stale or edited link (a year no document has): the status line blames the filter,
    not the words, and the filter can be cleared."""
    shown = open_search(tab, site_url, MANY, year=1900)
    failures = []
    if shown["results"]:
        failures.append(f"year=1900: {len(shown['results'])} results")
    if not facet(shown, "年份")["clear"]:
        failures.append("year=1900: no link clears the 年份 filter")
    if f"包含“{MANY}”" in shown["status"] or "筛选" not in shown["status"]:
        failures.append(f"year=1900: the status line says {shown['status']!r}, as if no page held {MANY}; "
                        f"{MANY} alone finds {total(open_search(tab, site_url, MANY))}")
    fail_if_any(failures, "status line failure(s)")


def test_a_shared_link_with_other_parameters_still_searches(tab, site_url):
    plain = open_search(tab, site_url, MANY)
    shared = open_search(tab, site_url, MANY, **{"from": "singlemessage", "isappinstalled": 0, "utm_source": "wx"})
    assert shared["status"] == plain["status"] and shared["results"] == plain["results"], (
        f"with from=singlemessage&isappinstalled=0&utm_source=wx the page says {shared['status']!r}, "
        f"without them {plain['status']!r}")


def test_the_page_title_names_the_query_and_the_page(tab, site_url):
    open_search(tab, site_url, MANY, page=2)
    title = tab.title()
    assert MANY in title and "2" in title.split("站内搜索")[0], f"page 2 of q={MANY} is titled {title!r}"


def test_a_wenhao_address_forwards_to_its_circular(tab, site_url):
    """/wh/代字/年/号/ (a 文号 as an address, to print or cite) lands on the document."""
    target = site_url + SEED
    tab.goto(f"{site_url}/wh/聊政办发/2019/5/", wait_until="commit")
    tab.wait_for_url(target, wait_until="load")
    settle(tab)
    assert tab.url == target


# -- 8. axe-core in each state --------------------------------------------------------------------


AXE_STATES = {
    "results": {"q": MANY},
    "results, page 2": {"q": MANY, "page": 2},
    "facet applied": {"q": MANY, "year": 2019},
    "two facets applied": {"q": MANY, "year": 2019, "column": "政策文件"},
    "文号 banner": {"q": SEED_WENHAO},
    "no results, a suggestion": {"q": NO_ANSWER},
    "no results": {"q": "火星"},
    "browsing, no query": {},
}


@pytest.mark.parametrize("state", list(AXE_STATES))
def test_axe_finds_nothing_on_the_search_page(tab, site_url, state):
    open_search(tab, site_url, **AXE_STATES[state])
    fail_if_any(axe_failures_as_shown(tab, f"{page_label(tab.url)} ({state})"), "axe-core violation(s)")


def test_axe_finds_nothing_with_more_filters_open(tab, site_url):
    open_search(tab, site_url, MANY)
    more_facets(tab)
    fail_if_any(axe_failures_as_shown(tab, f"{page_label(tab.url)} (更多筛选 open)"), "axe-core violation(s)")


def test_facet_chunks_load_only_when_more_filters_are_opened(fresh_tab, site_url):
    """A query downloads no facet chunk (search/c/); opening 更多筛选 does, and counts the
    other facets over the same results."""
    page = fresh_tab()
    chunks: list[str] = []
    page.on("request", lambda request: chunks.append(request.url) if "/search/c/" in request.url else None)
    shown = open_search(page, site_url, MANY)
    failures = []
    if chunks:
        failures.append(f"q={MANY}: the query fetched facet chunks {chunks} before 更多筛选 was opened")
    opened = more_facets(page)
    if not chunks:
        failures.append(f"q={MANY}: 更多筛选 counted its facets without fetching search/c/")
    labels = [f["label"] for f in opened["facets"]]
    if "栏目" not in labels:
        failures.append(f"q={MANY}: 更多筛选 shows {labels}, no 栏目")
    else:
        counted = sum(count_of(v) for v in facet(opened, "栏目")["values"])
        if counted != total(shown):
            failures.append(f"q={MANY}: 栏目's counts add up to {counted}, the results are {total(shown)}")
    fail_if_any(failures, "facet loading failure(s)")


# -- 9. high contrast, text sizes, narrow screens ----------------------------------------------------


def mark_contrast_failures(page, where: str) -> list[str]:
    failures = []
    marks = measure(page, "colours", "main mark")
    if not marks:
        return [f"{where}: no <mark> in the results to measure"]
    for info in marks:
        background = effective_background(info["backgrounds"])
        own = rgba(info["backgrounds"][0])
        text = over(rgba(info["colour"]), background)
        ratio = contrast_ratio(text, background)
        if own[3] == 0:
            failures.append(f"{where}: {info['selector']} “{info['text']}” has no background of its own")
        if ratio < MIN_MARK_CONTRAST:
            failures.append(f"{where}: {info['selector']} “{info['text']}” is {ratio:.2f}:1, "
                            f"expected at least {MIN_MARK_CONTRAST}:1")
    return failures


def test_marks_and_results_keep_their_contrast_in_high_contrast(fresh_tab, site_url):
    page = fresh_tab()
    failures = []
    open_search(page, site_url, MANY)
    failures += mark_contrast_failures(page, f"{page_label(page.url)} (default colours)")
    choose_reading(page, "[data-contrast-toggle]")
    where = f"{page_label(page.url)} (高对比度)"
    failures += mark_contrast_failures(page, where)
    failures += contrast_failures(page, where)
    if page.evaluate("() => document.documentElement.dataset.contrast") != "high":
        failures.append(f"{where}: choosing 高对比度 did not set data-contrast=high")
    open_search(page, site_url, MANY, year=2019)
    where = f"{page_label(page.url)} (高对比度, facet applied)"
    failures += mark_contrast_failures(page, where)
    failures += contrast_failures(page, where)
    failures += axe_failures_as_shown(page, where)
    fail_if_any(failures, "contrast failure(s)")


def test_the_search_page_reflows_at_every_text_size(fresh_tab, site_url):
    """At 320 px, and with 特大 text (200 %) at 320 and 1280 px: no sideways scrolling,
    nothing cut off, no text over other text in the header and the results."""
    page = fresh_tab()
    failures = []
    for size, width in (("1", NARROW), (LARGEST, NARROW), (LARGEST, DESKTOP["width"])):
        open_search(page, site_url, MANY, width, year=2019)
        if size != "1" and page.evaluate("() => document.documentElement.dataset.textSize") != size:
            choose_reading(page, f"[data-size='{size}']")
        where = f"{page_label(page.url)} at {width} px, text size {size}"
        failures += reflow_failures_as_shown(page, where, width)
        failures += [f"{where}: text cut off: {info['selector']} “{info['text']}”" for info in measure(page, "clipped")]
        failures += [f"{where}: text over other text: {info['first']} “{info['firstText']}” and {info['second']} "
                     f"“{info['secondText']}”" for info in measure(page, "overlaps", "header, main", 2)]
    fail_if_any(failures, "reflow failure(s)")


def test_search_page_text_is_16_px_and_targets_44_px_at_375(tab, site_url):
    """Every paragraph of the results (status, notes, meta lines, snippets) at least 16 px;
    result titles, facet values, the clear link, pager links and the buttons 44 × 44 px."""
    open_search(tab, site_url, MANY, PHONE, year=2019)
    failures = [f"{info['selector']} “{info['text']}” is {info['fontSize']:g} px, expected at least 16 px"
                for info in measure(tab, "textStyle", "main p:not(nav p)") if info["fontSize"] < 16 - 0.01]
    for info in measure(tab, "targets"):
        if info["inSentence"] or not info["selector"].startswith("main#main"):
            continue
        if info["exactWidth"] < MIN_TARGET - 0.01 or info["exactHeight"] < MIN_TARGET - 0.01:
            failures.append(f"{info['selector']} “{info['text']}” is {info['exactWidth']:.0f} × "
                            f"{info['exactHeight']:.0f} px")
    fail_if_any(failures, f"text under 16 px or touch target(s) under {MIN_TARGET} × {MIN_TARGET} px at {PHONE} px")


# -- 10. without JavaScript -----------------------------------------------------------------------------


def test_without_javascript_the_page_says_so_and_offers_links(fresh_tab, site_url):
    page = fresh_tab(java_script_enabled=False)
    load(page, site_url + SEED)
    page.locator("header .site-search input[name=q]").fill("政府")
    follow(page, lambda: page.locator("header .site-search button").click())
    failures = []
    if path_of(page.url) != path_of(search_url(site_url)):
        failures.append(f"the header search without JavaScript went to {page.url}")
    message = page.locator(".search-nojs")
    if not message.is_visible() or "JavaScript" not in message.inner_text():
        failures.append("the search page without JavaScript does not say it needs JavaScript")
    links = message.locator("a[href]")
    hrefs = [path_of(urljoin(page.url, links.nth(i).get_attribute("href"))) for i in range(links.count())]
    if path_of(site_url + "/policies/") not in hrefs:
        failures.append(f"the no-JavaScript message links {hrefs}, not the list of policies")
    if page.locator("[data-search-app]").is_visible():
        failures.append("the results area (for JavaScript) shows without JavaScript")
    if not page.locator("#search-q").is_visible():
        failures.append("the search page's own box is not shown without JavaScript")
    if links.count():
        follow(page, lambda: links.first.click())
        if path_of(page.url) != hrefs[0]:
            failures.append(f"the first link of the no-JavaScript message went to {page.url}")
    fail_if_any(failures, "no-JavaScript failure(s)")


# -- 11. the test server's byte ranges (as nginx answers them) --------------------------------------


@pytest.mark.parametrize("header, size, expected", [
    ("bytes=0-9", 100, (0, 10)),
    ("bytes=90-99", 100, (90, 100)),
    ("bytes=90-200", 100, (90, 100)),  # an end past the file is cut to it
    ("bytes=10-", 100, (10, 100)),
    ("bytes=-5", 100, (95, 100)),
    ("bytes=-500", 100, (0, 100)),
    ("bytes=0-0", 1, (0, 1)),
    (" bytes= 3 - 4 ", 100, (3, 5)),
    ("bytes=100-", 100, "unsatisfiable"),
    ("bytes=100-200", 100, "unsatisfiable"),
    ("bytes=-0", 100, "unsatisfiable"),
    ("bytes=9-3", 100, "unsatisfiable"),
    ("bytes=-", 100, "unsatisfiable"),
    ("bytes=a-b", 100, "unsatisfiable"),
    ("bytes=0-", 0, None),  # an empty file: sent whole (empty)
    ("bytes=0-1,5-6", 100, None),  # several ranges: the whole file
    ("items=0-9", 100, None),  # another unit: the header is ignored
])
def test_byte_range_reads_one_range_like_nginx(header, size, expected):
    assert byte_range(header, size) == expected


def fetch(url: str, method: str = "GET", **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own 127.0.0.1 server
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_test_server_answers_byte_ranges(example_site, site_url):
    name = "search/entry.json"
    whole = Path(example_site.root, name).read_bytes()
    url = f"{site_url}/{name}"
    size = len(whole)
    failures = []
    for header, status, content_range, body in (
        ("bytes=10-19", 206, f"bytes 10-19/{size}", whole[10:20]),
        ("bytes=10-", 206, f"bytes 10-{size - 1}/{size}", whole[10:]),
        ("bytes=-7", 206, f"bytes {size - 7}-{size - 1}/{size}", whole[-7:]),
        (f"bytes={size}-", 416, f"bytes */{size}", b""),
        ("bytes=0-1,4-5", 200, None, whole),
        (None, 200, None, whole),
    ):
        got_status, got_headers, got_body = fetch(url, **({"Range": header} if header else {}))
        where = f"GET {name} with Range {header!r}"
        if got_status != status or got_headers.get("Content-Range") != content_range or got_body != body:
            failures.append(f"{where}: {got_status}, Content-Range {got_headers.get('Content-Range')!r}, "
                            f"{len(got_body)} bytes; expected {status}, {content_range!r}, {len(body)} bytes")
        if got_headers.get("Content-Security-Policy") is None:
            failures.append(f"{where}: no Content-Security-Policy header")
        if status == 206 and int(got_headers.get("Content-Length", -1)) != len(body):
            failures.append(f"{where}: Content-Length {got_headers.get('Content-Length')}, expected {len(body)}")
    status, headers, body = fetch(url, method="HEAD", Range="bytes=0-4")
    if status != 206 or body or headers.get("Content-Length") != "5":
        failures.append(f"HEAD with Range bytes=0-4: {status}, Content-Length {headers.get('Content-Length')}, "
                        f"{len(body)} bytes of body")
    status, _, body = fetch(f"{site_url}/search/no-such-file.bin", Range="bytes=0-4")
    if status != 404:
        failures.append(f"a Range request for a missing file answered {status}, not 404")
    fail_if_any(failures, "byte range failure(s)")
