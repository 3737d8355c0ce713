"""Stage 4a: Markdown bodies to safe HTML.

Internal links (doc:ID or a relative .md path) resolve to URLs here, where they are
read, and a missing target is reported with its source line. The result is then
sanitized and linted (alt text, table headers, heading levels, link text).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape as escape_html
from html import unescape as unescape_html
from pathlib import Path
from urllib.parse import unquote

import markdown
from bs4 import BeautifulSoup, Tag
from markdown.extensions import Extension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.toc import remove_fnrefs, render_inner_html, slugify_unicode, strip_tags
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from . import cache, urls
from .cache import Cache
from .diagnostics import Problems
from .fields import ID_RE
from .lint import MAX_NESTING, lint, nesting
from .records import DataTable, Record
from .sanitize import ALIGN_CLASSES, clean_url, layout_ids, sanitize, unique_ids
from .schema import content_file, is_file, unpublishable

TABLE_LINE = re.compile(r"^ {0,3}\[\[table:\s*([^\]\s]*)\s*\]\]\s*$")  # 4 spaces: a code block
_EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_DOC = re.compile(r"doc:", re.IGNORECASE)  # schemes are case-insensitive: DOC:, Doc:
_HEADING = re.compile(r"[Hh][1-6]")
_FOOTNOTE_LINKS = frozenset({"footnote-ref", "footnote-backref"})
_ALIGN_STYLE = re.compile(r"text-align: (left|center|right);")  # as Python-Markdown's tables write it
_INSERTED_ID = re.compile(r'\bid="([^"]*)"')


@dataclass
class Body:
    """A rendered body and the content files it links to (URL -> file), to be copied;
    calls: the lookups it made (kind, argument, result), what its reuse depends on."""

    html: Markup
    files: dict[str, Path] = field(default_factory=dict)
    calls: list[tuple[str, str, str | None]] = field(default_factory=list)


class _Counted:
    """Problems passed on to a build's, counted: only a body without any is cached."""

    def __init__(self, problems: Problems):
        self.problems, self.count = problems, 0

    def add(self, *args) -> None:
        self.count += 1
        self.problems.add(*args)

    def warn(self, *args) -> None:
        self.count += 1
        self.problems.warn(*args)


def _digest(html: str | None) -> str | None:
    return hashlib.sha256(html.encode()).hexdigest() if html else None


@dataclass
class _Job:
    """What the extension needs to know about the body being converted."""

    record: Record
    here: str
    lines: list[str]
    problems: Problems
    files: dict[str, Path] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)  # table id -> trusted HTML
    cursor: dict = field(default_factory=dict)  # needle -> where its next search starts
    calls: list = field(default_factory=list)  # what link, image and table gave (Body.calls)

    def locate(self, *needles: str | re.Pattern) -> int:
        """The source line of the body line holding a needle (text or pattern).
        Markdown keeps no positions, so errors are traced back by what they are about;
        asking for the same needle again finds its next occurrence, so two identical
        mistakes are reported at their own lines."""
        for needle in needles:
            if isinstance(needle, str):
                needle = needle.strip()
                if not needle:
                    continue
            start = self.cursor.get(needle, 0)
            for index in [*range(start, len(self.lines)), *range(0, start)]:
                text = self.lines[index]
                if needle.search(text) if isinstance(needle, re.Pattern) else needle in text:
                    self.cursor[needle] = index + 1
                    return self.record.origin.body_line + index
        return self.record.origin.body_line

    def error(self, line: int, message: str) -> None:
        self.problems.add(self.record.origin.rel, line, "", message)

    def locate_id(self, value: str, nth: int) -> int:
        """The line of the nth place an id is written (id="x" in HTML, {#x} in an
        attribute list), so a duplicate is reported where the second one is."""
        names = "|".join(re.escape(v) for v in dict.fromkeys((value, escape_html(value), escape_html(value, quote=False))))
        written = re.compile(rf"""(?<![\w-])(?i:id)\s*=\s*(?:"(?:{names})"|'(?:{names})'|(?:{names})(?=[\s/>}}]))"""
                             rf"""|\{{[^}}\n]*#(?:{names})(?=[\s}}])""")
        for index, text in enumerate(self.lines):
            found = len(written.findall(text))
            if nth < found:
                return self.record.origin.body_line + index
            nth -= found
        return self.locate(f'id="{value}"', value, "id=")


class MarkdownRenderer:
    """One Markdown converter reused for every body of a build (reset between bodies)."""

    def __init__(self, site, content_dir: Path, project_dir: Path, known_ids: dict[str, str],
                 table_html: Callable[[DataTable], str], cache: Cache):
        self.site = site
        self.cache = cache
        self.reused = 0  # bodies taken from the cache
        self.content_dir = content_dir
        self.project_dir = project_dir
        self.known_ids = known_ids
        self.table_html = table_html
        self.reserved_ids = layout_ids(project_dir / "layouts")
        # The layouts' ids as part of every body's cache key (a body's ids step around them).
        self._reserved = [sorted(self.reserved_ids.exact), [shape for _, shape in self.reserved_ids.patterns]]
        # Marks what Markdown generated (heading and footnote ids, footnote links) through
        # to the parsed body; unguessable, so raw HTML cannot pass for generated.
        self.mark = secrets.token_hex(8)
        self.job: _Job | None = None
        self.md = markdown.Markdown(
            extensions=[
                "tables", "attr_list", "fenced_code", "sane_lists", "def_list", "abbr",
                FootnoteExtension(
                    BACKLINK_TEXT="↩", BACKLINK_TITLE="返回正文第 %d 处引用", SUPERSCRIPT_TEXT="[{}]"),
                _GovExtension(self),
            ],
            output_format="html",
        )

    def render(self, record: Record, here: str, problems: Problems) -> Body:
        """The body as safe HTML: from the cache when the same text was converted for the
        same page before, without a problem, and every link, image and table it holds
        still resolves as it did then; else converted, and cached when it has no problem."""
        name = cache.key(record.origin.rel, here, record.body, self._reserved)
        if (kept := self._kept(record, here, self.cache.get("body", name))) is not None:
            return kept
        counted = _Counted(problems)
        body = self._convert(record, here, counted)
        if not counted.count:
            self.cache.put("body", name, {"html": str(body.html), "calls": body.calls})
        return body

    def _kept(self, record: Record, here: str, entry: dict | None) -> Body | None:
        """The cached body, if its links, images and tables resolve as they did."""
        if entry is None:
            return None
        counted = _Counted(Problems())
        job = self.job = _Job(record, here, record.body.split("\n"), counted)
        try:
            html, calls = entry["html"], entry["calls"]
            for kind, argument, result in calls:
                if kind not in ("link", "image", "table") or self._again(kind, argument) != result or counted.count:
                    return None
            if not isinstance(html, str):
                return None
        except (KeyError, TypeError, ValueError):  # an entry of another shape: converted afresh
            return None
        finally:
            self.job = None
        self.reused += 1
        return Body(Markup(html), job.files)

    def _convert(self, record: Record, here: str, problems) -> Body:
        job = self.job = _Job(record, here, record.body.split("\n"), problems)
        too_deep = nesting(job.lines)
        if too_deep is not None:
            job.error(record.origin.body_line + too_deep, f"正文嵌套层级过深（超过 {MAX_NESTING} 层的方括号或 HTML 标签），请简化")
            self.job = None
            return Body(Markup(""))
        try:
            return self._render(job)
        except RecursionError:
            job.error(record.origin.body_line, "正文嵌套层级过深（引用、列表或强调符号套叠太多），无法处理")
            return Body(Markup(""))
        finally:
            self.job = None

    def _render(self, job: _Job) -> Body:
        soup = BeautifulSoup(self.md.reset().convert(job.record.body), "html.parser")
        generated = _take_marks(soup, self.mark)
        sanitize(soup, lambda needles, message: job.error(job.locate(*needles), message))
        inserted = [unescape_html(i) for table in job.tables.values() for i in _INSERTED_ID.findall(table)]
        unique_ids(soup, self.reserved_ids, inserted, generated,
                   lambda value, nth, message: job.error(job.locate_id(value, nth), message))
        # The checks after the sanitizer share one walk: a find_all per check would walk
        # the whole tree each time.
        elements = [node for node in soup.descendants if isinstance(node, Tag)]
        elements = self._in_page_links(elements, job, generated, inserted)
        lint(elements, job)
        # Links are resolved on the parsed body, so raw HTML <a> and <img> are held to
        # the same rules as Markdown ones.
        for anchor in (el for el in elements if el.name == "a" and el.get("href") is not None):
            anchor["href"] = self.link(anchor["href"]) or anchor["href"]
        for image in (el for el in elements if el.name == "img" and el.get("src") is not None):
            image["src"] = self.image(image["src"]) or image["src"]
        html = str(soup)
        # Data tables are our own HTML (with attributes editors may not use), so they
        # go in only after the body passed the sanitizer.
        for table_id, table_html in job.tables.items():
            html = html.replace(_table_slot(table_id), table_html)
        return Body(Markup(html), job.files, job.calls)

    def _in_page_links(self, elements: list[Tag], job: _Job, generated: dict[int, Tag], inserted: list[str]) -> list[Tag]:
        """Every #link must land on this page: on an id of the body, its tables or its
        layout. "#" and "#top" are the top of the page. The elements left."""
        ids = {el["id"] for el in elements if el.get("id") is not None} | self.reserved_ids.exact | set(inserted)
        gone: set[int] = set()
        for anchor in (el for el in elements if el.name == "a" and el.get("href") is not None):
            if id(anchor) in gone:
                continue
            href = clean_url(str(anchor["href"]))
            fragment = href[1:]
            # Browsers look for the fragment as written, then percent-decoded.
            if not href.startswith("#") or fragment in ids or unquote(fragment) in ids or fragment.lower() in ("", "top"):
                continue
            fragment = unquote(fragment)
            if id(anchor) in generated:  # the back link of a footnote nothing refers to
                label = fragment.partition(":")[2]
                job.problems.warn(job.record.origin.rel, job.locate(f"[^{label}]:"), "",
                                  f"脚注 [^{label}] 在正文中没有被引用，页面上已省略它的返回链接；请在正文中用 [^{label}] 引用它，或删去这条脚注")
                gone.update(map(id, anchor.find_all(True)), (id(anchor),))
                anchor.decompose()
            else:
                job.error(job.locate(f"]({anchor['href']}", anchor["href"]),
                          f"页内链接“{href}”找不到目标：本页没有 id 为“{fragment}”的位置（标题的 id 由标题文字生成：英文字母变小写，去掉标点，空格换成 -）")
        return [el for el in elements if id(el) not in gone]

    # -- link resolution, called from the tree processor ------------------------------

    # Links, images and tables are looked up through these, which note what each gave:
    # a cached body is reused only while every lookup gives the same again.

    def link(self, written: str) -> str | None:
        result = self._link(written)
        self.job.calls.append(("link", written, result))
        return result

    def image(self, written: str) -> str | None:
        result = self._image(written)
        self.job.calls.append(("image", written, result))
        return result

    def table(self, table_id: str, line: int) -> str | None:
        html = self._table(table_id, line)
        self.job.calls.append(("table", table_id, _digest(html)))
        return html

    def _again(self, kind: str, argument: str) -> str | None:
        """What a lookup gives now, as it was noted."""
        if kind == "table":
            return _digest(self._table(argument, 0))
        return self._link(argument) if kind == "link" else self._image(argument)

    def _link(self, written: str) -> str | None:
        job = self.job

        def line() -> int:
            return job.locate(f"]({written}", written, *_head(written))

        href = clean_url(written)  # as a browser reads it: " DOC:x\n" is doc:x
        if mistake := _url_mistake(href):
            job.error(line(), f"链接“{written}”{mistake}")
            return None
        path, hash_, fragment = href.partition("#")
        if _DOC.match(href):
            return self._doc_link(path[4:].strip(), hash_ + fragment, line)
        if not path or _EXTERNAL.match(href):
            return href
        if path.startswith(("//", "\\\\", "/\\", "\\/")):  # a browser goes to another host
            job.error(line(), f"链接“{written}”缺少协议：外部网站请写完整地址（如 https://www.gov.cn/），站内文件请写 doc:标识 或相对路径")
            return None
        if path.startswith(("/", "\\")):
            job.error(line(), f"站内链接“{written}”请写成 doc:标识 或相对路径（如 ../policies/xxx.md）")
            return None
        target = self._content_path(path)
        if target is None:
            job.error(line(), f"链接“{written}”指向 content/ 目录以外，不允许" if ":" not in path.split("/")[0] else
                      f"链接“{written}”无法识别：外部网站请写完整地址（如 https://www.gov.cn/），站内文件请写 doc:标识 或相对路径")
            return None
        rel = target.relative_to(self.project_dir).as_posix()
        if target.suffix == ".md":
            doc_id = self.site.by_source.get(rel)
            if doc_id:
                return urls.relative(self.site.url(doc_id) + hash_ + fragment, job.here)
            if doc_id := next((i for i in self.site.withheld if self.site.known[i].rel == rel), None):
                return self._doc_link(doc_id, hash_ + fragment, line)  # says when it comes out
            if not is_file(target):
                job.error(line(), f"链接目标不存在：{rel}")
            return None
        return self._file(target, rel, written, line)

    def _doc_link(self, doc_id: str, fragment: str, line) -> str | None:
        if doc_id in self.site.by_id:
            return urls.relative(self.site.url(doc_id) + fragment, self.job.here)
        if doc_id in self.site.withheld:
            self.job.error(line(), f"链接目标尚未发布：{self.site.withheld[doc_id]}；请到它发布后再加这个链接")
            return None
        if doc_id in self.known_ids:
            return "#"  # the target's own file has errors, reported there; the build fails
        if not doc_id:
            self.job.error(line(), "链接“doc:”后缺少标识：请写成 doc:标识（如 doc:lzbf-2019-5）")
        elif doc_id.lower() in self.known_ids:
            self.job.error(line(), f"链接目标不存在：找不到标识为“{doc_id}”的文件；标识只用小写字母，是否想写 doc:{doc_id.lower()}？")
        else:
            self.job.error(line(), f"链接目标不存在：找不到标识为“{doc_id}”的文件")
        return None

    def _image(self, written: str) -> str | None:
        def line() -> int:
            return self.job.locate(f"]({written}", written, *_head(written))

        src = clean_url(written)
        if mistake := _url_mistake(src):
            self.job.error(line(), f"图片“{written}”{mistake}")
            return None
        if _EXTERNAL.match(src) or src.startswith(("//", "\\\\", "/\\", "\\/")):
            what = "不是 content/ 目录中的文件" if _DOC.match(src) else "来自其他网站；页面不得加载外部资源"
            self.job.error(line(), f"图片“{written}”{what}，请把图片放进 content/ 目录并写相对路径")
            return None
        target = self._content_path(src)
        if target is None:
            self.job.error(line(), f"图片“{written}”指向 content/ 目录以外，不允许")
            return None
        return self._file(target, target.relative_to(self.project_dir).as_posix(), written, line)

    def _content_path(self, path: str) -> Path | None:
        base = (self.project_dir / self.job.record.origin.rel).parent
        return content_file(unquote(path), base, self.content_dir)  # "附件%201.pdf" names "附件 1.pdf"

    def _file(self, target: Path, rel: str, written: str, line) -> str | None:
        if not is_file(target):
            self.job.error(line(), f"文件不存在：{rel}（链接写作“{written}”）")
            return None
        if problem := unpublishable(target):
            self.job.error(line(), f"“{written}”：{problem}")
            return None
        url = urls.content_file(target.relative_to(self.content_dir).as_posix())
        self.job.files[url] = target
        return urls.relative(url, self.job.here)

    def _table(self, table_id: str, line: int) -> str | None:
        table = self.site.tables.get(table_id)
        if table is None:
            if not ID_RE.match(table_id):
                self.job.error(line, f"数据表标识“{table_id}”无效，应只含小写英文字母、数字和连字符")
            elif not any((self.content_dir / "data" / f"{table_id}{ext}").is_file() for ext in (".yaml", ".yml", ".YAML")):
                self.job.error(line, f"数据表不存在：content/data/{table_id}.yaml")
            return None  # a table file with errors (or misnamed) was reported where it was read
        return self.table_html(table)


_FULLWIDTH_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*：")


def _url_mistake(url: str) -> str | None:
    """Typing slips a browser would not forgive, said in the editor's terms."""
    if url != url.strip():
        return "首尾有空白字符（如全角空格），请删去"
    if _FULLWIDTH_SCHEME.match(url):
        return "中的冒号是全角“：”，请改为半角“:”（如 doc:lzbf-2019-5、https://www.gov.cn/）"
    return None


class _GovExtension(Extension):
    def __init__(self, renderer: MarkdownRenderer):
        super().__init__()
        self.renderer = renderer

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        # After fenced code is stashed (25), so a table line shown in code stays code,
        # and before raw HTML is (20).
        md.preprocessors.register(_TablePreprocessor(md, self.renderer), "gov_tables", 24)
        md.treeprocessors.register(_AlignmentClasses(md), "gov_align", 30)
        # Generated ids are told from written ones around attr_list (8): what has an id
        # before it came from footnotes; headings get their slug ids after it (where
        # toc would, without toc's "_1" suffixes: the id pass gives "-N" for the page).
        snapshot = _FootnoteSnapshot(md)
        md.treeprocessors.register(snapshot, "gov_footnote_ids", 9)
        md.treeprocessors.register(_MarkGenerated(md, snapshot, self.renderer), "gov_heading_ids", 5)


class _TablePreprocessor(Preprocessor):
    def __init__(self, md, renderer: MarkdownRenderer):
        super().__init__(md)
        self.renderer = renderer

    def run(self, lines: list[str]) -> list[str]:
        result = []
        for text in lines:
            match = TABLE_LINE.match(text)
            if not match:
                result.append(text)
                continue
            job, table_id = self.renderer.job, match.group(1)
            line = job.locate(f"[[table:{table_id}", "[[table:")
            if table_id in job.tables:
                job.error(line, f"数据表 {table_id} 在本页已出现过；同一张表只能插入一次")
                continue
            html = self.renderer.table(table_id, line)
            if html:
                job.tables[table_id] = html
            # Blank lines around the placeholder keep it a block of its own.
            result += ["", self.md.htmlStash.store(_table_slot(table_id)) if html else "", ""]
        return result


class _AlignmentClasses(Treeprocessor):
    """A table column's alignment (|:---|---:|) as a class: style attributes are not
    allowed in a body, and Python-Markdown's tables write one for alignment."""

    def run(self, root):
        for cell in (el for el in root.iter() if el.tag in ("th", "td")):
            match = _ALIGN_STYLE.fullmatch(cell.get("style", ""))
            if match:
                del cell.attrib["style"]
                cell.set("class", " ".join(filter(None, (cell.get("class"), ALIGN_CLASSES[match.group(1)]))))


class _FootnoteSnapshot(Treeprocessor):
    """Before attr_list, every id in the tree is a footnote's (raw HTML is stashed,
    attribute lists are not applied yet), and so is every footnote link."""

    def run(self, root):
        self.ids = [(el, el.get("id")) for el in root.iter() if el.get("id") is not None]
        self.links = [el for el in root.iter("a") if el.get("class") in _FOOTNOTE_LINKS]


class _MarkGenerated(Treeprocessor):
    """After attr_list: gives headings without an id their slug, and marks every
    generated id and footnote link for the id pass (unique_ids)."""

    def __init__(self, md, snapshot: _FootnoteSnapshot, renderer: MarkdownRenderer):
        super().__init__(md)
        self.snapshot = snapshot
        self.renderer = renderer

    def run(self, root):
        mark = self.renderer.mark
        moved = {}
        for element, original in self.snapshot.ids:
            if element.get("id") == original:
                element.set(_MARK, mark)
            else:  # the editor gave a footnote reference an id ({#x}): its links go there
                moved[f"#{original}"] = f"#{element.get('id')}"
        for link in self.snapshot.links:
            link.set("href", moved.get(link.get("href"), link.get("href")))
            link.set(_MARK, mark)
        for heading in (el for el in root.iter() if isinstance(el.tag, str) and _HEADING.fullmatch(el.tag) and "id" not in el.attrib):
            text = strip_tags(render_inner_html(remove_fnrefs(heading), self.md))
            heading.set("id", slugify_unicode(unescape_html(text), "-"))
            heading.set(_MARK, mark)


_MARK = "data-gongkai-generated"


def _take_marks(soup: BeautifulSoup, mark: str) -> dict[int, Tag]:
    """The elements Markdown generated, by id(), their marks removed. A mark with
    another value was typed by an editor and is left for the sanitizer to refuse."""
    generated = {}
    for element in soup.find_all(attrs={_MARK: mark}):
        del element[_MARK]
        generated[id(element)] = element
    return generated


def _head(url: str) -> tuple[str, ...]:
    """A URL's text before any whitespace: Markdown turns a tab inside it into spaces."""
    parts = url.split()
    return (parts[0],) if len(parts) > 1 else ()


def _table_slot(table_id: str) -> str:
    # A private-use character no editor types: the slot passes the sanitizer as text.
    return f"<p>\ue000table:{table_id}\ue000</p>"
