"""`build.py import-gazette LISTING.csv`: a gazette's back issues from a spreadsheet.

One CSV row per article; rows with the same 年份 and 期号 form one issue. A row whose
文号 is a policy document's of the site becomes `doc: ID` in the issue's table of
contents, any other a gazette-only article stub beside the issue. Every row is checked
before anything is written; with any mistake nothing is, and every mistake is reported
at its CSV line.

Owns: the command (`main`, `run`), the checks of the listing against the site (its
gazette sections, the issues already in content/gazettes/, total numbers rising with
the date, folders and files that would be written over or lead out of content/ through
a symlink), matching rows to policy documents by 文号, and naming the article stubs.
Reading the CSV is listing.py's; writing the files, all or nothing, is writer.py's.
"""
from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ...diagnostics import BuildStopped, Problems
from ...fields import shown
from ...source import read_data, read_source, relpath
from .listing import Issue, Listing, Row, check_row, group, normalise, parse_rows, read_listing
from .writer import Item, write


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


# -- the site ------------------------------------------------------------------------


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


# -- issues already there, folders and files -----------------------------------------


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
