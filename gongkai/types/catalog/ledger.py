"""The task ledger (台账): every leaf category of the catalog with its responsible unit,
update rule, last update, next due date, working days left and status as of a date,
and how the site stands against the national inspection indicators (检查指标,
国办秘函〔2019〕19号).

Working days come from the calendar (chinesecalendar plus the site's overrides). A
figure that depends on a year neither knows is never guessed: the row says so and the
ledger command fails; a status that is certain without it (more working days left in
the known part than the warning threshold) is still given.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from ...names import names
from ...workdays import Calendar, UnknownYear
from .model import Catalog, Item
from .record import INSPECTIONS, Category


class Status(Enum):
    OVERDUE = (0, "已逾期")
    EMPTY = (1, "空栏目")
    SOON = (2, "即将到期")
    ON_TIME = (3, "按期")
    UNKNOWN = (4, "无法计算")

    @property
    def rank(self) -> int:
        return self.value[0]

    @property
    def label(self) -> str:
        return self.value[1]


@dataclass(frozen=True)
class Row:
    category: Category
    path: str  # 一级 › 二级 › 三级
    count: int  # items published by the as-of date
    last: date | None  # newest of them
    due: date | None  # when the next update (or a pending item) is due
    left: int | None  # working days left; negative when overdue
    exact: bool  # False: at least `left` (the calendar ends before the due date)
    status: Status
    late: int  # items published after their deadline (N个工作日 rules)
    problem: str | None  # why a figure cannot be computed

    @property
    def sort_key(self) -> tuple:
        return (self.status.rank, self.left if self.left is not None else 10**9, self.category.code)


@dataclass(frozen=True)
class Indicator:
    """One inspection indicator, in its own words, and the categories that fail it."""

    text: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Group:
    owner: str
    rows: tuple[Row, ...]

    def counts(self) -> list[tuple[str, int]]:
        return [(s.label, n) for s in Status if (n := sum(1 for r in self.rows if r.status is s))]


@dataclass(frozen=True)
class Ledger:
    as_of: date
    groups: tuple[Group, ...]
    indicators: tuple[Indicator, ...]
    calendar: str  # which years the calendar knows

    @property
    def rows(self) -> list[Row]:
        """Every row once (a category of several units is in each unit's group), most urgent first."""
        unique = {row.category.code: row for group in self.groups for row in group.rows}
        return sorted(unique.values(), key=lambda r: r.sort_key)

    def totals(self) -> list[tuple[str, int]]:
        return [(s.label, n) for s in Status if (n := sum(1 for r in self.rows if r.status is s))]

    @property
    def failing(self) -> bool:
        """What `check --strict` fails on: anything overdue or empty, any indicator failed,
        any figure that could not be computed."""
        return any(r.status in (Status.OVERDUE, Status.EMPTY, Status.UNKNOWN) for r in self.rows) or \
            not all(i.ok for i in self.indicators)

    def problems(self) -> list[str]:
        """Each figure that could not be computed, located at its category."""
        return [f"{r.category.rel}:{r.category.line}: {r.path}（{r.category.code}）：{r.problem}"
                for r in self.rows if r.problem]


def compute(catalog: Catalog, cal: Calendar, as_of: date, due_soon: int) -> Ledger:
    rows = []
    for category in catalog.leaves():
        path = " › ".join(c.name for c in (*catalog.ancestors(category), category))
        rows.append(_row(category, path, catalog.items(category.code), cal, as_of, due_soon))
    by_owner: dict[str, list[Row]] = {}
    for row in rows:
        for unit in names(row.category.owner or "") or (row.category.owner or "",):
            by_owner.setdefault(unit, []).append(row)
    groups = [Group(owner, tuple(sorted(items, key=lambda r: r.sort_key))) for owner, items in by_owner.items()]
    groups.sort(key=lambda g: (g.rows[0].sort_key, g.owner))
    return Ledger(as_of, tuple(groups), _indicators(catalog, rows, as_of), cal.describe())


def _row(category: Category, path: str, items: tuple[Item, ...], cal: Calendar, as_of: date, soon: int) -> Row:
    published = [i for i in items if i.published <= as_of]
    last = max((i.published for i in published), default=None)
    rule = category.rule
    try:
        late = _late(rule, published, cal) if rule.workdays else 0
        due, left, exact = _due(rule, items, last, cal, as_of)
    except UnknownYear as err:
        return Row(category, path, len(published), last, None, None, False, Status.UNKNOWN, 0, str(err))
    status = _status(published, due is not None and due < as_of, left, exact, soon)
    problem = None
    if status is Status.UNKNOWN:
        year = next(y for y in range(as_of.year, due.year + 1) if not cal.known(y))
        problem = (f"截止日 {due.isoformat()} 前至少还有 {left} 个工作日，确切数目要用到 {year} 年的节假日安排，"
                   f"无法判断是否即将到期。{UnknownYear(year, cal.known_text())}")
    return Row(category, path, len(published), last, due, left, exact, status, late, problem)


def _late(rule, published: list[Item], cal: Calendar) -> int:
    """Items published more than N working days after they were formed. Items formed
    before the first year the calendar knows are older than any such deadline here."""
    first = cal.first_known()
    return sum(1 for i in published if i.formed >= first and cal.count(i.formed, i.published) > rule.workdays)


def _due(rule, items: tuple[Item, ...], last: date | None, cal: Calendar, as_of: date):
    """(due date, working days left, exact) of the next update; (None, None, True) when
    nothing is due (长期, an event rule with nothing pending, an empty category)."""
    if rule.workdays:
        pending = [i for i in items if i.formed <= as_of < i.published]
        if not pending:
            return None, None, True
        first = min(pending, key=lambda i: i.formed)
        elapsed = cal.count(first.formed, as_of)
        return _add_known(cal, first.formed, rule.workdays), rule.workdays - elapsed, True
    if rule.standing or last is None:
        return None, None, True
    try:
        due = rule.next_due(last, cal)
    except (OverflowError, ValueError):  # after 9999-12-31: beyond any inspection
        return None, None, True
    left, whole = cal.count_known(as_of, due)  # overdue is a fact of dates; only the figure may be a floor
    return due, left, whole


def _add_known(cal: Calendar, start: date, n: int) -> date | None:
    try:
        return cal.add(start, n)
    except UnknownYear:
        return None  # the days left are still exact; only the date is not yet known


def _status(published: list[Item], past_due: bool, left: int | None, exact: bool, soon: int) -> Status:
    if past_due or (left is not None and left < 0):
        return Status.OVERDUE
    if not published:
        return Status.EMPTY
    if left is None or left > soon:
        return Status.ON_TIME
    return Status.SOON if exact else Status.UNKNOWN  # at least `left` days: more might yet be working days


def _indicators(catalog: Catalog, rows: list[Row], as_of: date) -> tuple[Indicator, ...]:
    newest = max((r.last for r in rows if r.last), default=None)
    home_ok = newest is not None and (as_of - newest).days <= 14
    result = [Indicator("监测时间点前2周内，首页栏目无信息更新的", home_ok,
                        f"最近一次更新：{_cn(newest)}" if newest else "网站还没有任何内容")]
    for kind, days, text in (("动态要闻", INSPECTIONS["动态要闻"], "监测时间点前2周内，动态、要闻类栏目未更新的"),
                             ("通知公告政策文件", INSPECTIONS["通知公告政策文件"], "监测时间点前6个月内，通知公告、政策文件类栏目未更新的")):
        stale = []
        for category in (c for c in catalog.by_code.values() if c.inspection == kind):
            last = max((i.published for i in catalog.items(category.code) if i.published <= as_of), default=None)
            if last is None or last < _before(as_of, days):
                stale.append(f"{category.name}（最近更新：{_cn(last) if last else '无'}）")
        result.append(Indicator(text, not stale, "、".join(stale) if stale else "均已按时更新"))
    empty = [r.category.name for r in rows if r.status is Status.EMPTY]
    result.append(Indicator("存在空白栏目（有栏目无内容）的", not empty, "、".join(empty) if empty else "没有空白栏目"))
    return tuple(result)


def _before(as_of: date, days: int) -> date:
    """The start of the inspection window: two weeks, or six calendar months, back."""
    if days != INSPECTIONS["通知公告政策文件"]:
        return as_of - timedelta(days=days) if as_of.toordinal() > days else date.min
    months = as_of.year * 12 + as_of.month - 1 - 6
    year, month = divmod(months, 12)
    if year < 1:
        return date.min
    return date(year, month + 1, min(as_of.day, monthrange(year, month + 1)[1]))


def _cn(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""
