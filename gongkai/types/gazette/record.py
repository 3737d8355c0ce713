"""The gazette's fields, records and settings: what an issue file, an article file and
site_config.yaml say, nothing derived.

An issue is content/gazettes/YYYY/NN.yaml (its id gazette-YYYY-NN); a gazette-only
article is a Markdown file in the issue's folder, content/gazettes/YYYY/NN/NAME.md (its
id gazette-YYYY-NN-NAME). Ids come from the path, so every issue can have its own
rsrm.md (人事任免) without clashing with another's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ...diagnostics import Problems
from ...fields import ID_MAX, ID_RE, Fields, shown
from ...records import Origin
from ...schema import FieldSpec, content_file, is_file, labels, one_line, origin, text_list
from ...source import SourceFile

ISSUE_NAME = re.compile(r"^(\d{4})/(\d{2,3})\.yaml$")
ARTICLE_NAME = re.compile(r"^(\d{4})/(\d{2,3})/([^/]+)\.md$")
OWN_ID = re.compile(r"^gazette-\d{4}-\d{2,3}(?:-|$)")  # the ids file_id gives
MAX_PDF = 1024 * 2**20  # a print edition is rarely over 100 MB; verify-gazette reads up to 2 GB
PAGES = re.compile(r"^(\d{1,4})(?:\s*[-–—~～至]+\s*(\d{1,4}))?$")


@dataclass(frozen=True)
class Settings:
    """The gazette's part of site_config.yaml."""

    name: str  # 聊城市人民政府公报
    frequency: str  # 每月出版一期
    sections: tuple[str, ...]  # 栏目, in print order
    normative_days: int  # a 规范性文件 not carried after this many days is reported
    normative_required: bool  # ... as an error rather than a warning
    public_key: str | None  # for verify-gazette's signature check


@dataclass(frozen=True)
class Item:
    """One line of an issue's table of contents."""

    ref: str  # the id of the policy document or gazette article
    article: bool  # a gazette-only article beside the issue
    pages: tuple[int, int] | None  # first and last print page
    field: str  # its key path in the issue file, for messages
    line: int
    pages_line: int


@dataclass(frozen=True)
class Section:
    name: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Pdf:
    source: Path
    rel: str  # under content/
    size: int
    pages: int | None  # None when the file cannot be read as a PDF


@dataclass(frozen=True)
class Issue:
    id: str
    origin: Origin
    body: str  # always empty: an issue is a table of contents
    year: int
    number: int
    total_number: int
    published: date
    pdf: Pdf | None
    sections: tuple[Section, ...]
    catalog: str | None = None

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)


@dataclass(frozen=True)
class Article:
    """A gazette-only article (人事任免, 公告 …) of one issue."""

    id: str
    origin: Origin
    body: str
    issue: str  # the id of its issue, from its folder
    title: str
    agency: str
    doc_number: str | None
    kind: str | None
    written: date | None
    summary: str | None


CONFIG_LABELS = {"gazette": "政府公报"}
SETTING_FIELDS = {"name": "公报名称", "frequency": "出版周期", "sections": "栏目", "normative_days": "规范性文件刊登期限（天）",
                  "normative_required": "规范性文件必须刊登", "public_key": "验证签名的公钥"}
ISSUE_SPECS = (
    FieldSpec("year", "年份", True, "2019"),
    FieldSpec("number", "期号", True, "6"),
    FieldSpec("total_number", "总期号", True, "总第几期，如 118"),
    FieldSpec("published", "出版日期", True, "印刷版的出版日期，如 2019-03-25"),
    FieldSpec("pdf", "印刷版 PDF", example="相对于本文件的路径，如 06.pdf"),
    FieldSpec("sections", "目录", True, "栏目列表，每个栏目有 name 和 items"),
    FieldSpec("catalog", "目录分类", example="信息公开目录的公开事项代码；不填则归入 site_config.yaml 中 catalog.defaults 的分类"),
)
ISSUE_FIELDS = labels(ISSUE_SPECS)
SECTION_FIELDS = {"name": "栏目名称", "items": "条目"}
ITEM_FIELDS = {"doc": "文件标识", "article": "公报文章", "pages": "页码"}
SPECS = (  # a gazette-only article, the file `build.py new gazette` writes
    FieldSpec("title", "标题", True),
    FieldSpec("agency", "发文机关", True, "如 聊城市人民政府"),
    FieldSpec("doc_number", "文号", example="如 聊政任〔2019〕3号"),
    FieldSpec("kind", "文种", example="如 通知、决定、公告"),
    FieldSpec("written", "成文日期", example="{today}"),
    FieldSpec("summary", "摘要", example="一两句话，用于列表和搜索结果"),
)
FIELDS = labels(SPECS)


def issue_id(year: int | str, number: int | str) -> str:
    return f"gazette-{year}-{int(number):02d}"


def file_id(path: Path) -> str | None:
    """The id an issue or article file claims, from its place under content/gazettes/."""
    rel = _under_folder(path)
    if rel is None:
        return None
    if (match := ISSUE_NAME.match(rel)) and _canonical(match[2]):
        return issue_id(match[1], match[2])
    if (match := ARTICLE_NAME.match(rel)) and _canonical(match[2]) and ID_RE.match(match[3]):
        doc_id = f"{issue_id(match[1], match[2])}-{match[3]}"
        return doc_id if len(doc_id) <= ID_MAX else None
    return None


def _canonical(number: str) -> bool:
    """06 and 123, not 6 or 006: one issue, one file name."""
    return number == f"{int(number):02d}"


def _under_folder(path: Path) -> str | None:
    parts = path.parts
    for index in range(len(parts) - 2, 0, -1):
        if parts[index] == "gazettes" and parts[index - 1] == "content":
            return "/".join(parts[index + 1 :])
    return None


def read_settings(root: Fields) -> Settings | None:
    """None when the site has no gazette (no `gazette:` block)."""
    if root.data.get("gazette") is None:
        return None
    f = root.mapping("gazette", SETTING_FIELDS)
    sections = text_list(f, "sections")
    if not sections and f.data.get("sections") == []:
        f.error("sections", "栏目不能为空，例如 [市政府文件, 市政府办公室文件, 部门文件, 人事任免, 其他]")
    for name in {name for name in sections if sections.count(name) > 1}:
        f.error("sections", f"栏目“{name}”写了两次，每个栏目只写一次")
    if not f.ok:
        return None  # reported here; no issue is checked against a broken list of sections
    return Settings(
        name=one_line(f, "name", True) or "", frequency=one_line(f, "frequency", True) or "", sections=sections,
        normative_days=f.integer("normative_days", 90), normative_required=f.boolean("normative_required"),
        public_key=f.text("public_key"),
    )


def validate(source: SourceFile, settings: Settings | None, content_dir: Path, problems: Problems):
    """settings None (no gazette: block) is reported once, by the link stage."""
    rel = _under_folder(source.path) or ""
    if source.path.suffix == ".yaml":
        if file_id(source.path) is None:
            problems.add(source.rel, 1, "", "公报的一期应是 content/gazettes/年份/期号.yaml，期号写两位（不足两位前面补 0），"
                                            "如 content/gazettes/2019/06.yaml")
            return None
        return _issue(source, settings, content_dir, problems) if settings else None
    if file_id(source.path) is None:
        problems.add(source.rel, 1, "", _article_place(rel))
        return None
    return _article(source, problems) if settings else None


def _article_place(rel: str) -> str:
    match = ARTICLE_NAME.match(rel)
    if match and _canonical(match[2]) and ID_RE.match(match[3]):
        room = ID_MAX - len(issue_id(match[1], match[2])) - 1
        return f"文件名太长：公报文章的文件名最多 {room} 个字符（标识 gazette-年份-期号-文件名 最多 {ID_MAX} 个字符），请改短"
    return ("公报文章应放在它所属那一期的文件夹中，文件名用小写英文字母、数字和连字符："
            "如 content/gazettes/2019/06/rsrm.md 属于 content/gazettes/2019/06.yaml 这一期")


def _issue(source: SourceFile, settings: Settings, content_dir: Path, problems: Problems) -> Issue | None:
    errors = len(problems)  # a slip in any section or item refuses the whole issue
    f = Fields(source.front, source.rel, problems, ISSUE_FIELDS)
    year_text, number_text = ISSUE_NAME.match(_under_folder(source.path)).group(1, 2)
    year, number = f.integer("year", minimum=1900), f.integer("number")
    if year is not None and year != int(year_text):
        f.error("year", f"年份为 {year}，但本期文件在 {year_text}/ 文件夹中：请改正年份，或把文件移到 content/gazettes/{year}/")
    if number is not None and f"{number:02d}" != number_text:
        f.error("number", f"期号为 {number}，但文件名是 {number_text}.yaml：请改正期号，或把文件改名为 {number:02d}.yaml")
    total, published = f.integer("total_number"), f.date("published", True)
    if published and year and published.year not in (year, year + 1):  # 第12期 may come out in January
        f.error("published", f"出版日期{published.isoformat()}不在 {year} 年（或次年年初）：请核对年份或出版日期")
    for key in ("year", "number", "total_number"):
        f.raw(key, True)
    issue = Issue(
        id=issue_id(year_text, number_text), origin=origin(source), body="", year=year, number=number,
        total_number=total, published=published, pdf=_pdf(f, source.path.parent, content_dir),
        sections=_sections(f, settings, issue_id(year_text, number_text)), catalog=f.ident("catalog"),
    )
    return issue if f.ok and len(problems) == errors else None


def _pdf(f: Fields, base: Path, content_dir: Path) -> Pdf | None:
    written = f.text("pdf")
    if written is None:
        return None
    path = content_file(written, base, content_dir)
    if path is None:
        f.error("pdf", f"PDF 路径“{shown(written)}”应是 content/ 目录内、相对于本文件的路径，例如 06.pdf")
    elif not is_file(path):
        f.error("pdf", f"找不到印刷版 PDF：{shown(written)}（相对于本文件所在的文件夹）；请放入该文件或改正路径")
    elif path.suffix.lower() != ".pdf":
        f.error("pdf", f"印刷版应为 PDF 文件（.pdf），实际为“{path.name}”")
    elif (size := path.stat().st_size) == 0:
        f.error("pdf", f"印刷版 PDF“{path.name}”是空文件（0 字节），请放入真正的 PDF")
    elif size > MAX_PDF:
        f.error("pdf", f"印刷版 PDF“{path.name}”有 {size // 2**20} MB，超过 {MAX_PDF // 2**20} MB 的上限：请压缩图片后重新导出")
    else:
        return Pdf(path, path.relative_to(content_dir.resolve()).as_posix(), path.stat().st_size, page_count(path))
    return None


def page_count(path: Path) -> int | None:
    """The page count of a PDF, or None when the file cannot be read as one."""
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # a damaged file is reported by us, not by pypdf's log
    try:
        return len(PdfReader(path).pages) or None
    except Exception:  # noqa: BLE001 - any file may be named a PDF; an unreadable one just has no page count
        return None


def _sections(f: Fields, settings: Settings, own_id: str) -> tuple[Section, ...]:
    result, names = [], set()
    for section in f.mappings("sections", SECTION_FIELDS, required=True):
        name = section.choice("name", settings.sections, required=True)
        if name and name in names:
            section.error("name", f"栏目“{name}”出现了两次；同一栏目的条目请写在一起")
        names.add(name)
        items = tuple(filter(None, (_item(entry, own_id) for entry in section.mappings("items", ITEM_FIELDS, required=True))))
        if name:
            result.append(Section(name, items))
    order = {name: index for index, name in enumerate(settings.sections)}
    return tuple(sorted(result, key=lambda s: order[s.name]))  # print order, as configured


def _item(f: Fields, own_id: str) -> Item | None:
    doc, article = f.data.get("doc"), f.data.get("article")
    if (doc is None) == (article is None):
        f.error("doc", "每个条目写 doc（网站中已有文件的标识）或 article（本期文件夹中公报文章的文件名），二者选一")
        return None
    key = "doc" if doc is not None else "article"
    name = f.ident(key, True)
    pages = _pages(f)
    if name is None:
        return None
    ref = name if key == "doc" else f"{own_id}-{name.removesuffix('.md')}"
    return Item(ref, key == "article", pages, f.name(key), f.line(key), f.line("pages"))


def _pages(f: Fields) -> tuple[int, int] | None:
    text = f.text("pages")
    if text is None:
        return None
    match = PAGES.match(text)
    first, last = (int(match[1]), int(match[2] or match[1])) if match else (0, 0)
    if not match or first < 1 or last < first:
        f.error("pages", f"页码“{shown(text)}”应为一页（如 5）或起止页（如 3-8），起始页不大于结束页，页码最多 4 位数")
        return None
    return first, last


def _article(source: SourceFile, problems: Problems) -> Article | None:
    f = Fields(source.front, source.rel, problems, FIELDS, aliases={
        "id": "公报文章的标识由所在文件夹和文件名决定，请删除这一行",
        "attachments": "公报文章没有附件字段：请在正文中链接文件，如 [任免名单](../../../files/2019/rmmd.pdf)，它会随文章发布"})
    doc_id = file_id(source.path)
    match = ARTICLE_NAME.match(_under_folder(source.path))
    article = Article(
        id=doc_id, origin=origin(source), body=source.body, issue=issue_id(match[1], match[2]),
        title=f.text("title", True), agency=f.text("agency", True), doc_number=f.text("doc_number"),
        kind=f.text("kind"), written=f.date("written"), summary=f.text("summary"),
    )
    return article if f.ok else None


def issue_scaffold(year: int, number: int, today: date) -> str:
    """A new issue file: the fields to fill in and one section to copy."""
    return (f"year: {year}\nnumber: {number}\ntotal_number:          # 总期号（必填）：总第几期\n"
            f"published: {today.isoformat()}  # 出版日期（必填）：印刷版的出版日期\n"
            "# pdf: 印刷版.pdf      # 印刷版 PDF（选填）：相对于本文件的路径\n"
            "sections:               # 目录（必填）：栏目名称须是 site_config.yaml 中 gazette.sections 之一\n"
            "  - name: 市政府文件\n    items:\n"
            "      - doc:            # 网站中已有政策文件的标识；公报文章写 article: 文件名\n"
            "        pages:          # 页码（选填），如 3-8\n")
