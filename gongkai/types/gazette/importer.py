"""`build.py import-gazette LISTING.csv`: a gazette's back issues from a spreadsheet.

One CSV row per article; rows with the same 年份 and 期号 form one issue. A row whose
文号 is a policy document's of the site becomes `doc: ID` in the issue's table of
contents, any other a gazette-only article stub beside the issue. Every row is checked
before anything is written; with any mistake nothing is, and every mistake is reported
at its CSV line. Files are written into a folder inside content/ first and moved into
place only when all of them are there, so content/ never holds half an import; no file
is written through a symlink that leads out of content/.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import os
import re
import shutil
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ...diagnostics import BuildStopped, Problems
from ...fields import shown
from ...outputdir import describe
from ...source import check_chars, read_data, read_source, relpath

# key: (Chinese header, English header, required column)
COLUMNS = {
    "year": ("年份", "year", True),
    "number": ("期号", "number", True),
    "total_number": ("总期号", "total_number", True),
    "published": ("出版日期", "published", True),
    "section": ("栏目", "section", True),
    "title": ("标题", "title", True),
    "doc_number": ("文号", "doc_number", True),
    "agency": ("发文机关", "agency", True),
    "kind": ("文种", "kind", False),
    "pdf": ("PDF", "pdf", False),
    "pages": ("页码", "pages", False),
}
_HEADERS = {name.casefold(): key for key, (zh, en, _) in COLUMNS.items() for name in (zh, en)} | {"发文字号": "doc_number"}
# Columns of the site's own catalog.csv that an import does not need: a catalogue
# exported by one site imports into another as it is.
_CATALOG_ONLY = {"网址", "sha-256", "url", "sha256"}
ISSUE_COLUMNS = ("total_number", "published", "pdf")  # the same on every row of an issue
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})-(\d{1,2})|/(\d{1,2})/(\d{1,2})|年(\d{1,2})月(\d{1,2})日)$")
_NUMBER = re.compile(r"^总?第?(\d{1,6})期?$")
_PAGES = re.compile(r"^第?(\d{1,4})(?:[-–—~至]+(\d{1,4}))?页?$")
_OPEN, _CLOSE = "〔[【(［（〖", "〕]】)］）〗"
_BRACKETS = str.maketrans(_OPEN + _CLOSE, "〔" * len(_OPEN) + "〕" * len(_CLOSE))
_PLAIN_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Cells a spreadsheet would run as a formula; catalog.csv writes them after an apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Free text, where the build accepts a line break or a Tab; in every other column one is a mistake.
_TEXT_COLUMNS = {"title", "doc_number", "agency", "kind"}


@dataclass
class Row:
    line: int  # physical line of the CSV where the row starts
    cells: dict[str, str]  # column key -> text as written (stripped)
    headers: dict[str, str]  # column key -> header as written, to name the field
    bad: set[str] = field(default_factory=set)  # columns already reported
    year: int | None = None
    number: int | None = None
    total_number: int | None = None
    published: date | None = None
    pdf: Path | None = None
    pages: str | None = None


@dataclass
class Item:
    doc: str | None = None  # a policy document's id, or
    article: str | None = None  # the name of the stub written for it


@dataclass
class Issue:
    year: int
    number: int
    rows: list[Row]

    @property
    def first(self) -> Row:
        return self.rows[0]

    @property
    def name(self) -> str:
        return f"{self.number:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.number}期"


@dataclass
class Listing:
    rel: str  # as reported
    folder: Path  # PDF paths are relative to it
    problems: Problems

    def error(self, row: Row, key: str, message: str) -> None:
        row.bad.add(key)
        self.problems.add(self.rel, row.line, row.headers.get(key, COLUMNS[key][0]), message)


def main(project: Path, listing: Path) -> int:
    """Import; print a summary (0) or every problem (1)."""
    project, problems = project.resolve(), Problems()
    try:
        result = run(project, listing, problems)
    except BuildStopped:
        result = None
    if problems or result is None:
        print(problems.report(), file=sys.stderr)
        print(f"导入失败：{len(problems)} 个错误，未写入任何文件。请改正后重新运行。", file=sys.stderr)
        return 1
    if problems.warnings:
        print(problems.report(), file=sys.stderr)
    issues, matched, stubs = result
    print(f"已导入 {issues} 期公报：共 {matched + stubs} 篇，其中 {matched} 篇匹配到网站已有文件，"
          f"{stubs} 篇新建为公报文章（content/gazettes/）；请运行 python3 build.py 生成网站。")
    return 0


def run(project: Path, listing: Path, problems: Problems) -> tuple[int, int, int] | None:
    """Check everything, then write; (issues, matched, stubs), or None with problems."""
    from ...build import load_config  # here: the build imports the content types, this among them

    load_config(project, problems)  # the site must be readable before it is added to
    sections = gazette_sections(project, problems)
    shown_path = relpath(listing.resolve(), project) if listing.resolve().is_relative_to(project) else str(listing)
    book = Listing(shown_path, listing.resolve().parent, problems)
    text = read_listing(listing, book)
    rows = parse_rows(text, book) if text is not None else []
    if text is not None and not rows and not problems:
        problems.add(book.rel, 0, "", "清单中除表头外没有任何文章行")
    for row in rows:
        check_row(row, sections, book)
    issues = group(rows, book)
    gazettes = project / "content" / "gazettes"
    existing = existing_issues(project, gazettes)
    check_order(issues, existing, book)
    refused = check_folders(issues, project, book)
    check_targets([i for i in issues if i.year not in refused], gazettes, project, book)
    items = match(issues, policy_index(project, problems), existing, book)
    if problems or not sections:
        return None
    name_stubs(issues, items, sections)
    write(project, gazettes, issues, items, sections, book)
    if problems:
        return None
    matched = sum(1 for item in items.values() if item.doc)
    return len(issues), matched, len(items) - matched


# -- reading -------------------------------------------------------------------------


def gazette_sections(project: Path, problems: Problems) -> tuple[str, ...]:
    from ...build import CONFIG_FILE

    doc = read_data(project / CONFIG_FILE, project, Problems())  # load_config has reported its mistakes
    gazette = doc.data.get("gazette") if doc and isinstance(doc.data, dict) else None
    sections = gazette.get("sections") if isinstance(gazette, dict) else None
    if not isinstance(sections, list) or not sections or not all(isinstance(s, str) and s.strip() for s in sections):
        problems.add(CONFIG_FILE, doc.line("gazette") if doc else 0, "gazette.sections",
                     "导入公报前请先在站点配置中写好公报的栏目，例如 sections: [市政府文件, 市政府办公室文件, 部门文件, 人事任免, 其他]")
        return ()
    return tuple(s.strip() for s in sections)


def decode(raw: bytes) -> tuple[str | None, str]:
    """The text and the encoding it was in; (None, why) when it is none we read."""
    if raw.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, "文件是 UTF-16 编码（Excel 的“Unicode 文本”）；请另存为“CSV UTF-8（逗号分隔）”"
    else:
        encodings = ("utf-8", "gb18030")
    errors = []
    for encoding in encodings:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as err:
            errors.append(err)
    error = max(errors, key=lambda err: err.start)  # the encoding that read further is the file's
    line = raw[: error.start].count(b"\n") + 1
    return None, (f"第 {line} 行有无法识别的字节：文件既不是 UTF-8 也不是 GB18030（GBK、GB2312）编码；"
                  "请在 Excel 或 WPS 中另存为“CSV UTF-8（逗号分隔）”")


def read_listing(listing: Path, book: Listing) -> str | None:
    try:
        raw = listing.read_bytes()
    except OSError as err:
        why = {FileNotFoundError: "找不到这个文件", IsADirectoryError: "这是一个文件夹"}.get(type(err))
        book.problems.add(book.rel, 0, "", f"{why or f'无法读取：{describe(err)}'}；请给出公报清单 CSV 文件的路径")
        return None
    text, encoding = decode(raw)
    if text is None:
        book.problems.add(book.rel, 0, "", encoding)
        return None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return text if check_chars(text, book.rel, book.problems) else None


def parse_rows(text: str, book: Listing) -> list[Row]:
    """The rows under the header, each with the line it starts on; blank rows skipped."""
    # strict: a quote left open to the end of the file, or text after a closing quote, is
    # an error here, not a cell that swallowed the rows below it
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records, end = [], 0
    try:
        for cells in reader:
            records.append((end + 1, cells))
            end = reader.line_num
    except csv.Error:  # its words are English; in practice it is one of these two
        book.problems.add(book.rel, end + 1, "", "从这一行起无法按 CSV 读取：多半是某个引号“\"”没有配对，或一个单元格过长（超过 10 万字）")
        return []
    records = [(line, cells) for line, cells in records if any(c.strip() for c in cells)]
    if not records:
        book.problems.add(book.rel, 0, "", "清单是空的：第一行应为表头（年份,期号,总期号,出版日期,栏目,标题,文号,发文机关），其后每行一篇文章")
        return []
    (header_line, header), rows = records[0], records[1:]
    columns = read_header(header, header_line, [cells for _, cells in rows], book)
    if columns is None:
        return []
    names = {key: header[index].strip() for index, key in columns.items()}
    result = []
    for line, cells in rows:
        extra = [c for c in cells[len(header):] if c.strip()]
        if extra:
            book.problems.add(book.rel, line, "", f"本行有 {len(cells)} 个单元格，比表头的 {len(header)} 列多；"
                              f"多出的“{shown(extra[0])}”请删除，或检查标题中的逗号是否加了引号")
        values = {key: unformula(cells[index]) if index < len(cells) else "" for index, key in columns.items()}
        result.append(Row(line, values, names))
    return result


def unformula(cell: str) -> str:
    """The cell's text, stripped, without the one apostrophe catalog.csv puts before a
    formula-like text (=, +, -, @, Tab, CR first), so a site's catalogue imports as it was."""
    text = cell.strip()
    if text[:1] == "'" and text[1:2] in _FORMULA_START:
        text = text[1:].strip()
    return text


def read_header(header: list[str], line: int, rows: list[list[str]], book: Listing) -> dict[int, str] | None:
    """Column index -> key; None (reported) when the header is not ours."""
    columns, ok = {}, True
    for index, cell in enumerate(header):
        name = unicodedata.normalize("NFKC", cell).strip().casefold()
        key = _HEADERS.get(name)
        if not name and all(index >= len(r) or not r[index].strip() for r in rows):
            continue  # an empty trailing column a spreadsheet added
        if name in _CATALOG_ONLY:
            continue
        if key is None:
            hint = "这一行看起来不是用半角逗号分隔的，请另存为逗号分隔的 CSV；" if "\t" in cell or "，" in cell else ""
            what = f"列“{shown(cell.strip())}”不是公报清单的列" if name else f"第 {index + 1} 列没有表头，但下面有内容"
            book.problems.add(book.rel, line, cell.strip(), f"{what}；{hint}可用的列："
                              + "、".join(f"{zh}（{en}）" for zh, en, _ in COLUMNS.values()) + "。多余的列请删除")
            ok = False
        elif key in columns.values():
            book.problems.add(book.rel, line, cell.strip(), f"列“{cell.strip()}”重复出现，每列只能有一次")
            ok = False
        else:
            columns[index] = key
    for key, (zh, en, required) in COLUMNS.items():
        if required and key not in columns.values():
            book.problems.add(book.rel, line, zh, f"表头缺少“{zh}”（{en}）列" + ("，该列可以留空" if key == "doc_number" else ""))
            ok = False
    return columns if ok else None


# -- one row -------------------------------------------------------------------------


def check_row(row: Row, sections: tuple[str, ...], book: Listing) -> None:
    for key, text in row.cells.items():
        if key not in _TEXT_COLUMNS and ("\n" in text or "\t" in text):
            book.error(row, key, "单元格中有换行或 Tab，请写成一行（若不是有意为之，多半是上一个引号“\"”没有配对）")
        elif key in _TEXT_COLUMNS and _swallowed(text, len(row.headers)):
            book.error(row, key, "单元格中的换行后是一整行清单：多半是这个单元格开头的引号“\"”没有配对，请补上或删去")
    for key, (zh, _, required) in COLUMNS.items():
        if required and key != "doc_number" and not row.cells.get(key) and key not in row.bad:
            book.error(row, key, f"缺少{zh}")
    row.year = _integer(row, "year", 1900, 2100, book)
    row.number = _integer(row, "number", 1, 999, book)
    row.total_number = _integer(row, "total_number", 1, 999999, book)
    row.published = _date(row, book)
    section = row.cells["section"]
    if section and sections and section not in sections and "section" not in row.bad:
        book.error(row, "section", f"栏目“{shown(section)}”不在站点配置的公报栏目中（{'、'.join(sections)}）")
    row.pages = _pages(row, book)
    row.pdf = _pdf(row, book)


def _swallowed(text: str, columns: int) -> bool:
    """A line break followed by a line with a separator for every column: a row of the
    listing inside a cell (a title with a line break has no such line)."""
    return any(line.count(",") >= max(3, columns - 1) for line in text.split("\n")[1:])


def _plain(row: Row, key: str) -> str:
    return unicodedata.normalize("NFKC", row.cells.get(key, "")).replace(" ", "")


def _integer(row: Row, key: str, low: int, high: int, book: Listing) -> int | None:
    text = _plain(row, key)
    if not text or key in row.bad:
        return None
    match = _NUMBER.match(text)
    value = int(match[1]) if match else None
    if value is None or not low <= value <= high:
        book.error(row, key, f"“{shown(row.cells[key])}”应为 {low} 到 {high} 之间的整数")
        return None
    return value


def _date(row: Row, book: Listing) -> date | None:
    text = _plain(row, "published")
    if not text or "published" in row.bad:
        return None
    match = _DATE.match(text)
    try:
        year, month, day = (int(part) for part in (match[1], *filter(None, match.groups()[1:])))
        return date(year, month, day)
    except (TypeError, ValueError):  # no match, or no such day
        book.error(row, "published", f"“{shown(row.cells['published'])}”不是有效的日期；请写成 2012-03-25、2012/3/25 或 2012年3月25日")
        return None


def _pages(row: Row, book: Listing) -> str | None:
    text = _plain(row, "pages")
    if not text or "pages" in row.bad:
        return None
    match = _PAGES.match(text)
    first, last = (int(match[1]), int(match[2] or match[1])) if match else (0, 0)
    if not match or first < 1 or last < first:
        book.error(row, "pages", f"页码“{shown(row.cells['pages'])}”应为一页（如 5）或起止页（如 3-8），起始页不大于结束页")
        return None
    return str(first) if first == last else f"{first}-{last}"


def _pdf(row: Row, book: Listing) -> Path | None:
    text = row.cells.get("pdf", "")
    if not text or "pdf" in row.bad:
        return None
    path = book.folder / text
    if path.suffix.lower() != ".pdf":
        book.error(row, "pdf", f"印刷版应为 PDF 文件（.pdf），实际为“{shown(text)}”")
    elif not path.is_file():
        book.error(row, "pdf", f"找不到印刷版 PDF“{shown(text)}”（路径相对于清单 CSV 所在的文件夹）；请放入该文件或改正路径")
    elif not _looks_like_pdf(path):
        book.error(row, "pdf", f"“{shown(text)}”的内容不是 PDF（开头没有 %PDF-）；请换成公报印刷版的 PDF 文件")
    else:
        return path.resolve()
    return None


def _looks_like_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return b"%PDF-" in handle.read(1024)
    except OSError:
        return False


# -- issues --------------------------------------------------------------------------


def group(rows: list[Row], book: Listing) -> list[Issue]:
    """Rows by (year, number), in listing order; issue-level columns must agree."""
    issues: dict[tuple[int, int], Issue] = {}
    for row in rows:
        if row.year is not None and row.number is not None:
            issues.setdefault((row.year, row.number), Issue(row.year, row.number, [])).rows.append(row)
    for issue in issues.values():
        for key in ISSUE_COLUMNS:
            rows_ = [row for row in issue.rows if key not in row.bad]
            for row in rows_[1:]:
                if getattr(row, key) != getattr(rows_[0], key):
                    zh = COLUMNS[key][0]
                    book.error(row, key, f"同一期（{issue.label}）各行的{zh}应相同：第 {rows_[0].line} 行为"
                               f"“{rows_[0].cells.get(key) or '空'}”，本行为“{row.cells.get(key) or '空'}”")
    return list(issues.values())


@dataclass(frozen=True)
class Existing:
    """An issue already in content/gazettes/, as far as its file can be read."""

    rel: str
    year: int
    number: int
    total_number: int | None
    published: date | None
    docs: frozenset[str]


def existing_issues(project: Path, gazettes: Path) -> dict[tuple[int, int], Existing]:
    found = {}
    for path in sorted(gazettes.glob("*/*.yaml")) if gazettes.is_dir() else ():
        if not (path.parent.name.isdigit() and path.stem.isdigit()):
            continue
        doc = read_data(path, project, Problems())  # its mistakes are the build's to report
        data = doc.data if doc and isinstance(doc.data, dict) else {}
        key = (int(path.parent.name), int(path.stem))
        found[key] = Existing(relpath(path, project), *key, _int(data.get("total_number")),
                              _iso(data.get("published")), frozenset(_docs(data)))
    return found


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else None


def _iso(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _docs(data: dict):
    for section in data.get("sections") or ():
        for item in (section.get("items") or ()) if isinstance(section, dict) else ():
            if isinstance(item, dict) and isinstance(item.get("doc"), str):
                yield item["doc"]


def check_order(issues: list[Issue], existing: dict[tuple[int, int], Existing], book: Listing) -> None:
    """Total numbers rise with the date, across the listing and the issues already there."""
    dated = [(i.first.published, i.first.total_number, i.label, i) for i in issues
             if i.first.published and i.first.total_number and not {"published", "total_number"} & i.first.bad]
    dated += [(e.published, e.total_number, f"{e.year}年第{e.number}期（{e.rel}）", None) for key, e in existing.items()
              if e.published and e.total_number and not any((i.year, i.number) == key for i in issues)]
    dated.sort(key=lambda entry: (entry[0], entry[1]))
    for (day, total, label, issue), (later_day, later_total, later_label, later) in zip(dated, dated[1:], strict=False):
        if later_total > total:
            continue
        if later is not None:
            book.error(later.first, "total_number", f"总期号 {later_total} 应大于出版日期更早的 {label}"
                       f"（{day}）的总期号 {total}；总期号随出版日期递增")
        elif issue is not None:
            book.error(issue.first, "total_number", f"总期号 {total} 应小于出版日期更晚的 {later_label}"
                       f"（{later_day}）的总期号 {later_total}；总期号随出版日期递增")


def check_folders(issues: list[Issue], project: Path, book: Listing) -> set[int]:
    """content/, content/gazettes/ and each year's folder: a real folder, not there yet,
    or a symlink to a folder inside content/ (as the build allows). Anything else is
    reported before a file is written, once, at the first row that would write there.
    The years whose folder cannot be written to."""
    if not issues:
        return set()
    content = project / "content"
    try:
        inside = content.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        inside = None
    for folder in (content, content / "gazettes"):
        why = unsafe_folder(folder, inside, project, "导入的公报都要写入这里")
        if why:
            book.problems.add(book.rel, issues[0].first.line, "", why)
            return {issue.year for issue in issues}  # what lies below it follows from it
    refused, seen = set(), set()
    for issue in issues:
        if issue.year in seen:
            continue
        seen.add(issue.year)
        why = unsafe_folder(content / "gazettes" / str(issue.year), inside, project, f"{issue.year} 年的期次要写入这里")
        if why:
            refused.add(issue.year)
            book.error(issue.first, "year", why)
    return refused


def unsafe_folder(folder: Path, inside: Path | None, project: Path, use: str) -> str | None:
    """Why nothing may be written into folder (use: what would be); None when it is fine
    (or not there yet)."""
    rel = relpath(folder, project)
    if not folder.is_symlink():
        if folder.exists() and not folder.is_dir():
            return f"{rel} 是一个文件，不是文件夹，不能写入（{use}）；请把它移走或改名后重新导入"
        return None
    try:
        target = folder.resolve()
    except (OSError, RuntimeError):
        return f"{rel} 是循环的符号链接（最终指回自己），不能写入（{use}）；请删除它或改为真实的文件夹后重新导入"
    if inside is None or not target.is_relative_to(inside):
        where = " content/ 目录以外" if target.is_relative_to(project) else "项目以外"
        return (f"{rel} 是指向{where}的符号链接，不能写入：它指向 {target}（{use}）；"
                "请把它换成 content/ 中真实的文件夹后重新导入")
    if not target.is_dir():
        what = "一个文件" if target.exists() else "不存在的位置"
        return f"{rel} 是指向{what}的符号链接，不是文件夹，不能写入（{use}）；请删除它或改为真实的文件夹后重新导入"
    return None


def check_targets(issues: list[Issue], gazettes: Path, project: Path, book: Listing) -> None:
    """Never overwrite: an issue already there is refused; one PDF is one issue's."""
    pdfs: dict[Path, Issue] = {}
    for issue in issues:
        folder = gazettes / str(issue.year)
        there = [folder / f"{issue.name}.yaml", folder / issue.name]
        there += [p for p in folder.glob("*.yaml") if p.stem.isdigit() and int(p.stem) == issue.number]
        if issue.first.pdf:
            there.append(folder / f"{issue.name}.pdf")
        taken = next((p for p in there if p.exists() or p.is_symlink()), None)
        if taken:
            link = "，是一个符号链接" if taken.is_symlink() else ""
            book.error(issue.first, "number", f"{issue.label}已存在（{relpath(taken, project)}{link}）；导入不会覆盖已有的文件，"
                       "请从清单中删除这一期的行，或先移走已有的文件")
        pdf = issue.first.pdf
        if pdf and pdf in pdfs:
            book.error(issue.first, "pdf", f"同一个 PDF 已用作 {pdfs[pdf].label}（第 {pdfs[pdf].first.line} 行）的印刷版；每期应有自己的 PDF")
        elif pdf:
            pdfs[pdf] = issue


# -- matching ------------------------------------------------------------------------


def normalise(doc_number: str) -> str:
    """One spelling of a 文号: half-width, one kind of bracket, no spaces."""
    text = unicodedata.normalize("NFKC", doc_number).translate(_BRACKETS)
    return "".join(text.split())


@dataclass(frozen=True)
class Policy:
    id: str
    rel: str
    title: str


def policy_index(project: Path, problems: Problems) -> dict[str, list[Policy]]:
    """Policy documents by normalised 文号. A file that cannot be read is reported:
    its row would otherwise become a stub in silence."""
    index: dict[str, list[Policy]] = {}
    folder = project / "content" / "policies"
    for path in sorted(folder.rglob("*.md")) if folder.is_dir() else ():
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        source = read_source(path, project, problems)
        if source is None:
            continue
        front = source.front.data
        number = front.get("doc_number")
        if isinstance(number, str) and number.strip():
            doc_id = front["id"] if isinstance(front.get("id"), str) else path.stem
            title = front["title"] if isinstance(front.get("title"), str) else ""
            index.setdefault(normalise(number), []).append(Policy(doc_id, source.rel, title))
    return index


def match(issues: list[Issue], policies: dict[str, list[Policy]], existing: dict[tuple[int, int], Existing],
          book: Listing) -> dict[int, Item]:
    """Each row's item (by line): a policy document by 文号, else a new article."""
    carried = {doc: e.rel for e in existing.values() for doc in e.docs}
    seen: dict[str, Row] = {}
    items: dict[int, Item] = {}
    for issue in issues:
        for row in issue.rows:
            item = items[row.line] = Item()
            number = row.cells["doc_number"]
            key = normalise(number)
            if not key or "doc_number" in row.bad:
                continue
            if key in seen:
                book.error(row, "doc_number", f"文号“{number}”在第 {seen[key].line} 行已出现；同一份文件只能刊登一次")
                continue
            seen[key] = row
            found = policies.get(key, [])
            if len(found) > 1:
                book.error(row, "doc_number", f"文号“{number}”对应网站中的多个文件（{'、'.join(p.rel for p in found)}）；"
                           "请先改正这些文件的 doc_number")
            elif found and found[0].id in carried:
                book.error(row, "doc_number", f"文号“{number}”的文件 {found[0].rel} 已刊登在 {carried[found[0].id]}；"
                           "一份文件只能刊登在一期公报中")
            elif found:
                item.doc = found[0].id
                _compare_title(row, found[0], book)
    return items


def name_stubs(issues: list[Issue], items: dict[int, Item], sections: tuple[str, ...]) -> None:
    """a01, a02 … in the order of each issue's table of contents."""
    for issue in issues:
        rows = sorted(issue.rows, key=lambda row: (sections.index(row.cells["section"]), row.line))
        for index, row in enumerate((row for row in rows if not items[row.line].doc), 1):
            items[row.line].article = f"a{index:02d}"


def _compare_title(row: Row, policy: Policy, book: Listing) -> None:
    def plain(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text).split())

    if policy.title and plain(policy.title) != plain(row.cells["title"]):
        book.problems.warn(book.rel, row.line, row.headers["title"],
                           f"按文号匹配到 {policy.rel}，但其标题是“{shown(policy.title)}”；请核对文号是否填错（目录中显示该文件的标题）")


# -- writing -------------------------------------------------------------------------


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"})


def quote(text: str) -> str:
    """A YAML double-quoted scalar on one line: colons, quotes and # stay text, and a
    line break or Tab is its escape (a raw one would be folded into a space)."""
    return '"' + text.translate(_ESCAPES) + '"'


def issue_yaml(issue: Issue, items: dict[int, Item], sections: tuple[str, ...], book: Listing) -> str:
    first = issue.first
    source = "".join(ch for ch in Path(book.rel).name if ch.isprintable())
    lines = [f"# {issue.label}（总第{first.total_number}期），由 build.py import-gazette 从 {source} 导入。",
             f"year: {issue.year}", f"number: {issue.number}", f"total_number: {first.total_number}",
             f"published: {first.published.isoformat()}"]
    if first.pdf:
        lines.append(f"pdf: {quote(issue.name + '.pdf')}")
    lines.append("sections:")
    for section in sections:
        rows = [row for row in issue.rows if row.cells["section"] == section]
        if not rows:
            continue
        lines += [f"  - name: {quote(section)}", "    items:"]
        for row in rows:
            item = items[row.line]
            ref = f"doc: {item.doc if _PLAIN_ID.match(item.doc) else quote(item.doc)}" if item.doc else f"article: {item.article}"
            lines.append(f"      - {ref}")
            if row.pages:
                lines.append(f"        pages: {quote(row.pages)}")
    return "\n".join(lines) + "\n"


def stub_markdown(row: Row) -> str:
    lines = ["---", f"title: {quote(row.cells['title'])}", f"agency: {quote(row.cells['agency'])}"]
    for key in ("doc_number", "kind"):
        if row.cells.get(key):
            lines.append(f"{key}: {quote(row.cells[key])}")
    where = f"第{row.pages.replace('-', '—')}页" if row.pages else ""
    return "\n".join(lines) + f"\n---\n\n本文全文见本期公报印刷版{where}。\n"


def write(project: Path, gazettes: Path, issues: list[Issue], items: dict[int, Item],
          sections: tuple[str, ...], book: Listing) -> None:
    """Stage every file in a hidden folder in content/ (same file system: a move is a
    rename; the build skips hidden folders), then move each issue into place; on any
    failure take back what was moved."""
    made: list[Path] = []  # folders and files now in content/, in the order they came
    content = gazettes.parent
    try:
        _makedirs(content, made)
        staging = Path(tempfile.mkdtemp(prefix=".import-gazette-", dir=content))
    except OSError as err:
        _take_back(made)
        book.problems.add("content", 0, "", f"无法在 content/ 目录中写入：{describe(err)}；未写入任何文件")
        return
    target = gazettes
    try:
        inside = content.resolve()
        for issue in issues:
            _stage(staging, issue, items, sections, book)
        for issue in issues:
            folder = gazettes / str(issue.year)
            _makedirs(folder, made)
            if not folder.resolve().is_relative_to(inside):  # became a symlink since the check
                raise _Unsafe(f"{relpath(folder, project)} 指向 content/ 目录以外")
            for name in (f"{issue.name}.yaml", f"{issue.name}.pdf", issue.name):
                source, target = staging / str(issue.year) / name, folder / name
                if source.exists():
                    if target.exists() or target.is_symlink():  # appeared since the check
                        raise FileExistsError(errno.EEXIST, "文件已存在", str(target))
                    os.rename(source, target)
                    made.append(target)
    except (OSError, RuntimeError, _Unsafe) as err:
        _take_back(made)
        why = str(err) if isinstance(err, _Unsafe) else describe(err) if isinstance(err, OSError) else "路径中有循环的符号链接"
        book.problems.add(relpath(target, project), 0, "", f"写入失败：{why}；已撤销本次导入写入的文件，content/ 保持原样")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class _Unsafe(Exception):
    """A folder checked before writing leads out of content/ by the time it is written to."""


def _take_back(made: list[Path]) -> None:
    for path in reversed(made):  # a folder made here is empty by the time it is reached
        with contextlib.suppress(OSError):
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()


def _stage(staging: Path, issue: Issue, items: dict[int, Item], sections: tuple[str, ...], book: Listing) -> None:
    folder = staging / str(issue.year)
    folder.mkdir(exist_ok=True)
    (folder / f"{issue.name}.yaml").write_text(issue_yaml(issue, items, sections, book), encoding="utf-8")
    if issue.first.pdf:
        shutil.copyfile(issue.first.pdf, folder / f"{issue.name}.pdf")
    for row in issue.rows:
        item = items[row.line]
        if item.article:
            (folder / issue.name).mkdir(exist_ok=True)
            (folder / issue.name / f"{item.article}.md").write_text(stub_markdown(row), encoding="utf-8")


def _makedirs(folder: Path, made: list[Path]) -> None:
    """Create folder and its missing parents, outermost first, noting each."""
    for path in [p for p in (folder, *folder.parents) if not p.exists()][::-1]:
        path.mkdir()
        made.append(path)
