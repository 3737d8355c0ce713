"""China's official working days, for statutory deadlines (N个工作日).

The national holidays and 调休 make-up days come from the chinesecalendar package,
which copies the State Council's notice year by year; site_config.yaml's calendar:
block adds a year the package does not know yet (copied from its notice) and local
holidays or corrections. A year neither knows is an error, never a guess: a deadline
counted over it would be wrong by up to a week.

Counting is arithmetic: weekdays by whole weeks, then the days whose status differs
from their weekday's (a holiday on a weekday, a make-up Saturday) from a sorted table
with running sums, so a count over years costs two binary searches.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar

from .fields import Fields, shown, type_name

CONFIG_LABELS = {"calendar": "节假日安排"}
YEAR_LABELS = {"notice": "依据（国务院办公厅通知）", "holidays": "放假日期", "workdays": "调休上班日期"}

_YEAR_KEY = re.compile(r"^\d{4}\Z")
_FIRST_YEAR, _LAST_YEAR = 1949, 2999  # 全国年节及纪念日放假办法 dates from 1949; beyond 2999 is a typo
_DATE = r"(\d{4}-\d{2}-\d{2})"
_ITEM = re.compile(rf"^{_DATE}(?:\s*(?:至|~|～|—+|–)\s*{_DATE})?\Z")


def _example(year: int) -> str:
    return f"例如 {year}-02-06，或日期范围 {year}-02-06 至 {year}-02-12"


class UnknownYear(Exception):
    """A date in a year whose holidays nobody has told us."""

    def __init__(self, year: int, known: str):
        self.year = year
        super().__init__(
            f"没有 {year} 年的节假日安排，无法按工作日计算期限：{known}。"
            f"请升级 chinesecalendar 软件包（在项目目录运行 .venv/bin/python -m pip install -U chinesecalendar），"
            f"或把国务院办公厅关于 {year} 年部分节假日安排的通知抄入 site_config.yaml 的 calendar: 下"
            f"（\"{year}\": 下写 notice 通知文号、holidays 放假日期、workdays 调休上班日期）")


@dataclass(frozen=True)
class YearNotice:
    """One year of the calendar: block. A notice makes a year the package does not
    know a known one; holidays and workdays override the package's days."""

    year: int
    notice: str | None = None
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()


@functools.cache
def _package() -> tuple[int, int, str, frozenset[int]]:
    """(first year, last year, version, ordinals of days whose status is not their
    weekday's) of chinesecalendar. Its own range check is the min and max year of its
    holiday table, so those are the years it answers for."""
    years = [day.year for day in chinese_calendar.holidays]
    flipped = {day.toordinal() for day in chinese_calendar.holidays if day.weekday() < 5}
    flipped -= {day.toordinal() for day in chinese_calendar.workdays}
    flipped |= {day.toordinal() for day in chinese_calendar.workdays if day.weekday() >= 5}
    version = getattr(chinese_calendar, "__version__", "")
    return min(years), max(years), version, frozenset(flipped)


def _weekdays_to(ordinal: int) -> int:
    """Monday to Friday among days 1..ordinal (day 1, 0001-01-01, is a Monday)."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


def _years_text(years: list[int]) -> str:
    """2004—2026、2028 年: runs of consecutive years shown as ranges."""
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and runs[-1][1] == year - 1:
            runs[-1][1] = year
        else:
            runs.append([year, year])
    return "、".join(f"{a}—{b}" if a != b else str(a) for a, b in runs) + " 年"


@dataclass(frozen=True)
class Calendar:
    """Working days: the package's years plus the overrides of site_config.yaml."""

    overrides: tuple[YearNotice, ...] = ()
    _known: frozenset[int] = field(init=False, repr=False, compare=False)
    _flipped: frozenset[int] = field(init=False, repr=False, compare=False)
    _table: tuple[int, ...] = field(init=False, repr=False, compare=False)  # flipped ordinals, sorted
    _sums: tuple[int, ...] = field(init=False, repr=False, compare=False)  # running sum of their ±1

    def __post_init__(self) -> None:
        first, last, _, flipped = _package()
        known = set(range(first, last + 1)) | {o.year for o in self.overrides if o.notice}
        flipped = set(flipped)
        for o in self.overrides:
            if o.year not in known:
                continue  # a year without notice stays unknown (reported by read_calendar)
            for day in o.holidays:  # off: a weekday flips, a make-up weekend day flips back
                (flipped.add if day.weekday() < 5 else flipped.discard)(day.toordinal())
            for day in o.workdays:
                (flipped.add if day.weekday() >= 5 else flipped.discard)(day.toordinal())
        table = sorted(flipped)
        sums, total = [0], 0
        for ordinal in table:
            total += 1 if date.fromordinal(ordinal).weekday() >= 5 else -1
            sums.append(total)
        object.__setattr__(self, "_known", frozenset(known))
        object.__setattr__(self, "_flipped", frozenset(flipped))
        object.__setattr__(self, "_table", tuple(table))
        object.__setattr__(self, "_sums", tuple(sums))

    # -- questions -------------------------------------------------------------------------

    def known(self, year: int) -> bool:
        return year in self._known

    def is_workday(self, day: date) -> bool:
        if day.year not in self._known:
            raise UnknownYear(day.year, self.known_text())
        return (day.weekday() < 5) != (day.toordinal() in self._flipped)

    def add(self, start: date, n: int) -> date:
        """The n-th working day after start; start itself is not counted (民法典 第二百零一条)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, not {n}")
        day, left = start, n
        beyond = date(max(self._known) + 1, 1, 1).toordinal()  # a year that count() reports
        while left:
            # n working days take at least n calendar days, so a jump of `left` days
            # never passes the answer (nor asks about a year beyond it).
            step = date.fromordinal(min(day.toordinal() + left, beyond))
            if step <= day:  # at the first unknown year: no working day can be counted
                raise UnknownYear(day.year, self.known_text())
            left -= self.count(day, step)
            day = step
        while not self.is_workday(day):  # the last jump may end on days off after the answer
            day -= timedelta(days=1)
        return day

    def count(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.count(end, start)
        if end == start:
            return 0
        for year in range((start + timedelta(days=1)).year, end.year + 1):
            if year not in self._known:
                raise UnknownYear(year, self.known_text())
        return self._span(start.toordinal(), end.toordinal())

    def count_known(self, start: date, end: date) -> tuple[int, bool]:
        """(working days in the known part of (start, end], whether all of it is known)."""
        if end < start:
            days, whole = self.count_known(end, start)
            return -days, whole
        if end == start:
            return 0, True
        first, last = start.toordinal() + 1, end.toordinal()
        first_year, last_year = date.fromordinal(first).year, end.year
        years = [y for y in self._known if first_year <= y <= last_year]
        days = 0
        for year in years:
            low = max(first, date(year, 1, 1).toordinal())
            high = min(last, date(year, 12, 31).toordinal())
            days += self._span(low - 1, high)
        return days, len(years) == last_year - first_year + 1

    def _span(self, after: int, upto: int) -> int:
        """Working days among ordinals after+1..upto, every one in a known year."""
        table, sums = self._table, self._sums
        flips = sums[bisect.bisect_right(table, upto)] - sums[bisect.bisect_right(table, after)]
        return _weekdays_to(upto) - _weekdays_to(after) + flips

    # -- what it knows ---------------------------------------------------------------------

    def first_known(self) -> date:
        """Jan 1 of the first year known (what the package starts with)."""
        return date(min(self._known), 1, 1) if self._known else date.max

    def last_known(self) -> date | None:
        """Dec 31 of the last year of the run of known years from the first one."""
        if not self._known:
            return None
        year = min(self._known)
        while year + 1 in self._known:
            year += 1
        return date(year, 12, 31)

    def describe(self) -> str:
        """e.g. 2004—2026 年（chinesecalendar 1.11.0），以及 site_config.yaml 中的 2027 年"""
        first, last, version, _ = _package()
        text = f"{first}—{last} 年（chinesecalendar {version}）"
        added = [o.year for o in self.overrides if o.notice and not first <= o.year <= last]
        if added:
            text += f"，以及 site_config.yaml 中的 {_years_text(added)}"
        changed = [o.year for o in self.overrides if first <= o.year <= last and (o.holidays or o.workdays)]
        if changed:
            text += f"；site_config.yaml 另调整了 {_years_text(changed)}的日期"
        return text

    def known_text(self) -> str:
        """What it knows, for UnknownYear: chinesecalendar 1.11.0 只含 2004—2026 年 …"""
        first, last, version, _ = _package()
        text = f"chinesecalendar {version} 只含 {first}—{last} 年"
        added = [o.year for o in self.overrides if o.notice and not first <= o.year <= last]
        return text + (f"，site_config.yaml 的 calendar: 另含 {_years_text(added)}" if added else "")


# -- site_config.yaml ---------------------------------------------------------------------


def read_calendar(root: Fields) -> Calendar:
    """The calendar with the overrides of the optional calendar: block; each mistake is
    reported at its line, and the year it is in left out."""
    block = root.raw("calendar", False)
    if block is None:
        return Calendar()
    if not isinstance(block, dict):
        root.error("calendar", "应为映射：每个年份一项，例如 \"2027\": 下写 notice、holidays 和 workdays")
        return Calendar()
    first, last, version, _ = _package()
    overrides = []
    for key, value in block.items():
        name = f"calendar.{key}"
        line = root.doc.line(name, root.line("calendar"))
        if not (_YEAR_KEY.match(key) and _FIRST_YEAR <= int(key) <= _LAST_YEAR):
            root.error(name, f"“{shown(key)}”不是年份：calendar: 下的每一项应以四位年份为名"
                       f"（{_FIRST_YEAR}—{_LAST_YEAR}），例如 \"2027\":", line)
            continue
        if value is not None and not isinstance(value, dict):
            root.error(name, "应为映射：notice（通知文号）、holidays（放假日期）、workdays（调休上班日期）", line)
            continue
        year = _read_year(root, int(key), value or {}, line, (first, last, version))
        if year:
            overrides.append(year)
    return Calendar(tuple(overrides))


def _read_year(root: Fields, year: int, data: dict, line: int, package: tuple[int, int, str]) -> YearNotice | None:
    fields = Fields(root.doc, root.rel, root.problems, YEAR_LABELS, data, f"calendar.{year}.", line)
    notice = fields.text("notice")
    holidays, workdays = _dates(fields, "holidays", year), _dates(fields, "workdays", year)
    for day in sorted(holidays & workdays):
        fields.error("workdays", f"{day} 同时写在 holidays（放假）和 workdays（上班）里，请按通知删去其中一处")
    first, last, version = package
    if not first <= year <= last:
        if notice is None and not isinstance(data.get("notice"), (list, dict)):  # those are reported by text()
            root.error(f"calendar.{year}", f"{year} 年不在 chinesecalendar {version} 所含的 {first}—{last} 年内："
                       f"要把它算作已知年份，须写 notice（所依据的国务院办公厅通知文号，如 国办发明电〔{year - 1}〕N号），"
                       "并照通知抄录 holidays 和 workdays；没有 notice，这一年的放假和调休日期不会被采用", line)
            return None
        elif notice and not holidays and not data.get("holidays"):  # a list with mistakes has its own messages
            fields.error("holidays", f"写了 notice，却没有 holidays：请把通知中 {year} 年的全部放假日期抄在这里，"
                         f"{_example(year)}", line)
    if not fields.ok:
        root.ok = False  # the site config is not valid, whichever Fields found the mistake
        return None
    return YearNotice(year, notice, frozenset(holidays), frozenset(workdays))


def _dates(fields: Fields, key: str, year: int) -> set[date]:
    """A list of dates and ranges, every one in `year`."""
    value = fields.raw(key, False)
    if value is None:
        return set()
    items = value if isinstance(value, list) else [value]
    days: set[date] = set()
    for index, item in enumerate(items):
        line = fields.doc.line(f"{fields.name(key)}.{index}", fields.line(key))
        where = f"第 {index + 1} 项：" if isinstance(value, list) else ""
        problem, span = _parse_item(item, year)
        if problem:
            fields.error(key, f"{where}{problem}", line)
        else:
            days.update(span)
    return days


def _parse_item(item, year: int) -> tuple[str | None, list[date]]:
    """(why the item is wrong, or None; its days)."""
    if not isinstance(item, str):
        return f"应为一个日期或日期范围，实际为{type_name(item)}，{_example(year)}", []
    match = _ITEM.match(item.strip())
    ends = [_iso(text) for text in match.groups() if text] if match else []
    if not ends or None in ends:
        return f"“{shown(item)}”不是可读的日期：应为 YYYY-MM-DD 格式的真实日期，{_example(year)}（范围也可用 ~ 或 — 连接）", []
    begin, end = ends[0], ends[-1]
    if end < begin:
        return f"日期范围“{shown(item)}”的结束日早于开始日，请对调", []
    for day in (begin, end):
        if day.year != year:
            return (f"{day} 不在 {year} 年内：每年之下只写该年的日期，跨年的请把 {day.year} 年的日子写在 "
                    f"\"{day.year}\": 下（chinesecalendar 已含的年份不必写 notice）"), []
    return None, [begin + timedelta(days=i) for i in range((end - begin).days + 1)]


def _iso(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:  # 2027-02-30
        return None
