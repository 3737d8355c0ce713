"""Stage 4b: render the linked site model through the Jinja layouts.

Every page is a pure function of the site model and its own record, and knows which
sources it read (Output.sources), which is what incremental builds will need. The
renderer draws the site-wide pages (home, lists, 404, sitemap, feed, robots, assets)
from what the content types contribute, and lends each type the means to emit its own
pages (context, emit, body, copy); it names no content type. With jobs > 1 the pass of
pages() is shared by worker processes (parallel.py), through body() and emit().
"""

from __future__ import annotations

import hashlib
import itertools
import json
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import rjsmin
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound
from markupsafe import Markup

from . import parallel, search, urls, views
from .cache import Cache
from .contenttype import Listing, MapSection
from .diagnostics import Problems
from .markup import MarkdownRenderer
from .progress import QUIET, Progress, Step
from .records import DataTable
from .site import Site
from .source import relpath

ASSETS_DIR = "assets"
EVERYTHING = ("*",)  # a page that lists or counts across the whole site


@dataclass
class Outputs:
    """Everything a build writes: rendered files and files copied as they are."""

    pages: dict[str, bytes] = field(default_factory=dict)  # output path -> bytes
    copies: dict[str, Path] = field(default_factory=dict)  # output path -> source file
    # output path -> the content files it read, beyond what every page reads (config,
    # layouts, the page titles in the footer); ("*",) when it summarises the whole site.
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # output path -> page type ("policy", "policy-not-in-force", "listing-later-page", ...),
    # so checks can visit one page of every type without keeping their own list.
    page_types: dict[str, str] = field(default_factory=dict)
    held: set[Path] = field(default_factory=set)  # content files held back on purpose (an issue not yet out)
    linked: dict[str, tuple[str, ...]] = field(default_factory=dict)  # page URL -> URLs of the files its body links

    def __len__(self) -> int:
        return len(self.pages) + len(self.copies)


class SiteRenderer:
    EVERYTHING = EVERYTHING

    def __init__(self, site: Site, project_dir: Path, problems: Problems, cache: Cache | None = None,
                 progress: Progress = QUIET, jobs: int = 1):
        self.site = site
        self.progress = progress
        self.jobs = jobs
        self._step = Step()  # the page stage's, while it runs
        # While pages() runs on several cores: a worker's Share, or the parent's Replay.
        self.share: parallel.Share | parallel.Replay | None = None
        self._places = itertools.count()  # each body's and page's place in that pass
        self.prepared: dict = {}  # page URL -> what the search index takes from it, read by a worker
        # What serve's quick path (preview.py) needs to know of this build: the URLs of
        # the pages that showed each record's body, and of the pages whose bytes some
        # other output took in (a digest in a manifest).
        self.shown: dict[str, set[str]] = {}
        self.digested: set[str] = set()
        self.searched: set[str] = set()
        self.config = site.config
        self.project_dir = project_dir
        self.layouts_dir = project_dir / "layouts"
        self.problems = problems
        self.outputs = Outputs()
        self.env = Environment(
            loader=FileSystemLoader(self.layouts_dir), autoescape=True, undefined=StrictUndefined,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        )
        self.env.filters["cn_date"] = views.cn_date
        self.pagination = {listing.key: views.paginate(listing, self.config.page_size) for listing in site.listings}
        self.cache = cache or Cache(None)
        self.markdown = MarkdownRenderer(site, project_dir / "content", project_dir, site.known, self._table_html,
                                         self.cache)
        self._nav_items = [views.Link("首页", urls.HOME), *(link for t in site.types for link in t.nav(site))]
        self._footer = [link for t in site.types for link in t.footer(site)]
        self._sections = [section for t in site.types for section in t.sections(site)]
        self._families: dict[str, list[Listing]] = {}  # family -> its listings, made once (a catalog has hundreds)
        for listing in site.listings:
            self._families.setdefault(listing.family, []).append(listing)
        self._list_pages: list[tuple[str, date | None]] = []  # (URL, newest entry) of every list page

    # -- the whole site ----------------------------------------------------------------

    def render(self) -> Outputs:
        replay = parallel.run(self, self.jobs) if self.jobs > 1 else None
        with self.progress.stage("生成页面", None, "个页面") as self._step:
            self.share = replay
            self.pages()
            self.share = None
            for kind in self.site.types:
                kind.after_pages(self.site, self)
        self._step = Step()
        before = set(self.outputs.pages)
        search.emit(self)
        self.searched = set(self.outputs.pages) - before  # what serve makes again after edits (preview.py)
        self._machine_files()
        self._assets()
        return self.outputs

    def pages(self) -> None:
        """The pass the workers share (parallel.py): the home page, every type's pages,
        the lists, the 404 page."""
        self._places = itertools.count()
        if self.wanted(urls.HOME):
            self._home()
        for kind in self.site.types:
            kind.render(self.site, self)
        for listing in self.site.listings:
            self._listing(listing)
        if self.wanted(urls.NOT_FOUND):
            self.emit(urls.NOT_FOUND, "404.html", self.context(None, "页面未找到", "页面未找到"), (), "not-found")

    # -- what content types use to emit their pages ------------------------------------------

    def emit(self, url: str, template: str, context: dict, sources: tuple[str, ...], page_type: str = "") -> None:
        data = self._shared(url, "page", lambda: self.render_page(template, context))
        self._step.advance()
        if data is not None and not isinstance(self.share, parallel.Share):  # a worker sends its pages back
            self.store(url, data, sources, page_type or template.rsplit(".", 1)[0])

    def wanted(self, url: str) -> bool:
        """Whether this pass makes the page at url: False only in serve's pass after an
        edit (parallel.Only) for a page not among those the edit touched, so a type need
        not even build its context."""
        return not isinstance(self.share, parallel.Only) or url in self.share.urls

    def _shared(self, url: str, kind: str, make):
        """make() for the body or page (kind) at url: here; or, while pages() runs on
        several cores, by the worker whose share url is (None in the others), which the
        parent then takes by its place in the pass (making it here should that place
        hold something else: the workers' pass went otherwise)."""
        share = self.share
        if share is None:
            return make()
        place = next(self._places)
        if isinstance(share, parallel.Replay):
            made = share.made.get(place)
            return made[2] if made and made[:2] == (url, kind) else make()
        if not share.mine(url):
            return None
        with self._reporting(share.problems):
            value = make()
        share.made[place] = (url, kind, value)
        return value

    @contextmanager
    def _reporting(self, problems: Problems):
        """Problems found meanwhile go to problems: a worker sends back only those of
        the bodies and pages it made (the parent's pass finds the others itself)."""
        kept, self.problems = self.problems, problems
        try:
            yield
        finally:
            self.problems = kept

    def render_page(self, template: str, context: dict) -> bytes | None:
        """A layout's output, or None when the layout failed (reported)."""
        try:
            return self.env.get_template(template).render(context).encode("utf-8")
        except Exception as err:  # noqa: BLE001 - a layout is input too: report it, never a traceback
            self._layout_error(err, template)
            return None

    def store(self, url: str, data: bytes, sources: tuple[str, ...], page_type: str) -> None:
        """Publish generated bytes at url (a page, or a JSON or CSV file)."""
        path = urls.output_path(url)
        if path in self.outputs.pages or path in self.outputs.copies:
            source = sources[0] if sources and sources[0] != "*" else "site_config.yaml"
            self.problems.add(source, 1, "id", f"网址 {url} 重复：两个内容生成了同一个页面")
            return
        self.outputs.pages[path] = data
        self.outputs.sources[path] = sources
        self.outputs.page_types[path] = page_type

    def digest(self, url: str) -> tuple[int, str] | None:
        """(size, SHA-256) of what is published at url: a rendered page or a copied file,
        which is read in pieces (a print edition may be large)."""
        path = urls.output_path(url)
        if path in self.outputs.pages:
            self.digested.add(url)
            data = self.outputs.pages[path]
            return len(data), hashlib.sha256(data).hexdigest()
        source = self.outputs.copies.get(path)
        if source is None:
            return None
        with source.open("rb") as stream:
            return source.stat().st_size, hashlib.file_digest(stream, "sha256").hexdigest()

    def _layout_error(self, err: Exception, template: str) -> None:
        """Name the layout file and line: Jinja's own errors carry them; for anything a
        template expression raised, the innermost frame that ran a layout does."""
        name, line = getattr(err, "filename", None), getattr(err, "lineno", None)
        if not name:
            frames = traceback.extract_tb(err.__traceback__)
            frame = next((f for f in reversed(frames) if Path(f.filename).is_relative_to(self.layouts_dir)), None)
            name, line = (frame.filename, frame.lineno) if frame else (str(self.layouts_dir / template), 0)
        if isinstance(err, TemplateNotFound):
            message = f"找不到版式文件 layouts/{err.name}"
        elif isinstance(err, TemplateError):
            message = err.message
        else:
            message = f"{type(err).__name__}: {err}"
        self.problems.add(relpath(Path(name), self.project_dir), line or 0, "", f"版式模板错误：{message}")

    def copy(self, url: str, source: Path) -> None:
        path = urls.output_path(url)
        if self.outputs.copies.setdefault(path, source) != source:
            rel = relpath(source, self.project_dir)
            self.problems.add(rel, 0, "", f"网址 {url} 重复：{relpath(self.outputs.copies[path], self.project_dir)} 也发布到这里，请改名")

    def _table_html(self, table: DataTable) -> str:
        template = "partials/data_table.html"
        try:
            return self.env.get_template(template).render(table=table, groups=views.table_groups(table))
        except Exception as err:  # noqa: BLE001 - as in emit
            self._layout_error(err, template)
            return ""

    # -- context shared by every HTML page ------------------------------------------------

    def context(self, here: str | None, title: str, column: str, crumbs=(), meta=(), jsonld=None, **extra) -> dict:
        site = self.config.site
        def href(url: str) -> str:
            # The 404 page is served at any depth, so its links are absolute.
            return urls.relative(url, here) if here else site.base_path + url

        return dict(
            site=site, here=here, href=href, title=title, column=column,
            crumbs=[views.Link("首页", urls.HOME), *crumbs] if here != urls.HOME else [],
            nav=self._nav(here), footer=self._footer, sections=self._section_navs(here),
            meta=[("SiteName", site.name), ("SiteDomain", site.domain),
                  ("SiteIDCode", site.site_code), ("ColumnName", column), *meta],
            jsonld=_json_ld(jsonld) if jsonld else None,
            asset=lambda name: href(urls.asset(name)),
            **extra,
        )

    def _nav(self, here: str | None) -> list[tuple[views.Link, str]]:
        """Main navigation with each item's aria-current: "page" on the item's own page,
        "true" inside its section (the longest matching one), else "". """
        items = self._nav_items
        section = max((i.url for i in items if here and i.url != urls.HOME and here.startswith(i.url)), key=len, default=None)
        return [(item, "page" if item.url == here else "true" if item.url == section else "") for item in items]

    def _section_navs(self, here: str | None) -> list[tuple[str, list[tuple[views.Link, str]]]]:
        """The section navigations a page belongs to, each link with its aria-current."""
        return [(s.label, [(link, "page" if link.url == here else "true" if here and link.url != "/"
                            and here.startswith(link.url) else "") for link in s.links])
                for s in self._sections if s.holds(here)]

    def nav_links(self) -> list[views.Link]:
        """The main navigation's links, 首页 first."""
        return list(self._nav_items)

    def page_parts(self, template: str) -> list:
        """What the types add to a page made from a shared template (the 公开指南)."""
        return [part for t in self.site.types for part in t.page_parts(self.site, template)]

    def article_meta(self, title: str, published, source: str) -> tuple:
        return (("ArticleTitle", title), ("PubDate", f"{published.isoformat()} 00:00"), ("ContentSource", source))

    def absolute(self, url: str) -> str:
        return self.config.site.base_url + url

    def body(self, record, here: str, publish: bool = True):
        """A record's body as safe HTML, its files published beside it (recorded in
        Outputs.linked); publish=False only checks it (a record held back)."""
        self.shown.setdefault(record.id, set()).add(here)
        body = self._shared(here, "body", lambda: self.markdown.render(record, here, self.problems))
        if body is None:
            return Markup("")  # a worker's pass: another worker converts this body
        if publish:
            for url, source in body.files.items():
                self.copy(url, source)
            self.outputs.linked[here] = tuple(body.files)
        return body.html

    def map_sections(self) -> list[MapSection]:
        """The site map page: the home page, then each type's sections."""
        return [MapSection("首页", urls.HOME), *(section for t in self.site.types for section in t.map_sections(self.site))]

    # -- site-wide pages ---------------------------------------------------------------------

    def _home(self) -> None:
        site = self.config.site
        blocks = [block for t in self.site.types for block in t.home(self.site, self.config.home_size)]
        context = self.context(
            urls.HOME, site.name, "首页",
            jsonld={"@context": "https://schema.org", "@type": "WebSite", "name": site.name,
                    "url": self.absolute(urls.HOME), "publisher": {"@type": "GovernmentOrganization", "name": site.owner}},
            latest=[b for b in blocks if b.area == "latest"], browse=[b for b in blocks if b.area == "browse"],
        )
        self.emit(urls.HOME, "home.html", context, EVERYTHING)

    def _listing(self, listing: Listing) -> None:
        family = self._families.get(listing.family, []) if listing.family else []
        for pager, items in self.pagination[listing.key]:
            here = pager.urls[pager.number - 1]
            if not self.wanted(here):
                continue
            title = listing.title if pager.number == 1 else f"{listing.title}（第 {pager.number} 页）"
            filters = [(views.Link(x.title, x.url), "page" if x.url == here else "true" if x is listing else "") for x in family]
            entries = [self.site.entry(i) for i in items]
            self._list_pages.append((here, max((e.date for e in entries), default=None)))  # for sitemap.xml
            context = self.context(here, title, listing.column, crumbs=list(listing.crumbs), listing=listing,
                                   entries=entries, pager=pager, filters=filters)
            self.emit(here, "listing.html", context, EVERYTHING, listing.page_type if pager.number == 1 else f"{listing.page_type}-later-page")

    # -- machine-readable files ------------------------------------------------------------

    def _machine_files(self) -> None:
        feed = sorted((item for t in self.site.types for item in t.feed(self.site)), key=lambda i: i.published, reverse=True)
        entries = [(self.absolute(urls.HOME), max((i.published for i in feed), default=None))]
        entries += [(self.absolute(url), lastmod) for t in self.site.types for url, lastmod in t.sitemap(self.site)]
        entries += [(self.absolute(url), lastmod) for url, lastmod in self._list_pages]
        self.emit(urls.SITEMAP, "sitemap.xml", {"entries": entries}, EVERYTHING)
        self.feed(urls.FEED, f"{self.config.site.name}：最新文件", feed, urls.HOME)
        self.emit(urls.ROBOTS, "robots.txt", {"sitemap": self.absolute(urls.SITEMAP)}, ())

    def feed(self, url: str, title: str, items, home: str) -> None:
        """An Atom feed of the newest feed_size items (newest first)."""
        latest = [replace(item, url=self.absolute(item.url)) for item in items[: self.config.feed_size]]
        self.emit(url, "feed.xml", {
            "site": self.config.site, "title": title, "feed_url": self.absolute(url), "home": self.absolute(home),
            "updated": max((i.published for i in latest), default=self.site.build_date), "entries": latest,
        }, EVERYTHING)

    def _assets(self) -> None:
        """layouts/assets/ as it is, but scripts without comments and indentation (the
        search script is most of what a first search downloads)."""
        root = self.layouts_dir / ASSETS_DIR
        for path in sorted(root.rglob("*")):
            url = urls.asset(path.relative_to(root).as_posix())
            if path.is_file() and path.suffix == ".js":
                self._script(url, path)
            elif path.is_file():
                self.copy(url, path)

    def _script(self, url: str, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            self.problems.add(relpath(path, self.project_dir), 0, "", f"无法读取脚本文件（{err}），请检查文件是否为 UTF-8 文本")
            return
        self.store(url, rjsmin.jsmin(text).encode("utf-8"), (), "asset")



def _json_ld(data: dict) -> Markup:
    """JSON-LD as a data block: escaped so no value can close the script element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
