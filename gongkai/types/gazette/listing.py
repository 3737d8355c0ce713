"""The listing of `import-gazette`: a CSV of back issues, one row per article, read and
checked against itself, before anything of the site is looked at.

Owns: decoding the file (UTF-8, GB18030), the header (Chinese or English column names,
the extra columns of a site's own catalog.csv), each row's cells and their checks (numbers,
dates, pages, the PDF), the rows of one issue agreeing with each other, and the one
spelling of a 文号 that matching compares. Every mistake is reported at its CSV line and
column; importer.py decides what the rows become.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ...diagnostics import Problems
from ...fields import shown
from ...outputdir import describe
from ...source import check_chars

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
class Listing:
    """The CSV being imported, as its mistakes are reported."""

    rel: str  # as reported
    folder: Path  # PDF paths are relative to it
    problems: Problems

    def error(self, row: Row, key: str, message: str) -> None:
        row.bad.add(key)
        self.problems.add(self.rel, row.line, row.headers.get(key, COLUMNS[key][0]), message)


@dataclass
class Issue:
    """The rows of one issue (same 年份 and 期号), in listing order."""

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


# -- reading -------------------------------------------------------------------------


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


# -- 文号 ----------------------------------------------------------------------------


def normalise(doc_number: str) -> str:
    """One spelling of a 文号: half-width, one kind of bracket, no spaces."""
    text = unicodedata.normalize("NFKC", doc_number).translate(_BRACKETS)
    return "".join(text.split())
