"""The 政府信息公开 pages (issue 9) beyond what every page type gets from the other modules
(axe, the Nu checker, reflow, focus, reading settings): the 主动公开基本目录 and the 台账 as
cards on a phone and as tables on a desktop, a real table for screen readers at both
widths; the catalog tree's levels and counts; the section navigation; the tab order on
a phone; the 台账's statuses; and the print layout of both tables (A4 across)."""

from __future__ import annotations

import json
import re

import pytest

from .checks import load, measure
from .harness import DESKTOP, fail_if_any, page_label, url_path
from .test_reading_settings import contrast_ratio, effective_background, over, rgba

PHONE = 375  # px
TABLE_PAGE_TYPES = ("catalog-table", "ledger")
TREE_PAGE_TYPES = ("catalog", "page-guide")
SECTION_NAV_PAGE_TYPES = ("catalog", "catalog-category", "catalog-table", "ledger", "page-guide")
CARDS = "main .card-table"  # the tables that are cards on a phone
SECTION_NAV = "nav.section-nav"
LINE = 2  # px: cells of one table row start this close to the same top
MIN_INDENT = 8  # px: a level of the tree starts at least this far right of the one above
MIN_COUNT_CONTRAST = 4.5  # WCAG 1.4.3 for the muted counts
MAX_SECTION_NAV_HEIGHT = 200  # px at 375 px: what the section navigation may take before the content
MAX_TABS = 150
A4_LANDSCAPE = (841.89, 595.28)  # pt
A4_LANDSCAPE_WIDTH = 1047  # CSS px inside the 10 mm margins of @page wide


def url_of(example_site, site_url, page_type: str) -> str:
    return site_url + url_path(example_site.sample(page_type))


def cards(page) -> list[dict]:
    return measure(page, "cardTables", "main .card-table")


def cell_name(cell: dict) -> str:
    return f"{cell['selector']} “{cell['text']}”"


# -- 1. the tables: cards on a phone, tables on a desktop ---------------------------------------


def needs_label(cell: dict) -> bool:
    """A data cell with a column name to show; the 台账's status shows its mark instead."""
    return cell["tag"] == "td" and bool(cell["label"]) and "ledger-status" not in cell["selector"]


def cell_failures(where: str, cell: dict) -> list[str]:
    """A body cell on a card: shown, its text inside its box and the viewport, its column's name."""
    name = cell_name(cell)
    if cell["hidden"]:
        return [f"{where}: {name} is not shown"]
    failures = []
    if not cell["textInBox"] or not cell["fits"]:
        failures.append(f"{where}: {name} is cut off: its text runs past its box (x {cell['left']}–{cell['right']} px)")
    if not cell["textInViewport"]:
        failures.append(f"{where}: {name} runs outside the {PHONE} px viewport (x {cell['left']}–{cell['right']} px)")
    if cell["display"] == "table-cell":
        failures.append(f"{where}: {name} is still a table cell (display: table-cell), not part of a card")
    if needs_label(cell) and not (cell["shownLabel"] or "").startswith(json.dumps(cell["label"], ensure_ascii=False)):
        failures.append(f"{where}: {name} does not show its column's name “{cell['label']}” "
                        f"(its ::before is {cell['shownLabel']!r})")
    return failures


def phone_failures(page, url: str) -> list[str]:
    load(page, url, PHONE)
    where = f"{page_label(url)} at {PHONE} px"
    found = cards(page)
    if not found:
        return [f"{where}: no table in {CARDS}"]
    failures = []
    for table in found:
        caption = table["caption"]
        if caption is not None and (caption["hidden"] or caption["left"] < 0 or caption["right"] > PHONE):
            failures.append(f"{where}: the caption “{caption['text']}” of {table['selector']} is not shown "
                            f"inside the viewport (x {caption['left']}–{caption['right']} px)")
        for cell in table["cells"]:
            if cell["header"]:
                if not cell["hidden"]:
                    failures.append(f"{where}: column header {cell_name(cell)} is shown above the cards")
                continue
            failures += cell_failures(where, cell)
    return failures


def desktop_failures(page, url: str) -> list[str]:
    load(page, url, DESKTOP["width"])
    where = f"{page_label(url)} at {DESKTOP['width']} px"
    failures = []
    for table in cards(page):
        header = [cell for cell in table["cells"] if cell["header"]]
        if not header or any(cell["hidden"] or cell["display"] != "table-cell" for cell in header):
            failures.append(f"{where}: the column headers of {table['selector']} are not shown as a table row")
        rows: dict[int, list[dict]] = {}
        for cell in table["cells"]:
            rows.setdefault(cell["row"], []).append(cell)
        for row in table["rows"]:
            if row["group"] or row["header"]:
                continue
            cells = rows.get(row["index"], [])
            lefts = [cell["left"] for cell in cells]
            side_by_side = (all(abs(cell["top"] - cells[0]["top"]) <= LINE for cell in cells)
                            and lefts == sorted(set(lefts)))
            if not side_by_side or any(cell["display"] != "table-cell" for cell in cells):
                shown = ", ".join(f"“{c['text']}” at ({c['left']}, {c['top']}) {c['display']}" for c in cells[:4])
                failures.append(f"{where}: row {row['index']} of {table['selector']} is not a table row with its "
                                f"cells side by side: {shown}")
            if row["cells"] != len(header):
                failures.append(f"{where}: row {row['index']} of {table['selector']} has {row['cells']} cells, "
                                f"the header {len(header)}")
            failures += [f"{where}: {cell_name(cell)} shows its column's name ({cell['shownLabel']}) in a table"
                         for cell in cells if cell["shownLabel"]]
    return failures


@pytest.mark.parametrize("kind", TABLE_PAGE_TYPES)
def test_tables_are_cards_on_a_phone_with_nothing_cut_off(page, example_site, site_url, kind):
    fail_if_any(phone_failures(page, url_of(example_site, site_url, kind)), "failure(s) of the cards at 375 px")


@pytest.mark.parametrize("kind", TABLE_PAGE_TYPES)
def test_tables_are_tables_on_a_desktop(page, example_site, site_url, kind):
    fail_if_any(desktop_failures(page, url_of(example_site, site_url, kind)), "failure(s) of the table at 1280 px")


# -- 2. a real table for screen readers -----------------------------------------------------------

AX_ROLES = ("row", "columnheader", "rowheader", "cell")
DOM_COUNTS = """scope => [...document.querySelectorAll(scope)].map(box => ({
  row: box.querySelectorAll('tr').length, columnheader: box.querySelectorAll('thead th').length,
  rowheader: box.querySelectorAll('tbody th').length, cell: box.querySelectorAll('td').length }))"""


def accessibility_tables(page) -> list[dict]:
    """Every table in Chromium's own accessibility tree (what screen readers get): its name
    and how many rows, column headers, row headers and cells it has."""
    session = page.context.new_cdp_session(page)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    by_id = {node["nodeId"]: node for node in nodes}

    def role(node) -> str:
        return "" if node.get("ignored") else node.get("role", {}).get("value", "")

    def count(node, counts: dict) -> dict:
        for child in (by_id[i] for i in node.get("childIds", []) if i in by_id):
            if role(child) == "table":
                continue  # a table inside is counted on its own
            if role(child) in counts:
                counts[role(child)] += 1
            count(child, counts)
        return counts

    return [{"name": node.get("name", {}).get("value", ""), **count(node, dict.fromkeys(AX_ROLES, 0))}
            for node in nodes if role(node) == "table"]


@pytest.mark.parametrize("width", (PHONE, DESKTOP["width"]))
@pytest.mark.parametrize("kind", TABLE_PAGE_TYPES)
def test_screen_readers_get_a_table_at_both_widths(page, example_site, site_url, kind, width):
    url = url_of(example_site, site_url, kind)
    load(page, url, width)
    where = f"{page_label(url)} at {width} px"
    expected = page.evaluate(DOM_COUNTS, CARDS)
    found = accessibility_tables(page)
    failures = []
    if len(found) != len(expected):
        failures.append(f"{where}: the accessibility tree has {len(found)} table(s), the page {len(expected)} "
                        f"({CARDS})")
    for number, (dom, ax) in enumerate(zip(expected, found, strict=False), start=1):
        if not ax["name"]:
            failures.append(f"{where}: table {number} has no accessible name")
        failures += [f"{where}: table {number} “{ax['name']}” has {ax[role]} {role}(s) for screen readers, "
                     f"the markup {dom[role]}" for role in AX_ROLES if ax[role] != dom[role]]
    fail_if_any(failures, "failure(s) of the table semantics")


# -- 3. the catalog tree ------------------------------------------------------------------------

TREE = """() => [...document.querySelectorAll('main ul.catalog-tree a')].map(a => {
  const parent = a.parentElement.parentElement.closest('li');
  const count = a.parentElement.querySelector(':scope > .count');
  const backgrounds = [];
  for (let node = count; node; node = node.parentElement) backgrounds.push(getComputedStyle(node).backgroundColor);
  return { text: a.textContent.trim(), left: a.getBoundingClientRect().left,
           parentLeft: parent ? parent.querySelector(':scope > a').getBoundingClientRect().left : null,
           parent: parent ? parent.querySelector(':scope > a').textContent.trim() : null,
           linkColour: getComputedStyle(a).color, count: count ? count.textContent.trim() : null,
           countColour: count ? getComputedStyle(count).color : null, backgrounds };
})"""


def tree_failures(page, url: str, width: int) -> list[str]:
    load(page, url, width)
    where = f"{page_label(url)} at {width} px"
    links = page.evaluate(TREE)
    if not links:
        return [f"{where}: no catalog tree (main ul.catalog-tree) with links"]
    failures = []
    for link in links:
        if link["parent"] is not None and link["left"] < link["parentLeft"] + MIN_INDENT:
            failures.append(f"{where}: “{link['text']}” starts at {link['left']:.0f} px, not indented from its "
                            f"parent “{link['parent']}” at {link['parentLeft']:.0f} px")
        if link["count"] is None:
            failures.append(f"{where}: “{link['text']}” has no count (.count) beside it")
            continue
        background = effective_background(link["backgrounds"])
        ratio = contrast_ratio(over(rgba(link["countColour"]), background), background)
        if ratio < MIN_COUNT_CONTRAST:
            failures.append(f"{where}: the count “{link['count']}” of “{link['text']}” is {link['countColour']}: "
                            f"{ratio:.2f}:1, expected at least {MIN_COUNT_CONTRAST}:1")
        if link["countColour"] == link["linkColour"]:
            failures.append(f"{where}: the count “{link['count']}” of “{link['text']}” has the link's colour, "
                            "expected a muted one")
    return failures


@pytest.mark.parametrize("width", (PHONE, DESKTOP["width"]))
@pytest.mark.parametrize("kind", TREE_PAGE_TYPES)
def test_the_catalog_tree_shows_levels_and_readable_counts(page, example_site, site_url, kind, width):
    fail_if_any(tree_failures(page, url_of(example_site, site_url, kind), width), "failure(s) of the catalog tree")


# -- 4. the section navigation ------------------------------------------------------------------

SECTION = """nav => {
  const el = document.querySelector(nav);
  if (!el) return null;
  const box = (node) => { const r = node.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, height: r.height }; };
  const title = el.querySelector('.section-nav-title');
  return { label: el.getAttribute('aria-label'), nav: box(el),
           title: title && title.getBoundingClientRect().height > 1 ? title.textContent.trim() : null,
           titleBox: title ? box(title) : null,
           links: [...el.querySelectorAll('a')].map(a => ({ text: a.textContent.trim(), current: a.getAttribute('aria-current'),
             background: getComputedStyle(a).backgroundColor, ...box(a) })),
           before: el.compareDocumentPosition(document.querySelector('main')) & Node.DOCUMENT_POSITION_FOLLOWING ? true : false,
           afterCrumbs: !!document.querySelector('nav.breadcrumbs') &&
             !!(document.querySelector('nav.breadcrumbs').compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) };
}"""


def section_nav_failures(page, url: str, width: int) -> list[str]:
    load(page, url, width)
    where = f"{page_label(url)} at {width} px"
    nav = page.evaluate(SECTION, SECTION_NAV)
    if nav is None:
        return [f"{where}: no section navigation ({SECTION_NAV})"]
    failures = []
    if not nav["title"] or nav["title"] != nav["label"]:
        failures.append(f"{where}: the section navigation shows no heading naming it (aria-label {nav['label']!r}, "
                        f"shown {nav['title']!r})")
    if not nav["afterCrumbs"] or not nav["before"]:
        failures.append(f"{where}: the section navigation is not between the breadcrumbs and main")
    current = [link for link in nav["links"] if link["current"]]
    if len(current) != 1:
        failures.append(f"{where}: {len(current)} links of the section navigation have aria-current, expected 1")
    elif any(link["background"] == current[0]["background"] for link in nav["links"] if not link["current"]):
        failures.append(f"{where}: the current column “{current[0]['text']}” looks like the others "
                        f"(background {current[0]['background']})")
    if width == PHONE and nav["nav"]["height"] > MAX_SECTION_NAV_HEIGHT:
        failures.append(f"{where}: the section navigation is {nav['nav']['height']:.0f} px tall, expected at most "
                        f"{MAX_SECTION_NAV_HEIGHT} px before the content")
    if width == DESKTOP["width"]:
        tops = {round(link["top"]) for link in nav["links"]}
        if len(tops) != 1 or abs(nav["titleBox"]["top"] + nav["titleBox"]["height"] / 2
                                 - (nav["links"][0]["top"] + nav["links"][0]["height"] / 2)) > nav["links"][0]["height"] / 2:
            failures.append(f"{where}: the section navigation is not one row (heading and chips): link tops {sorted(tops)}")
    return failures


@pytest.mark.parametrize("width", (PHONE, DESKTOP["width"]))
@pytest.mark.parametrize("kind", SECTION_NAV_PAGE_TYPES)
def test_the_section_navigation_is_a_compact_labelled_row(page, example_site, site_url, kind, width):
    fail_if_any(section_nav_failures(page, url_of(example_site, site_url, kind), width),
                "failure(s) of the section navigation")


# -- 5. the tab order on a phone ----------------------------------------------------------------


def tab_order_failures(page, url: str) -> list[str]:
    """Tab goes through the page in document order, and inside main (one column on a
    phone) from top to bottom; every stop is inside the viewport's width."""
    load(page, url, PHONE)
    where = f"{page_label(url)} at {PHONE} px"
    measure(page, "rememberUnfocused")
    failures: list[str] = []
    previous_index, previous_top = -1, None
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        info = measure(page, "focused")
        if info is None or info["index"] <= previous_index:
            return failures  # back at the start (or out of the page): every stop seen
        if info["index"] < 0:
            failures.append(f"{where}: Tab focused {info['selector']}, not one of the page's focusable elements")
            continue
        rect, name = info["rect"], f"{info['selector']} “{info['text']}”"
        if rect["left"] < -0.5 or rect["right"] > PHONE + 0.5:
            failures.append(f"{where}: {name} is focused outside the viewport (x {rect['left']:.0f}–{rect['right']:.0f} px)")
        in_main = page.evaluate("() => !!document.activeElement.closest('main')")
        top = rect["top"] + page.evaluate("() => window.scrollY")
        if in_main and previous_top is not None and top < previous_top - LINE:
            failures.append(f"{where}: Tab went up the page to {name} (at {top:.0f} px, the stop before at "
                            f"{previous_top:.0f} px)")
        previous_index, previous_top = info["index"], top if in_main else previous_top
    failures.append(f"{where}: {MAX_TABS} Tab presses did not go through the page")
    return failures


@pytest.mark.parametrize("kind", SECTION_NAV_PAGE_TYPES)
def test_tab_order_follows_the_page_on_a_phone(page, example_site, site_url, kind):
    fail_if_any(tab_order_failures(page, url_of(example_site, site_url, kind)), "tab order failure(s)")


# -- 6. the 台账's statuses -----------------------------------------------------------------------

STATUSES = """() => [...document.querySelectorAll('main .ledger-table tbody tr')].map(tr => {
  const mark = tr.querySelector('.ledger-status span');
  const before = mark ? getComputedStyle(mark, '::before') : null;
  const style = getComputedStyle(tr);
  const first = getComputedStyle(tr.firstElementChild);
  return { status: [...tr.classList].find(c => c.startsWith('ledger-')), text: mark ? mark.textContent.trim() : null,
           mark: before ? before.content : null, edge: parseFloat(style.borderLeftWidth),
           firstShadow: first.boxShadow, badge: mark ? getComputedStyle(mark).backgroundColor : null };
})"""
TRANSPARENT = ("rgba(0, 0, 0, 0)", "transparent")


def inset_width(shadow: str) -> float:
    """The x offset of an inset box-shadow (the edge drawn inside a cell), 0 without one;
    Chromium computes it as "rgb(r, g, b) Xpx Ypx blur spread inset"."""
    if "inset" not in (shadow or ""):
        return 0.0
    match = re.search(r"(-?[\d.]+)px", shadow.rsplit(")", 1)[-1])
    return float(match.group(1)) if match else 0.0


def status_failures(page, url: str, width: int) -> list[str]:
    load(page, url, width)
    where = f"{page_label(url)} at {width} px"
    rows = page.evaluate(STATUSES)
    if not rows:
        return [f"{where}: no 台账 rows (main .ledger-table tbody tr)"]
    failures = []
    marks: dict[str, set] = {}
    for row in rows:
        if not row["text"] or row["mark"] in (None, "none", "normal"):
            failures.append(f"{where}: a {row['status']} row shows no status mark beside its text ({row['text']!r})")
        marks.setdefault(row["status"], set()).add(row["mark"])
    for status, found in marks.items():
        if len(found) != 1 or any(found & other for name, other in marks.items() if name != status):
            failures.append(f"{where}: the mark of {status} is {sorted(map(str, found))}, not one of its own")
    edge = (lambda row: row["edge"]) if width == PHONE else (lambda row: inset_width(row["firstShadow"]))
    overdue = [row for row in rows if row["status"] == "ledger-overdue"]
    others = [row for row in rows if row["status"] != "ledger-overdue"]
    for row in overdue:
        if row["badge"] in TRANSPARENT:
            failures.append(f"{where}: an 已逾期 row's status “{row['text']}” is not filled")
        if others and edge(row) <= max(edge(other) for other in others):
            failures.append(f"{where}: an 已逾期 row's edge is {edge(row):g} px, not wider than every other "
                            f"status's ({max(edge(other) for other in others):g} px)")
    failures += [f"{where}: a {row['status']} row's status “{row['text']}” is filled like 已逾期"
                 for row in others if row["badge"] not in TRANSPARENT]
    return failures


@pytest.mark.parametrize("width", (PHONE, DESKTOP["width"]))
def test_ledger_statuses_have_marks_and_overdue_stands_out(page, example_site, site_url, width):
    fail_if_any(status_failures(page, url_of(example_site, site_url, "ledger"), width), "failure(s) of the statuses")


# -- 7. print ------------------------------------------------------------------------------------

PRINTED = """() => {
  const rule = [...document.styleSheets].flatMap(sheet => [...sheet.cssRules])
    .flatMap(rule => rule.cssRules ? [rule, ...rule.cssRules] : [rule])
    .find(rule => rule instanceof CSSPageRule && rule.selectorText === getComputedStyle(document.body).page);
  const shown = selector => [...document.querySelectorAll(selector)].filter(el => el.getClientRects().length).length;
  return { page: getComputedStyle(document.body).page, size: rule ? rule.style.size : null,
           rowsThatSplit: [...document.querySelectorAll('main .card-table tr')]
             .filter(tr => getComputedStyle(tr).breakInside !== 'avoid').length,
           headerRepeats: [...document.querySelectorAll('main .card-table thead')]
             .every(thead => getComputedStyle(thead).display === 'table-header-group'),
           navigation: shown('.site-nav, .breadcrumbs, .section-nav, .reading'),
           width: document.documentElement.scrollWidth };
}"""
MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]")


def print_failures(page, url: str) -> list[str]:
    where = f"{page_label(url)} (print)"
    load(page, url, A4_LANDSCAPE_WIDTH)
    page.emulate_media(media="print")
    try:
        printed = page.evaluate(PRINTED)
        failures = desktop_failures_as_printed(page, where)
    finally:
        page.emulate_media(media="null")  # no emulation: screen on screen, print for page.pdf
    if (printed["size"] or "").lower() != "a4 landscape":
        failures.append(f"{where}: printed on @page {printed['page']!r} of size {printed['size']!r}, "
                        "expected A4 landscape")
    if printed["rowsThatSplit"]:
        failures.append(f"{where}: {printed['rowsThatSplit']} table rows may split across pages (break-inside)")
    if not printed["headerRepeats"]:
        failures.append(f"{where}: the column headers do not repeat on every page (thead not table-header-group)")
    if printed["navigation"]:
        failures.append(f"{where}: {printed['navigation']} navigation element(s) printed")
    if printed["width"] > A4_LANDSCAPE_WIDTH:
        failures.append(f"{where}: the printed page is {printed['width']} px wide, the paper {A4_LANDSCAPE_WIDTH} px: "
                        "the table is cut off at the right")
    pdf = page.pdf(prefer_css_page_size=True)
    sizes = {tuple(round(float(n)) for n in box) for box in MEDIA_BOX.findall(pdf)}
    if sizes != {tuple(round(n) for n in A4_LANDSCAPE)}:
        failures.append(f"{where}: the PDF's pages are {sorted(sizes)} pt, expected A4 landscape "
                        f"{tuple(round(n) for n in A4_LANDSCAPE)}")
    return failures


def desktop_failures_as_printed(page, where: str) -> list[str]:
    """The tables print as tables: their body cells side by side, no card labels."""
    failures = []
    for table in cards(page):
        for cell in table["cells"]:
            if cell["display"] != "table-cell" or cell["shownLabel"]:
                failures.append(f"{where}: {cell_name(cell)} prints as part of a card ({cell['display']}), "
                                "not as a table cell")
                break
    return failures


@pytest.mark.parametrize("kind", TABLE_PAGE_TYPES)
def test_tables_print_on_a4_across_without_cutting_rows(page, example_site, site_url, kind):
    fail_if_any(print_failures(page, url_of(example_site, site_url, kind)), "print failure(s)")
