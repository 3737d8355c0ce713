"""What a content type declares, and what it contributes to the site.

A content type is one module under gongkai/types/ holding one ContentType: its folder,
its fields, its record, how it links into the site model, and the pages and entries
it contributes. The stages call these hooks for every type in the registry and name
no type themselves, so a new column of the portal is an addition, not a change to
every stage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .schema import fallback_id, source_id

if TYPE_CHECKING:
    from .diagnostics import Problems
    from .fields import Fields
    from .records import SiteConfig
    from .render import SiteRenderer
    from .schema import FieldSpec
    from .site import Site
    from .source import SourceFile
    from .views import Link


@dataclass(frozen=True)
class Listing:
    """A paginated list of one type's records (all documents, one 文种, one year …)."""

    key: str  # unique across the site, e.g. "kind/tongzhi"
    title: str
    url: str
    items: tuple
    column: str  # ColumnName of its pages
    crumbs: tuple[Link, ...] = ()  # between 首页 and the list itself
    family: str = ""  # listings of one family link each other as filters
    browse: str = ""  # the home page's and site map's "browse by" group, if any
    filter_label: str = "文件分类"  # what the family's links are, for screen readers
    page_type: str = "listing"  # for checks that visit one page of each type
    intro: HomeBlock | None = None  # a partial shown above the entries of its first page


@dataclass(frozen=True)
class Entry:
    """One line of a list: the link, its date and a status mark."""

    link: Link
    date: date
    note: str = ""

    def __iter__(self):  # layouts unpack it: {% for link, published, note in entries %}
        return iter((self.link, self.date, self.note))


@dataclass(frozen=True)
class FeedItem:
    title: str
    url: str  # site-root-relative
    published: date
    author: str
    summary: str


@dataclass(frozen=True)
class Mention:
    """A line one type adds to another record's page, e.g. 刊登于《…公报》2019年第6期."""

    intro: str
    link: Link
    after: str = ""
    source: str = ""  # the file it comes from, which the page then depends on


@dataclass(frozen=True)
class MapSection:
    """A section of the site map page: its title, its URL (or None), links below it."""

    title: str
    url: str | None
    links: tuple[Link, ...] = ()

    def __iter__(self):
        return iter((self.title, self.url, self.links))


@dataclass(frozen=True)
class HomeBlock:
    """A section a type puts on the home page: its layout partial and what it prints."""

    area: str  # "latest" (the grid of newest items) or "browse" (below it)
    template: str
    data: dict


@dataclass(frozen=True)
class Disclosed:
    """A record as an item of the disclosure catalog (信息公开目录): the category code its
    file names (None: its type's default), when the information was formed (成文) and
    when it was published. The catalog's deadlines count from these."""

    record: Any
    code: str | None
    formed: date
    published: date


@dataclass(frozen=True)
class Searchable:
    """A page as search sees it: what a result shows, and the facets it falls under.
    Its text is what the page's layout marks with data-index."""

    url: str
    title: str
    column: str  # 栏目 (政策文件, 政策解读, 公报文章 …)
    date: date
    number: str | None = None  # 发文字号, as written
    agencies: tuple[str, ...] = ()
    form: str = ""  # 文种
    topic: str = ""  # 主题分类
    validity: str = ""  # 有效性, as the page says it
    in_force: bool = True


@dataclass(frozen=True)
class SectionNav:
    """A group of pages with its own navigation (the 政府信息公开 columns), shown on every
    page that is one of its links or lies below one."""

    label: str
    links: tuple[Link, ...]

    def holds(self, here: str | None) -> bool:
        return bool(here) and any(here.startswith(link.url) and link.url != "/" for link in self.links)


@dataclass(frozen=True)
class Command:
    """A command a type adds to build.py (import-gazette …)."""

    name: str
    usage: str  # one line for build.py --help: "import-gazette 目录.csv   从往期公报目录……"
    help: str
    arguments: Callable  # (argparse parser) -> None: adds its arguments
    run: Callable  # (project dir, parsed arguments) -> exit code


class ContentType:
    """The hooks a content type implements; every one has a harmless default, so a
    type states only what it has."""

    name: str  # on the command line (`build.py new NAME`) and in page types
    folder: str  # under content/, one file per record
    suffixes: tuple[str, ...] = (".md",)  # the files of its folder it reads (.yaml: front matter only, no body)
    noun: str  # what an editor calls one, in messages: "政策文件"
    specs: tuple[FieldSpec, ...]  # its front-matter fields
    scaffold_body: str = "正文从这里开始。"
    nested: bool = True  # files may sit in subfolders of its folder
    at_root: bool = False  # its pages live at /ID/, beside every other type's folder
    root_file: bool = False  # content/FOLDER.yaml is one of its files too (the catalog in one file)
    reserved: frozenset[str] = frozenset()  # ids that would land on its own routes
    routes: tuple[tuple[str, str], ...] = ()  # (URL pattern, what is there), for urls.routes()
    config_labels: dict[str, str] = {}  # its keys in site_config.yaml
    commands: tuple[Command, ...] = ()

    # -- read and validate ----------------------------------------------------------------

    def file_id(self, path: Path, source: SourceFile | None) -> str | None:
        """The id a file claims before validation (for duplicates and references): its
        id: line, else its file name."""
        return source_id(source) if source else fallback_id(path)

    def read_config(self, fields: Fields) -> Any:
        """Its settings from the top level of site_config.yaml, or None."""
        return None

    def owns_id(self, doc_id: str) -> bool:
        """Whether ids of this shape are this type's, derived from its paths, so no other
        type's file may take one (a policy named gazette-2019-06)."""
        return False

    def new_file(self, project: Path, slug: str, today: date) -> tuple[str, str] | None:
        """For `build.py new`: (path under content/, text) when the type's files are not
        one Markdown file per id; None for the usual scaffold from its specs. Raises
        ValueError with the message for a slug it cannot take."""
        return None

    def validate(self, source: SourceFile, config: SiteConfig, content_dir: Path, problems: Problems):
        """The record for one file, or None when it has errors (reported)."""
        raise NotImplementedError

    # -- link -------------------------------------------------------------------------------

    def url(self, doc_id: str) -> str:
        raise NotImplementedError

    def order(self, records: list) -> tuple:
        """Its records in the order the site lists them."""
        return tuple(records)

    def link(self, site: Site, problems: Problems) -> None:
        """Check references and derive facts (site.facts[self.name]) once every record
        of every type exists."""

    def listings(self, site: Site) -> list[Listing]:
        return []

    def entry(self, site: Site, record) -> Entry:
        raise NotImplementedError

    # -- what it contributes to site-wide pages ----------------------------------------------

    def nav(self, site: Site) -> list[Link]:
        """Its items of the main navigation."""
        return []

    def footer(self, site: Site) -> list[Link]:
        return []

    def feed(self, site: Site) -> list[FeedItem]:
        """Its entries of the site's Atom feed, newest first."""
        return []

    def sitemap(self, site: Site) -> list[tuple[str, date | None]]:
        """(URL, last modified) of each of its own pages, for sitemap.xml."""
        return []

    def map_sections(self, site: Site) -> list[MapSection]:
        """Its sections of the site map page."""
        return []

    def home(self, site: Site, size: int) -> list[HomeBlock]:
        """Its sections of the home page, `size` entries each at most."""
        return []

    def disclosed(self, site: Site) -> list[Disclosed]:
        """Its records as items of the disclosure catalog."""
        return []

    def searchable(self, site: Site) -> list[Searchable]:
        """Its pages in the search index."""
        return []

    def search_tags(self, site: Site) -> dict[str, dict[str, str]]:
        """Facets it gives other types' pages, by URL: the gazette issue that carried a
        document ({"issue": "2019年第6期"}), its catalog category ({"category": …})."""
        return {}

    def sections(self, site: Site) -> list[SectionNav]:
        """Groups of pages with a navigation of their own."""
        return []

    def strict(self, project: Path, as_of: date) -> int:
        """For `check --strict`, after the content passed: 0, or an exit code with what
        it printed (the ledger: overdue or empty categories)."""
        return 0

    def page_parts(self, site: Site, template: str) -> list[HomeBlock]:
        """What it adds to a page built from a shared template (the 公开指南: template
        guide), below the page's own text."""
        return []

    # -- render -----------------------------------------------------------------------------

    def render(self, site: Site, renderer: SiteRenderer) -> None:
        """Emit its own pages through the renderer."""

    def after_pages(self, site: Site, renderer: SiteRenderer) -> None:
        """Emit what is made from rendered pages (checksums, manifests), once every
        content page exists."""
