"""What the catalog's pages print, computed here so the layouts only lay it out: the
tree with counts, a category's description block, the rows of the 主动公开基本目录
table, and the ledger as text, CSV and table rows."""

from __future__ import annotations

from dataclasses import dataclass

from ...views import Link, cn_date, spreadsheet_csv
from .ledger import Ledger, Row, Status
from .model import ROOT, Catalog, url
from .record import Category

TABLE = f"{ROOT}table/"
LEDGER = f"{ROOT}ledger/"
TABLE_TITLE = "主动公开基本目录"
LEDGER_TITLE = "信息公开任务分工台账"


@dataclass(frozen=True)
class Node:
    """A category in the tree: its link with the item count, and the nodes below."""

    link: Link
    count: int
    children: tuple[Node, ...]


def tree(catalog: Catalog, categories: tuple[Category, ...] | None = None) -> tuple[Node, ...]:
    return tuple(Node(Link(c.name, url(c.code)), len(catalog.items(c.code)), tree(catalog, c.children))
                 for c in (catalog.roots if categories is None else categories))


def details(category: Category) -> list[tuple[str, str]]:
    """The category's 公开事项 fields, as the description block prints them."""
    rows = [("公开内容", category.content), ("公开依据", category.basis), ("公开主体", category.publisher),
            ("责任单位", category.owner), ("公开时限", category.rule.text if category.rule else None),
            ("公开渠道和载体", category.channel), ("公开对象", category.audience), ("公开方式", category.manner)]
    return [(label, value) for label, value in rows if value]


@dataclass(frozen=True)
class TableGroup:
    """One 一级 公开事项 of the basic catalog table: its name and its rows."""

    name: str
    link: str
    rows: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]  # (二级 name, url, (column, value)…)


TABLE_COLUMNS = ("公开内容", "公开依据", "公开时限", "公开主体", "公开渠道和载体", "公开对象", "公开方式")


def table(catalog: Catalog) -> list[TableGroup]:
    """Every leaf under its 一级 事项; a 三级 事项 is named with its 二级 parent."""
    groups = []
    for root in catalog.roots:
        rows = []
        for leaf in _leaves(root):
            names = [c.name for c in catalog.ancestors(leaf)[1:]] + ([leaf.name] if leaf is not root else [])
            cells = (leaf.content, leaf.basis, leaf.rule.text if leaf.rule else "", leaf.publisher, leaf.channel,
                     leaf.audience, leaf.manner)
            rows.append(("／".join(names) or leaf.name, url(leaf.code),
                         tuple((label, value or "—") for label, value in zip(TABLE_COLUMNS, cells, strict=True))))
        groups.append(TableGroup(root.name, url(root.code), tuple(rows)))
    return groups


def _leaves(category: Category):
    if category.leaf:
        yield category
    for child in category.children:
        yield from _leaves(child)


# -- the ledger --------------------------------------------------------------------------------

LEDGER_HEADER = ("责任单位", "代码", "公开事项", "公开时限", "条目数", "最近更新", "下次截止", "剩余工作日", "状态", "逾期发布")


def left_text(row: Row) -> str:
    if row.left is None:
        return "—"
    if row.status is Status.OVERDUE and row.left == 0:
        return "已过截止日" + ("" if row.exact else "（其后的工作日数未知）")
    if row.left < 0:
        return f"逾期 {-row.left} 个工作日" + ("" if row.exact else "以上")
    return f"{row.left} 个工作日" + ("" if row.exact else "以上")


def ledger_cells(row: Row) -> tuple[str, ...]:
    return (row.category.owner or "", row.category.code, row.path, row.category.rule.text if row.category.rule else "",
            str(row.count), cn_date(row.last) or "—", cn_date(row.due) or "—", left_text(row), row.status.label,
            str(row.late) if row.late else "")


def ledger_text(ledger: Ledger) -> str:
    lines = [f"{LEDGER_TITLE}（截至 {cn_date(ledger.as_of)}）",
             "合计：" + "，".join(f"{label} {n}" for label, n in ledger.totals()), "", "检查指标（国办秘函〔2019〕19号）："]
    lines += [f"  {'✓ 达标' if i.ok else '✗ 不达标'}：{i.text} —— {i.detail}" for i in ledger.indicators]
    for group in ledger.groups:
        counts = "，".join(f"{label} {n}" for label, n in group.counts())
        lines += ["", f"{group.owner}（{len(group.rows)} 项：{counts}）"]
        for row in group.rows:
            late = f"；逾期发布 {row.late} 件" if row.late else ""
            lines.append(f"  [{row.status.label}] {row.path}（{row.category.code}）　{row.category.rule.text}　"
                         f"最近更新：{cn_date(row.last) or '无'}　下次截止：{cn_date(row.due) or '—'}　"
                         f"剩余：{left_text(row)}{late}")
    if problems := ledger.problems():
        lines += ["", "无法计算："] + [f"  {p}" for p in problems]
    lines += ["", f"工作日按国务院办公厅公布的节假日和调休安排计算（{ledger.calendar}）。"]
    return "\n".join(lines) + "\n"


def ledger_csv(ledger: Ledger) -> bytes:
    return spreadsheet_csv(LEDGER_HEADER, [ledger_cells(row) for row in ledger.rows])


def status_class(status: Status) -> str:
    return {Status.OVERDUE: "overdue", Status.EMPTY: "empty", Status.SOON: "soon", Status.ON_TIME: "on-time",
            Status.UNKNOWN: "unknown"}[status]


def ledger_failures(ledger: Ledger) -> str:
    """What `check --strict` prints: each failing indicator and row, most urgent first."""
    lines = [f"台账检查未通过（截至 {cn_date(ledger.as_of)}）："]
    lines += [f"  ✗ {i.text}：{i.detail}" for i in ledger.indicators if not i.ok]
    failing = (Status.OVERDUE, Status.EMPTY, Status.UNKNOWN)
    rows = sorted((r for r in ledger.rows if r.status in failing), key=lambda r: r.sort_key)
    lines += [f"  [{r.status.label}] {r.category.rel}:{r.category.line}: {r.path}（{r.category.code}，"
              f"{r.category.owner}）{'：' + left_text(r) if r.left is not None else ''}" for r in rows]
    lines.append("运行 python3 build.py ledger 查看完整台账。")
    return "\n".join(lines)
