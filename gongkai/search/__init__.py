"""Stage 4c: site search. Once every page is rendered, the text each page marks with
data-index and what its type says about it (Searchable) become the index under
/search/, read in the browser by assets/search.js; the search page itself; and one
static address per 文号 (/wh/机关代字/年/号/) that forwards to its document.

Routes: /search/ (the search page, ?q=… and filters), /wh/AGENCY/YYYY/N/.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import TYPE_CHECKING

from .. import urls
from ..views import Link
from . import extract
from .wenhao import Wenhao, own, parse

if TYPE_CHECKING:
    from ..contenttype import Searchable
    from ..render import SiteRenderer
    from . import index

ROOT = "/search/"
WENHAO = "/wh/"


def wenhao_url(wenhao: Wenhao) -> str:
    return f"{WENHAO}{wenhao.agency}/{wenhao.year}/{wenhao.serial}/"


def emit(renderer: SiteRenderer) -> None:
    from . import index  # and numpy: loaded by the builds that index, not by every command

    site = renderer.site
    settings = site.config.search
    tags: dict[str, dict[str, str]] = defaultdict(dict)
    for kind in site.types:
        for url, facets in kind.search_tags(site).items():
            tags[url].update(facets)
    pages = []
    for kind in site.types:
        for item in kind.searchable(site):
            html = renderer.outputs.pages.get(urls.output_path(item.url))
            if html is not None:  # a record held back has no page to find
                pages.append(_page(item, extract.page_text(html), tags.get(item.url, {})))
    files = index.build(pages, list(settings.synonyms), _pinyin if settings.pinyin else None)
    for path, data in sorted(files.items()):
        renderer.store(f"{ROOT}{path}", data, renderer.EVERYTHING, "search-index")
    context = renderer.context(ROOT, "站内搜索", "站内搜索", browse=renderer.nav_links()[1:],
                               meta=(("robots", "noindex, follow"),))
    renderer.emit(ROOT, "search.html", context, renderer.EVERYTHING, "search")
    _forwarders(renderer, pages)


def _page(item: Searchable, text: str, tags: dict[str, str]) -> index.Page:
    facets = {
        "year": (str(item.date.year),), "column": (item.column,), "agency": item.agencies,
        "form": (item.form,), "topic": (item.topic,), "validity": (item.validity,),
        **{name: (value,) for name, value in tags.items()},
    }
    whole = parse(item.number) if item.number else None
    card = {"u": item.url, "t": item.title, "n": item.number or "", "a": "、".join(item.agencies),
            "d": item.date.isoformat(), "c": item.column, "v": item.validity, "f": int(item.in_force)}
    from .index import Page

    return Page(
        url=item.url, title=item.title, date=item.date.isoformat(), number=str(whole) if whole else (item.number or ""),
        agencies=item.agencies, in_force=item.in_force, text=text,
        facets={name: tuple(v for v in values if v) for name, values in facets.items()}, card=card,
    )


def _forwarders(renderer: SiteRenderer, pages: list[index.Page]) -> None:
    """/wh/机关代字/年/号/: a page that forwards to the document with that 文号 (a meta
    refresh, which the CSP allows), or lists them when several documents share it."""
    targets: dict[Wenhao, list[index.Page]] = defaultdict(list)
    for page in pages:
        for wenhao in own(page.number) if page.number else ():
            targets[wenhao].append(page)
    for wenhao, found in sorted(targets.items()):
        here = wenhao_url(wenhao)
        links = [Link(p.title, p.url, p.card["c"]) for p in sorted(found, key=lambda p: (p.date, p.url))]
        context = renderer.context(here, str(wenhao), "站内搜索", wenhao=str(wenhao), links=links,
                                   meta=(("robots", "noindex, follow"),))
        renderer.emit(here, "wenhao.html", context, renderer.EVERYTHING, "wenhao-forward" if len(links) == 1 else "wenhao-choice")


@functools.lru_cache(maxsize=4096)  # agencies repeat on every page of theirs
def _pinyin(text: str) -> tuple[str, str]:
    """Full pinyin and initials of a title or name (pypinyin's dictionary), as index text."""
    from pypinyin import lazy_pinyin

    from .normalize import normalise

    syllables = lazy_pinyin(text, errors="ignore")
    return normalise("".join(syllables)), normalise("".join(s[:1] for s in syllables))
