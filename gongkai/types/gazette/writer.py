"""The files of `import-gazette`, written all or nothing.

Owns: each issue's YAML (table of contents by section) and each gazette-only article's
Markdown stub, as one-line quoted YAML; staging every file in a hidden folder inside
content/, moving each issue into place, and taking all of it back when any move fails.
What to write has been decided and checked by importer.py before this is called.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ...outputdir import describe
from ...source import relpath
from .listing import Issue, Listing, Row

_PLAIN_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"})


@dataclass
class Item:
    """What one row becomes in its issue's table of contents."""

    doc: str | None = None  # a policy document's id, or
    article: str | None = None  # the name of the stub written for it


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
