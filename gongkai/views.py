"""Presentation data computed in Python, so layouts only lay things out.

Each function turns part of the site model into plain values a template prints:
metadata rows, status banners, attachment labels, table cells, pagination.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from math import ceil
from typing import TYPE_CHECKING

from . import urls
from .records import PUBLISHABLE_FILES, DataTable

if TYPE_CHECKING:
    from .contenttype import Listing


def cn_date(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def spreadsheet_cell(text: str) -> str:
    """A spreadsheet runs a cell that starts like a formula: such text gets a leading
    apostrophe, which Excel shows as text (import-gazette takes it off again)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def spreadsheet_csv(header: tuple[str, ...], rows) -> bytes:
    """UTF-8 with a byte-order mark and CRLF rows, so Excel opens it as Chinese text;
    every cell made safe from formula injection."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([spreadsheet_cell(cell) for cell in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def file_size(size: int) -> str:
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


@dataclass(frozen=True)
class Link:
    title: str
    url: str
    note: str = ""  # e.g. the 文号 or the date shown beside the link


@dataclass(frozen=True)
class AttachmentView:
    title: str
    url: str
    download: str  # the original file name
    type: str
    size: str


def attachments(record) -> list[AttachmentView]:
    """The attachments of any record that has them, as a list prints them."""
    return [
        AttachmentView(a.title, urls.content_file(a.rel), a.source.name,
                       PUBLISHABLE_FILES[a.extension], file_size(a.size))
        for a in record.attachments
    ]


@dataclass(frozen=True)
class Cell:
    text: str
    header: str = ""  # "", "row" or "rowgroup": a th with that scope
    rowspan: int = 1


def table_groups(table: DataTable) -> list[list[list[Cell]]]:
    """Row groups (tbody) of row cells. Equal values in consecutive rows of a group
    column merge into one header cell spanning them, as in the printed table."""
    grouping = sum(1 for c in table.columns if c.group)
    rows = table.rows
    spans = [_spans(rows, col) if col < grouping else [1] * len(rows) for col in range(len(table.columns))]
    groups: list[list[list[Cell]]] = []
    for index, row in enumerate(rows):
        if not groups or (grouping and spans[0][index]):
            groups.append([])
        cells = []
        for col, text in enumerate(row):
            if col < grouping:
                if spans[col][index]:
                    cells.append(Cell(text, "rowgroup" if col == 0 else "row", spans[col][index]))
            else:
                cells.append(Cell(text, "row" if grouping == 0 and col == 0 else ""))
        groups[-1].append(cells)
    return groups


def _spans(rows, col: int) -> list[int]:
    """For each row, how many rows its cell spans (0 when merged into the cell above).
    A cell merges only when every column to its left merges too."""
    spans = [0] * len(rows)
    start = 0
    for index in range(1, len(rows) + 1):
        if index == len(rows) or rows[index][: col + 1] != rows[start][: col + 1]:
            spans[start] = index - start
            start = index
    return spans


PAGER_NEIGHBOURS = 2  # page links on each side of the current page


@dataclass(frozen=True)
class Pager:
    """One page of a listing. urls (every page's URL) is one tuple shared by all pages
    of the listing; a page links only to a window of it, so a listing of n pages
    renders O(n) links in all, not O(n²)."""

    number: int
    count: int
    urls: tuple[str, ...]

    @property
    def previous(self) -> str | None:
        return self.urls[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.urls[self.number] if self.number < self.count else None

    def pages(self) -> list[tuple[int, str] | None]:
        """(number, url) for the first, the last and the current page with its
        neighbours, in order; None where numbers are left out. A gap of a single
        page shows that page instead: "…" must stand for at least two."""
        low = max(1, self.number - PAGER_NEIGHBOURS)
        high = min(self.count, self.number + PAGER_NEIGHBOURS)
        low = 1 if low <= 3 else low  # 1, 2, [3 …]: page 2 rather than a gap
        high = self.count if high >= self.count - 2 else high
        shown = [1] * (low > 1) + list(range(low, high + 1)) + [self.count] * (high < self.count)
        result: list[tuple[int, str] | None] = []
        for number in shown:
            if result and result[-1] is not None and number > result[-1][0] + 1:
                result.append(None)
            result.append((number, self.urls[number - 1]))
        return result


def paginate(listing: Listing, size: int) -> list[tuple[Pager, tuple]]:
    count = max(1, ceil(len(listing.items) / size))
    page_urls = tuple(urls.paginated(listing.url, n) for n in range(1, count + 1))
    return [(Pager(n, count, page_urls), listing.items[(n - 1) * size: n * size]) for n in range(1, count + 1)]
