"""Stage 4c: site search. Once every page is rendered, the text each page marks with
data-index and what its type says about it (Searchable) become the index under
/search/, read in the browser by assets/search.js; the search page itself; and one
static address per 文号 (/wh/机关代字/年/号/) that forwards to its document.

Routes: /search/ (the search page, ?q=… and filters), /wh/AGENCY/YYYY/N/.
"""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from dataclasses import asdict, replace
from typing import TYPE_CHECKING

from .. import cache, urls
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

    settings = renderer.site.config.search
    found = _found(renderer, renderer.outputs.pages)
    pages, prepared = [], []
    with renderer.progress.stage("搜索索引：读取页面", len(found), "个页面") as step:
        for page, html in found:
            step.advance()
            pages.append(page)
            made = renderer.prepared.get(page.url)  # a worker's (parallel.py)
            prepared.append(made or _prepared(renderer, page, html, _pinyin if settings.pinyin else None))
    files = index.build(pages, prepared, list(settings.synonyms), renderer.progress)
    for path, data in sorted(files.items()):
        renderer.store(f"{ROOT}{path}", data, renderer.EVERYTHING, "search-index")
    context = renderer.context(ROOT, "站内搜索", "站内搜索", browse=renderer.nav_links()[1:],
                               meta=(("robots", "noindex, follow"),))
    renderer.emit(ROOT, "search.html", context, renderer.EVERYTHING, "search")
    _forwarders(renderer, pages)


def prepare_pages(renderer: SiteRenderer, pages: dict[str, bytes]) -> dict[str, index.Prepared]:
    """By URL, what the index takes from each searchable page among these (output path
    -> bytes): a worker's share of the search stage's reading."""
    pinyin = _pinyin if renderer.site.config.search.pinyin else None
    return {page.url: _prepared(renderer, page, html, pinyin) for page, html in _found(renderer, pages)}


def _found(renderer: SiteRenderer, pages: dict[str, bytes]) -> list[tuple[index.Page, bytes]]:
    """Each searchable record's Page and the bytes of its page, where there is one among
    pages (a record held back has none)."""
    site = renderer.site
    tags: dict[str, dict[str, str]] = defaultdict(dict)
    for kind in site.types:
        for url, facets in kind.search_tags(site).items():
            tags[url].update(facets)
    return [(_page(item, tags.get(item.url, {})), html) for kind in site.types for item in kind.searchable(site)
            if (html := pages.get(urls.output_path(item.url))) is not None]


def _prepared(renderer: SiteRenderer, page: index.Page, html: bytes, pinyin) -> index.Prepared:
    """What the index takes from the page: from the build cache while the page's bytes
    and what its type says of it are the same, else made from its text."""
    from .index import FORMAT, Prepared, prepare

    name = cache.key(FORMAT, hashlib.sha256(html).hexdigest(), page.title, page.number, page.agencies, page.card,
                     pinyin is not None)
    made = Prepared.of(renderer.cache.get("search-page", name))
    if made is None:
        made = prepare(replace(page, text=extract.page_text(html)), pinyin)
        renderer.cache.put("search-page", name, asdict(made))
    return made


def _page(item: Searchable, tags: dict[str, str]) -> index.Page:
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
        agencies=item.agencies, in_force=item.in_force, text="",  # the text: prepare() takes it from the page
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
